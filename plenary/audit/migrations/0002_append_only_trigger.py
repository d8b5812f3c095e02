"""On PostgreSQL the database itself refuses to rewrite or delete audit events.

One exception: when an account or a consultation is deleted, Django's
SET_NULL empties ``actor_id`` or ``consultation_id``; the event itself
(``actor_email``, what, when, where) stays as written.  Any other UPDATE, and
every DELETE, is refused.  SQLite relies on the model guard
(plenary/append_only.py), as for the ledger (feedback/migrations/0003).
"""

from django.db import migrations

TABLE = "audit_auditevent"
POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION plenary_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'consultation_id')
           = (to_jsonb(OLD) - 'actor_id' - 'consultation_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'the audit log is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION plenary_audit_append_only();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS plenary_audit_append_only();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
