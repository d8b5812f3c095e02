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


# The default groups' names and descriptions in the other interface languages
# (plenary.site_data), seeded by migration 0008 and editable on the registry's
# group page like the originals.
DEFAULT_TRANSLATIONS = {
    "government": {
        "fr": (
            "Gouvernement",
            "Administrations nationales, régionales et locales, régulateurs et "
            "organisations intergouvernementales.",
        ),
        "es": (
            "Gobierno",
            "Gobiernos nacionales, regionales y locales, reguladores y "
            "organizaciones intergubernamentales.",
        ),
        "pt": (
            "Governo",
            "Governos nacionais, regionais e locais, reguladores e "
            "organizações intergovernamentais.",
        ),
    },
    "private-sector": {
        "fr": (
            "Secteur privé",
            "Entreprises, associations professionnelles et leurs représentants.",
        ),
        "es": ("Sector privado", "Empresas, asociaciones empresariales y sus representantes."),
        "pt": ("Setor privado", "Empresas, associações empresariais e seus representantes."),
    },
    "civil-society": {
        "fr": (
            "Société civile",
            "Organisations non gouvernementales et communautaires, groupes de "
            "plaidoyer et associations caritatives.",
        ),
        "es": (
            "Sociedad civil",
            "Organizaciones no gubernamentales y comunitarias, grupos de incidencia "
            "y organizaciones benéficas.",
        ),
        "pt": (
            "Sociedade civil",
            "Organizações não governamentais e comunitárias, grupos de advocacia "
            "e instituições de caridade.",
        ),
    },
    "technical-community": {
        "fr": (
            "Communauté technique",
            "Organismes de normalisation, opérateurs de réseaux, registres et les "
            "personnes qui construisent et exploitent l'infrastructure.",
        ),
        "es": (
            "Comunidad técnica",
            "Organismos de normalización, operadores de redes, registros y las "
            "personas que construyen y operan la infraestructura.",
        ),
        "pt": (
            "Comunidade técnica",
            "Organismos de normalização, operadores de redes, registos e as "
            "pessoas que constroem e operam a infraestrutura.",
        ),
    },
    "academic-community": {
        "fr": (
            "Communauté universitaire",
            "Universités, instituts de recherche et chercheurs indépendants.",
        ),
        "es": (
            "Comunidad académica",
            "Universidades, institutos de investigación e investigadores independientes.",
        ),
        "pt": (
            "Comunidade académica",
            "Universidades, institutos de investigação e investigadores independentes.",
        ),
    },
    "users": {
        "fr": ("Utilisateurs", "Utilisateurs individuels qui parlent en leur propre nom."),
        "es": ("Usuarios", "Usuarios individuales que hablan en su propio nombre."),
        "pt": ("Utilizadores", "Utilizadores individuais que falam em seu próprio nome."),
    },
}


def translate_default_groups(group_model) -> int:
    """Give each default group still named as shipped, and not yet translated, the
    translations above; return how many groups were given them.  A group the
    secretariat renamed or translated is left alone."""
    originals = {slug: name for slug, name, _description in DEFAULT_GROUPS}
    done = 0
    for group in group_model.objects.filter(slug__in=list(DEFAULT_TRANSLATIONS)):
        if group.translations or group.name != originals[group.slug]:
            continue
        group.translations = {
            language: {"name": name, "description": description}
            for language, (name, description) in DEFAULT_TRANSLATIONS[group.slug].items()
        }
        group.save(update_fields=["translations"])
        done += 1
    return done


def untranslate_default_groups(group_model) -> None:
    """The reverse of ``translate_default_groups``: drop exactly the shipped translations."""
    for group in group_model.objects.filter(slug__in=list(DEFAULT_TRANSLATIONS)):
        shipped = {
            language: {"name": name, "description": description}
            for language, (name, description) in DEFAULT_TRANSLATIONS[group.slug].items()
        }
        if group.translations == shipped:
            group.translations = {}
            group.save(update_fields=["translations"])
