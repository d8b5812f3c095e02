"""On PostgreSQL the audit log refuses TRUNCATE too (issue 21): its
UPDATE/DELETE trigger (0002, 0004) is a row trigger, which TRUNCATE never
fires.  SQL from plenary.append_only.no_truncate_trigger.
"""

from django.db import migrations

from plenary.append_only import no_truncate_trigger


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_account_access_events")]
    operations = [
        no_truncate_trigger(
            function="plenary_audit_no_truncate",
            tables=["audit_auditevent"],
            trigger="audit_no_truncate",
            subject="the audit log",
        )
    ]
