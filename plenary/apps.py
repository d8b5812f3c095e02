from django.apps import AppConfig

# Imported for its effect: registering the deployment checks.
from plenary import checks  # noqa: F401
from plenary.observability import sentry


class PlenaryConfig(AppConfig):
    """The platform: project-wide template tags, commands and system checks."""

    name = "plenary"
    verbose_name = "Plenary"

    def ready(self) -> None:
        # Every process that sets Django up: web, the Celery worker and beat (Celery's
        # Django fixup runs django.setup()), the relay, commands.
        sentry.init_from_settings()
