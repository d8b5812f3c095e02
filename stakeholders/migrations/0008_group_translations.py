"""Stakeholder groups in every interface language (plenary.site_data, issue 22): a
``translations`` field, and French, Spanish and Portuguese for the default groups
still named as shipped.  Reversible: going back drops the shipped translations,
then the field."""

from django.db import migrations, models

from stakeholders.defaults import translate_default_groups, untranslate_default_groups


def forward(apps, schema_editor):
    translate_default_groups(apps.get_model("stakeholders", "StakeholderGroup"))


def backward(apps, schema_editor):
    untranslate_default_groups(apps.get_model("stakeholders", "StakeholderGroup"))


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0007_name_keys_skeleton")]

    operations = [
        migrations.AddField(
            model_name="stakeholdergroup",
            name="translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="translations"),
        ),
        migrations.RunPython(forward, backward),
    ]
