"""Errors reported to Sentry (``SENTRY_DSN``), with what participants wrote left out.

``init_from_settings`` runs in ``PlenaryConfig.ready``, so in every process that
sets Django up: gunicorn's workers, the Celery worker and beat (Celery's Django
fixup calls ``django.setup()``), the relay and management commands.

``before_send`` is the one scrubber.  What it removes, wherever it is in the
event: request bodies (form and JSON), query strings, cookies and the
``Authorization``/``Cookie``/CSRF headers; the user (all but the id); the
local variables of every frame (a comment body, a display name or an address
can sit in any of them, inside a model's or a form's repr: no allow-list is
safe); task arguments; the value of any key that names a body, a name, an
address, a password, a token or a secret; and every substring shaped like an
email address, in messages, breadcrumbs and exception values alike.
"""

import re
from typing import Any

import sentry_sdk
from django.conf import settings
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

FILTERED = "[Filtered]"
EMAIL = re.compile(r"[^\s@<>\"'(),;:\[\]]+@[^\s@<>\"'(),;:\[\]]+\.[A-Za-z]{2,}")
# A key is sensitive when one of its words (split on anything but letters) starts with one
# of these: "display_name", "password1", "csrfmiddlewaretoken", "HTTP_AUTHORIZATION".
SENSITIVE_WORDS = (
    "body",
    "text",
    "comment",
    "name",
    "username",
    "email",
    "mail",
    "address",
    "passw",
    "token",
    "secret",
    "auth",
    "cookie",
    "csrf",
    "session",
    "key",
    "signature",
    "rationale",
    "answer",
    "pseudonym",
    "subject",
)
# Keys the SDK itself uses for non-personal facts, kept as they are.
SAFE_KEYS = {
    "type",
    "module",
    "function",
    "filename",
    "abs_path",
    "lineno",
    "logger",
    "level",
    "platform",
    "event_id",
    "task_name",
    "transaction",
    "server_name",
    "release",
    "environment",
    "category",
    "sdk",
    "version",
    "packages",
}
SENSITIVE_HEADERS = {"cookie", "authorization", "x-csrftoken", "proxy-authorization"}


def sensitive(key: str) -> bool:
    return any(word.startswith(SENSITIVE_WORDS) for word in re.split(r"[^a-z]+", key.lower()))


# The SDK's description of itself and the installed packages: no personal data, kept whole.
UNTOUCHED = {"sdk", "modules"}


def _scrub(value: Any, key: str | None = None) -> Any:
    if key in UNTOUCHED:
        return value
    if key is not None and key not in SAFE_KEYS and sensitive(key):
        return FILTERED
    if isinstance(value, str):
        return EMAIL.sub(FILTERED, value)
    if isinstance(value, dict):
        return {k: _scrub(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _drop_frame_variables(event: dict) -> None:
    for holder in [event, *event.get("exception", {}).get("values", [])]:
        for frame in (holder.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    for thread in event.get("threads", {}).get("values", []):
        for frame in (thread.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)


def before_send(event: dict, hint: dict) -> dict:
    """Sentry's ``before_send``: the event without what people wrote or who they are."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in ("data", "query_string", "cookies", "env"):
            if part in request:
                request[part] = FILTERED
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in SENSITIVE_HEADERS:
                    headers[name] = FILTERED
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    celery_job = event.get("extra", {}).get("celery-job")
    if isinstance(celery_job, dict):
        celery_job["args"] = celery_job["kwargs"] = FILTERED
    _drop_frame_variables(event)
    return _scrub(event)


def before_send_transaction(event: dict, hint: dict) -> dict:
    return before_send(event, hint)


def init_from_settings() -> bool:
    """Start the Sentry client when ``SENTRY_DSN`` is set; True if it was started."""
    dsn = settings.SENTRY_DSN
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE or None,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=before_send,  # type: ignore[arg-type]  # the SDK's Event is a TypedDict
        before_send_transaction=before_send_transaction,  # type: ignore[arg-type]
    )
    return True
