"""Look-alike keys read letters of other scripts as their prototypes (the TR39
skeleton, stakeholders/names.py, issue 21): recompute the stored keys.  Keys of
names written in ASCII do not change; the others are computed again."""

from django.db import migrations

from stakeholders.names import name_key


def refill(apps, schema_editor):
    for model, source in (("Organisation", "name"), ("Participant", "display_name")):
        Model = apps.get_model("stakeholders", model)
        batch = []
        for row in Model.objects.only("pk", source, "name_key").iterator(chunk_size=2000):
            key = name_key(getattr(row, source))[:200]
            if key != row.name_key:
                row.name_key = key
                batch.append(row)
            if len(batch) == 2000:
                Model.objects.bulk_update(batch, ["name_key"])
                batch = []
        Model.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0006_api_tokens"),
    ]

    operations = [
        migrations.RunPython(refill, migrations.RunPython.noop),
    ]
