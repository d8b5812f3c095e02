from django.db import migrations

DEFAULT_GROUPS = [
    ("government", "Government", "National, regional and local governments, regulators and "
     "intergovernmental organisations."),
    ("private-sector", "Private sector", "Businesses, industry associations and their "
     "representatives."),
    ("civil-society", "Civil society", "Non-governmental and community organisations, "
     "advocacy groups and charities."),
    ("technical-community", "Technical community", "Standards bodies, network operators, "
     "registries and the people who build and run the infrastructure."),
    ("academic-community", "Academic community", "Universities, research institutes and "
     "independent researchers."),
    ("users", "Users", "Individual users speaking for themselves."),
]


def create_groups(apps, schema_editor):
    StakeholderGroup = apps.get_model("stakeholders", "StakeholderGroup")
    for ordinal, (slug, name, description) in enumerate(DEFAULT_GROUPS, start=1):
        StakeholderGroup.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "ordinal": ordinal}
        )


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0001_initial")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
