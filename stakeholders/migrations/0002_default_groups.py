from django.db import migrations

from stakeholders.defaults import ensure_default_groups


def create_groups(apps, schema_editor):
    ensure_default_groups(apps.get_model("stakeholders", "StakeholderGroup"))


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0001_initial")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
