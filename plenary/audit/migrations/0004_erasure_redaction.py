"""Erasure (feedback.privacy.services) may redact an audit event, and nothing else may.

The trigger of 0002 still refuses every DELETE and every other UPDATE.  It now
also lets an UPDATE through when it only replaces personal data with the
redaction markers and changes nothing else:

- ``actor_email`` and ``target`` to the literal ``[erased]``,
- ``ip`` to NULL,
- ``detail`` to ``{"erased": true}``.

What happened, when and in which consultation stays as written, so the log
still counts; who it was is gone, as the erasure promised.  Only the function
is replaced (plenary.append_only writes it); the trigger itself is unchanged.
"""

from django.db import migrations

from plenary.append_only import PostgreSQLOnly, append_only_function

REDACTABLE = "- 'actor_id' - 'consultation_id' - 'actor_email' - 'target' - 'ip' - 'detail'"
SET_NULL_OR_REDACTION = f"""TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (NEW.actor_email = OLD.actor_email OR NEW.actor_email = '[erased]')
       AND (NEW.target = OLD.target OR NEW.target = '[erased]')
       AND (NEW.ip IS NOT DISTINCT FROM OLD.ip OR NEW.ip IS NULL)
       AND (NEW.detail = OLD.detail OR NEW.detail = '{{"erased": true}}'::jsonb)
       AND (to_jsonb(NEW) {REDACTABLE}) = (to_jsonb(OLD) {REDACTABLE})"""
# Back to 0002's exception (SET_NULL only).
SET_NULL_ONLY = """TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'consultation_id')
           = (to_jsonb(OLD) - 'actor_id' - 'consultation_id')"""
FUNCTION = {"function": "plenary_audit_append_only", "subject": "the audit log"}


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_moderation_event")]
    operations = [
        PostgreSQLOnly(
            sql=[append_only_function(**FUNCTION, allow=SET_NULL_OR_REDACTION)],
            reverse_sql=[append_only_function(**FUNCTION, allow=SET_NULL_ONLY)],
        )
    ]
