"""Append-only records: the disposition ledger, the audit log, comment
revisions and moderation actions.

A guard, not business logic: rows of these models are inserted and never
updated or deleted, through the model or its queryset (``AppendOnlyModel``).
On PostgreSQL the database refuses it too, with a trigger that every such
migration writes through the helpers below (``append_only_function``,
``append_only_sql``, ``append_only_trigger``, ``PostgreSQLOnly``).  SQLite
relies on the model guard: Django's test flush on SQLite deletes rows.
TRUNCATE fires no row trigger: ``no_truncate_trigger`` adds a statement
trigger refusing it to every such table (issue 21); Django's ``flush``
(tests, resets) passes through ``plenary/management/commands/flush.py``.

Migrations call these helpers, so their output is history: it must stay the
SQL those migrations first ran, or fresh databases would drift from deployed
ones (tests/plenary/test_append_only_histories.py pins it against the old
literal SQL).  To change a trigger, write a new migration.
"""

import re

from django.db import migrations, models


def _refuse(model, verb: str) -> TypeError:
    return TypeError(
        f"{str(model._meta.verbose_name_plural).capitalize()} are append-only: "
        f"rows are never {verb}."
    )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _refuse(self.model, "updated")

    def delete(self):
        raise _refuse(self.model, "deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _refuse(type(self), "updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse(type(self), "deleted")


# --- the PostgreSQL trigger, for migrations ---------------------------------------

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _identifier(name: str) -> str:
    """Names go into the SQL unquoted, as the first migrations wrote them: only
    lower-case identifiers are accepted, so nothing needs quoting."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def append_only_function(
    *, function: str, subject: str | None = None, allow: str | None = None
) -> str:
    """``CREATE OR REPLACE FUNCTION`` for a trigger that refuses UPDATE and DELETE.

    The refusal raises ``integrity_constraint_violation`` with the message
    "<subject> is append-only (UPDATE refused)" (or DELETE); without
    ``subject`` the table's name (``TG_TABLE_NAME``) stands for it.

    ``allow``, when given, is a PL/pgSQL condition (it may use ``TG_OP``,
    ``NEW`` and ``OLD``) under which the row passes (``RETURN NEW``) instead:
    the exception a record admits, e.g. the audit log's SET_NULL and erasure
    redaction (plenary/audit/migrations/0002 and 0004).
    """
    if subject is None:
        message = "TG_TABLE_NAME || ' is append-only ('"
    else:
        message = "'{} is append-only ('".format(subject.replace("'", "''"))
    allowed = f"    IF {allow} THEN\n        RETURN NEW;\n    END IF;\n" if allow else ""
    return (
        f"CREATE OR REPLACE FUNCTION {_identifier(function)}() RETURNS trigger AS $$\n"
        "BEGIN\n"
        f"{allowed}"
        "    RAISE EXCEPTION USING\n"
        f"        MESSAGE = {message} || TG_OP || ' refused)',\n"
        "        ERRCODE = 'integrity_constraint_violation';\n"
        "END;\n"
        "$$ LANGUAGE plpgsql;\n"
    )


def append_only_sql(
    *,
    function: str,
    tables: list[str] | tuple[str, ...],
    trigger: str,
    subject: str | None = None,
    allow: str | None = None,
) -> tuple[str, str]:
    """(up, down) SQL: the function of ``append_only_function`` and, on each
    table, a ``BEFORE UPDATE OR DELETE ... FOR EACH ROW`` trigger calling it.

    ``trigger`` names each table's trigger; ``{table}`` in it is replaced by
    the table's name (``"{table}_append_only"``).  Down drops the triggers,
    then the function.
    """
    function = _identifier(function)
    names = [(_identifier(table), _identifier(trigger.format(table=table))) for table in tables]
    up = append_only_function(function=function, subject=subject, allow=allow) + "".join(
        f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}\n"
        f"    FOR EACH ROW EXECUTE FUNCTION {function}();\n"
        for table, name in names
    )
    down = "".join(f"DROP TRIGGER IF EXISTS {name} ON {table};\n" for table, name in names)
    down += f"DROP FUNCTION IF EXISTS {function}();\n"
    return up, down


class PostgreSQLOnly(migrations.RunSQL):
    """``RunSQL`` that runs on PostgreSQL and does nothing elsewhere (SQLite
    relies on ``AppendOnlyModel``).  Each string is executed as one call, as
    the migrations' ``schema_editor.execute`` did: pass lists of strings, so
    Django does not split (and reformat) the function bodies."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Raw SQL operation (PostgreSQL only)"


def append_only_trigger(
    *,
    function: str,
    tables: list[str] | tuple[str, ...],
    trigger: str,
    subject: str | None = None,
    allow: str | None = None,
) -> PostgreSQLOnly:
    """The migration operation: ``append_only_sql`` forwards and backwards, on
    PostgreSQL only."""
    up, down = append_only_sql(
        function=function, tables=tables, trigger=trigger, subject=subject, allow=allow
    )
    return PostgreSQLOnly(sql=[up], reverse_sql=[down])


def no_truncate_sql(
    *,
    function: str,
    tables: list[str] | tuple[str, ...],
    trigger: str,
    subject: str | None = None,
) -> tuple[str, str]:
    """(up, down) SQL refusing TRUNCATE: ``TRUNCATE`` fires no row trigger, so
    the UPDATE/DELETE trigger of ``append_only_sql`` never sees it (issue 21).

    A function written as ``append_only_function`` writes it (the message reads
    "<subject> is append-only (TRUNCATE refused)") and, on each table, a
    ``BEFORE TRUNCATE ... FOR EACH STATEMENT`` trigger calling it.  A function
    of its own, not the row trigger's: a statement trigger has no ``NEW`` for
    an ``allow`` condition to read.  ``trigger`` is formatted with ``{table}``
    as in ``append_only_sql``.
    """
    function = _identifier(function)
    names = [(_identifier(table), _identifier(trigger.format(table=table))) for table in tables]
    up = append_only_function(function=function, subject=subject) + "".join(
        f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table}\n"
        f"    FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
        for table, name in names
    )
    down = "".join(f"DROP TRIGGER IF EXISTS {name} ON {table};\n" for table, name in names)
    down += f"DROP FUNCTION IF EXISTS {function}();\n"
    return up, down


def no_truncate_trigger(
    *,
    function: str,
    tables: list[str] | tuple[str, ...],
    trigger: str,
    subject: str | None = None,
) -> PostgreSQLOnly:
    """The migration operation: ``no_truncate_sql`` forwards and backwards, on
    PostgreSQL only.  Every table with an append-only trigger has one too."""
    up, down = no_truncate_sql(function=function, tables=tables, trigger=trigger, subject=subject)
    return PostgreSQLOnly(sql=[up], reverse_sql=[down])
