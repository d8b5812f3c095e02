from django.apps import AppConfig

# Imported for its effect: registering the deployment checks.
from plenary import checks  # noqa: F401


class PlenaryConfig(AppConfig):
    """The platform: project-wide template tags, commands and system checks."""

    name = "plenary"
    verbose_name = "Plenary"
