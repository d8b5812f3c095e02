"""Chain the entries published before the hash chain existed (feedback/ledger/chain.py).

On PostgreSQL the append-only trigger is disabled for this one migration,
inside its transaction, and enabled again before it commits.
"""

from django.db import migrations

from feedback.ledger import chain


def chain_existing(apps, schema_editor):
    entry_model = apps.get_model("feedback", "DispositionEntry")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(
            "ALTER TABLE feedback_dispositionentry DISABLE TRIGGER ledger_append_only"
        )
    entries = entry_model.objects.select_related(
        "consultation", "comment", "target_section", "duplicate_of"
    ).order_by("consultation_id", "sequence")
    previous_by_consultation: dict[int, str] = {}
    for entry in entries:
        previous = previous_by_consultation.get(entry.consultation_id, chain.GENESIS)
        entry_hash = chain.digest(chain.document_for(entry, previous_hash=previous))
        entry_model.objects.filter(pk=entry.pk).update(
            previous_hash=previous, entry_hash=entry_hash
        )
        previous_by_consultation[entry.consultation_id] = entry_hash
    if postgres:
        schema_editor.execute(
            "ALTER TABLE feedback_dispositionentry ENABLE TRIGGER ledger_append_only"
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0004_hash_chain_appeals_batches")]
    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
