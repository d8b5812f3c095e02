"""On PostgreSQL the database refuses UPDATE and DELETE on comment revisions
and moderation actions, as it does on the ledger (feedback/migrations/0003):
both are histories owed to participants.  SQLite relies on the model guard
(plenary/append_only.py).
"""

from django.db import migrations

TABLES = ("comments_commentrevision", "comments_moderationaction")
FUNCTION = """
CREATE OR REPLACE FUNCTION plenary_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION plenary_history_append_only();"
        )


def down(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS plenary_history_append_only();")


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_editing_and_moderation")]
    operations = [migrations.RunPython(up, down)]
