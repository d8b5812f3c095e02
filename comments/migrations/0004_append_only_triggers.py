"""On PostgreSQL the database refuses UPDATE and DELETE on comment revisions
and moderation actions, as it does on the ledger (feedback/migrations/0003):
both are histories owed to participants.  SQLite relies on the model guard
(plenary/append_only.py), which also writes this SQL.
"""

from django.db import migrations

from plenary.append_only import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_editing_and_moderation")]
    operations = [
        # The refusal names the table (TG_TABLE_NAME): one function for both.
        append_only_trigger(
            function="plenary_history_append_only",
            tables=["comments_commentrevision", "comments_moderationaction"],
            trigger="{table}_append_only",
        )
    ]
