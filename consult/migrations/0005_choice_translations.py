"""Answer options in every interface language (plenary.site_data, issue 22)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("consult", "0004_rounds_drafts_questions_meetings")]

    operations = [
        migrations.AddField(
            model_name="questionchoice",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
    ]
