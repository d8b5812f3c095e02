"""Django's ``flush``, past the append-only tables' TRUNCATE triggers.

``flush`` empties every table with one ``TRUNCATE`` on PostgreSQL, and the
append-only records refuse TRUNCATE by trigger (plenary/append_only.py,
issue 21).  Emptying the whole database is the operator's reset (and the test
suite's, after each transactional test), not an application write, so this
override runs Django's command with ``session_replication_role = replica``,
under which ordinary triggers do not fire.  Setting it needs a superuser (or,
from PostgreSQL 15, a role granted the setting): an application role that is
neither cannot flush the record away.
"""

from django.core.management.commands import flush
from django.db import connections


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")
