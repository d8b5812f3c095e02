"""Erasure (feedback.privacy.services) may redact an audit event, and nothing else may.

The trigger of 0002 still refuses every DELETE and every other UPDATE.  It now
also lets an UPDATE through when it only replaces personal data with the
redaction markers and changes nothing else:

- ``actor_email`` and ``target`` to the literal ``[erased]``,
- ``ip`` to NULL,
- ``detail`` to ``{"erased": true}``.

What happened, when and in which consultation stays as written, so the log
still counts; who it was is gone, as the erasure promised.
"""

from django.db import migrations

TABLE = "audit_auditevent"
REDACTABLE = "- 'actor_id' - 'consultation_id' - 'actor_email' - 'target' - 'ip' - 'detail'"
POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION plenary_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (NEW.actor_email = OLD.actor_email OR NEW.actor_email = '[erased]')
       AND (NEW.target = OLD.target OR NEW.target = '[erased]')
       AND (NEW.ip IS NOT DISTINCT FROM OLD.ip OR NEW.ip IS NULL)
       AND (NEW.detail = OLD.detail OR NEW.detail = '{{"erased": true}}'::jsonb)
       AND (to_jsonb(NEW) {REDACTABLE}) = (to_jsonb(OLD) {REDACTABLE}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'the audit log is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
# Back to 0002's function (the trigger itself is unchanged).
POSTGRES_DOWN = """
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
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_moderation_event")]
    operations = [migrations.RunPython(up, down)]
