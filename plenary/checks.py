"""Plenary's own deployment checks (``manage.py check --deploy``), registered by
``plenary.apps``."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from plenary.secret_key import HOW_TO_SET, PUBLIC_KEYS


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs) -> list[Error]:
    """A deployment never runs on a key published in the repository (or none).

    With ``DJANGO_DEBUG`` off the settings already refuse to load; this catches
    a check run with DEBUG on, before the same variables go to production.
    """
    key = str(settings.SECRET_KEY or "")
    if not key.strip() or key in PUBLIC_KEYS:
        return [
            Error(
                "SECRET_KEY is empty or a key published in Plenary's source code.",
                hint=HOW_TO_SET,
                id="plenary.E001",
            )
        ]
    return []
