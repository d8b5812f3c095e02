"""The six default stakeholder groups, created by a data migration (editable afterwards)."""

DEFAULT_GROUPS = [
    (
        "government",
        "Government",
        "National, regional and local governments, regulators and intergovernmental organisations.",
    ),
    (
        "private-sector",
        "Private sector",
        "Businesses, industry associations and their representatives.",
    ),
    (
        "civil-society",
        "Civil society",
        "Non-governmental and community organisations, advocacy groups and charities.",
    ),
    (
        "technical-community",
        "Technical community",
        "Standards bodies, network operators, "
        "registries and the people who build and run the infrastructure.",
    ),
    (
        "academic-community",
        "Academic community",
        "Universities, research institutes and independent researchers.",
    ),
    ("users", "Users", "Individual users speaking for themselves."),
]


def ensure_default_groups(group_model) -> None:
    """Create any missing default group; leaves edited names and descriptions alone."""
    for ordinal, (slug, name, description) in enumerate(DEFAULT_GROUPS, start=1):
        group_model.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "ordinal": ordinal}
        )
