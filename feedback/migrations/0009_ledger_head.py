"""The ledger's head log (issue 21), and TRUNCATE refused on the ledger and the log.

``LedgerHead`` rows are appended by every publication (feedback/ledger/services.py);
a ledger that existed before the log gets one head now, its current last entry,
so ``verify_ledger`` has an anchor for it from this migration on.  On PostgreSQL
the log refuses UPDATE and DELETE as the ledger does (0003), and both refuse
TRUNCATE, which no row trigger sees (plenary.append_only.no_truncate_trigger).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

from plenary.append_only import append_only_trigger, no_truncate_trigger


def anchor_existing_ledgers(apps, schema_editor):
    DispositionEntry = apps.get_model("feedback", "DispositionEntry")
    LedgerHead = apps.get_model("feedback", "LedgerHead")
    now = timezone.now()
    consultations = (
        DispositionEntry.objects.order_by().values_list("consultation_id", flat=True).distinct()
    )
    for consultation_id in consultations:
        last = (
            DispositionEntry.objects.filter(consultation_id=consultation_id)
            .order_by("-sequence")
            .first()
        )
        LedgerHead.objects.create(
            consultation_id=consultation_id,
            batch=None,
            entry_count=last.sequence,
            head_hash=last.entry_hash,
            anchored_at=now,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('consult', '0004_rounds_drafts_questions_meetings'),
        ('feedback', '0008_evaluation'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('entry_count', models.PositiveIntegerField()),
                ('head_hash', models.CharField(max_length=64)),
                ('anchored_at', models.DateTimeField()),
                ('batch', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='head', to='feedback.publicationbatch')),
                ('consultation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ledger_heads', to='consult.consultation')),
            ],
            options={
                'ordering': ['consultation', 'entry_count'],
                'constraints': [models.UniqueConstraint(fields=('consultation', 'entry_count'), name='ledger_head_count_unique')],
            },
        ),
        migrations.RunPython(anchor_existing_ledgers, migrations.RunPython.noop, elidable=False),
        append_only_trigger(
            function="plenary_ledger_head_append_only",
            tables=["feedback_ledgerhead"],
            trigger="ledger_head_append_only",
            subject="the ledger head log",
        ),
        no_truncate_trigger(
            function="plenary_ledger_no_truncate",
            tables=["feedback_dispositionentry", "feedback_ledgerhead"],
            trigger="{table}_no_truncate",
            subject="the disposition ledger",
        ),
    ]
