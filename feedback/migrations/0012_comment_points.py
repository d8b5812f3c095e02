"""Points (issue 23): a long comment's numbered passages, each answered on its own.

A ledger entry (and a draft) is now on a comment or on one of its points: ``comment``
becomes nullable and ``point`` is added, with a check that exactly one is set.
Existing entries all name a comment and keep their hashes (the chain's document is
unchanged; a point's entry carries the sub-receipt ``<receipt>-<n>``).  The
append-only trigger of migration 0003 covers the table as before.
"""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0010_search_in_the_comment_language'),
        ('consult', '0005_choice_translations'),
        ('feedback', '0011_double_coding'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='dispositiondraft',
            name='comment',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='draft', to='comments.comment'),
        ),
        migrations.AlterField(
            model_name='dispositionentry',
            name='comment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='dispositions', to='comments.comment'),
        ),
        migrations.CreateModel(
            name='CommentPoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('source', models.CharField(choices=[('body', 'the comment'), ('attachment', 'the attached paper')], default='body', max_length=10)),
                ('start', models.PositiveIntegerField()),
                ('end', models.PositiveIntegerField()),
                ('quote', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('attachment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='comments.attachment')),
                ('comment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='points', to='comments.comment')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['comment', 'number'],
            },
        ),
        migrations.AddField(
            model_name='dispositiondraft',
            name='point',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='draft', to='feedback.commentpoint'),
        ),
        migrations.AddField(
            model_name='dispositionentry',
            name='point',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='feedback.commentpoint'),
        ),
        migrations.AddIndex(
            model_name='dispositionentry',
            index=models.Index(fields=['point', '-sequence'], name='ledger_point_latest_idx'),
        ),
        migrations.AddConstraint(
            model_name='dispositiondraft',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('comment__isnull', False), ('point__isnull', True)), models.Q(('comment__isnull', True), ('point__isnull', False)), _connector='OR'), name='draft_comment_or_point'),
        ),
        migrations.AddConstraint(
            model_name='dispositionentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('comment__isnull', False), ('point__isnull', True)), models.Q(('comment__isnull', True), ('point__isnull', False)), _connector='OR'), name='ledger_entry_comment_or_point'),
        ),
        migrations.AddConstraint(
            model_name='commentpoint',
            constraint=models.UniqueConstraint(fields=('comment', 'number'), name='point_number_unique'),
        ),
        migrations.AddConstraint(
            model_name='commentpoint',
            constraint=models.CheckConstraint(condition=models.Q(('end__gt', models.F('start'))), name='point_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='commentpoint',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('attachment__isnull', True), ('source', 'body')), models.Q(('attachment__isnull', False), ('source', 'attachment')), _connector='OR'), name='point_source_attachment'),
        ),
    ]
