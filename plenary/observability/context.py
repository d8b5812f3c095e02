"""Who a log line belongs to: the request or task in progress, kept in context variables.

The request id is set by ``middleware.ObservabilityMiddleware`` (from a sane
``X-Request-ID`` or a new one), travels with the work a request enqueues (the
outbox row's ``request_id``, published as a task header), and is set again in
the worker by ``celery_signals`` before the task runs.
"""

import re
import uuid
from contextvars import ContextVar

# The task header (and Celery request attribute) that carries the enqueuing request's id.
REQUEST_ID_HEADER = "plenary_request_id"

request_id: ContextVar[str] = ContextVar("plenary_request_id", default="")
user_id: ContextVar[int | None] = ContextVar("plenary_user_id", default=None)
task_name: ContextVar[str] = ContextVar("plenary_task_name", default="")
task_id: ContextVar[str] = ContextVar("plenary_task_id", default="")

# What a proxy or load balancer may send: UUIDs, hex, base64url-ish ids; at most 64
# characters, so a log line cannot be stuffed or split through the header.
_SANE = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def sane_request_id(value: str | None) -> str | None:
    """``value`` if it can serve as a request id as it is, else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex
