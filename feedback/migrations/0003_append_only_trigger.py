"""On PostgreSQL the database itself refuses UPDATE and DELETE on the ledger.

SQLite (the embedded demo default) relies on the model and service guards:
Django's test flush on SQLite uses DELETE, which such a trigger would break.
The SQL is written by plenary.append_only (the same for every append-only
record); feedback/migrations/0005 disables ``ledger_append_only`` by name.
"""

from django.db import migrations

from plenary.append_only import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_initial")]
    operations = [
        append_only_trigger(
            function="plenary_ledger_append_only",
            tables=["feedback_dispositionentry"],
            trigger="ledger_append_only",
            subject="the disposition ledger",
        )
    ]
