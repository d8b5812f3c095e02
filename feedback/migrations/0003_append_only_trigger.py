"""On PostgreSQL the database itself refuses UPDATE and DELETE on the ledger.

SQLite (the embedded demo default) relies on the model and service guards:
Django's test flush on SQLite uses DELETE, which such a trigger would break.
"""

from django.db import migrations

TABLE = "feedback_dispositionentry"
POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION plenary_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the disposition ledger is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION plenary_ledger_append_only();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS ledger_append_only ON {TABLE};
DROP FUNCTION IF EXISTS plenary_ledger_append_only();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_initial")]
    operations = [migrations.RunPython(up, down)]
