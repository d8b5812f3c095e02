"""Plenary's own deployment checks (``manage.py check --deploy``), registered by
``plenary.apps``."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from plenary.media_storage import BACKENDS
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


@register(Tags.compatibility)
def check_media_storage(app_configs, **kwargs) -> list[Error]:
    """Media on S3 needs a bucket; a storage name we do not know is a typo.

    Not deploy-only: ``migrate`` (the compose file's one-off service) and every
    ``manage.py`` command refuse to start, rather than a first upload failing.
    """
    chosen = getattr(settings, "PLENARY_MEDIA_STORAGE", "local") or "local"
    if chosen not in BACKENDS:
        return [
            Error(
                f"PLENARY_MEDIA_STORAGE is {chosen!r}; it must be one of: {', '.join(BACKENDS)}.",
                id="plenary.E020",
            )
        ]
    options = settings.STORAGES["default"].get("OPTIONS", {})
    if chosen == "s3" and not options.get("bucket_name"):
        return [
            Error(
                "PLENARY_MEDIA_STORAGE=s3 but AWS_STORAGE_BUCKET_NAME is not set.",
                hint="Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for a service "
                "other than AWS): docs/OPERATIONS.md, 'Media and reports on S3-compatible "
                "storage'.",
                id="plenary.E021",
            )
        ]
    return []
