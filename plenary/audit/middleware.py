"""The request being served, for audit events that signals record.

Signals (a user's flags saved, their groups changed) get no request; this
middleware keeps it in a context variable for the length of the request, so
such an event names who made the change and from where.  Outside a request (a
shell, a management command, a task) there is none, and the event says so by
having no actor.
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current: ContextVar[HttpRequest | None] = ContextVar("plenary_audit_request", default=None)


def current_request() -> HttpRequest | None:
    return current.get()


class AuditRequestMiddleware:
    """Place after ``AuthenticationMiddleware``: events read ``request.user``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current.set(request)
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
