"""On PostgreSQL the database itself refuses to rewrite or delete audit events.

One exception: when an account or a consultation is deleted, Django's
SET_NULL empties ``actor_id`` or ``consultation_id``; the event itself
(``actor_email``, what, when, where) stays as written.  Any other UPDATE, and
every DELETE, is refused.  SQLite relies on the model guard
(plenary/append_only.py, which also writes this SQL), as for the ledger
(feedback/migrations/0003).  0004 widens the exception to erasure redaction.
"""

from django.db import migrations

from plenary.append_only import append_only_trigger

SET_NULL_ONLY = """TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'consultation_id')
           = (to_jsonb(OLD) - 'actor_id' - 'consultation_id')"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        append_only_trigger(
            function="plenary_audit_append_only",
            tables=["audit_auditevent"],
            trigger="audit_append_only",
            subject="the audit log",
            allow=SET_NULL_ONLY,
        )
    ]
