"""The first middleware: a request id, one access line per request, and request metrics."""

import logging
import time

from django.conf import settings
from django.db import connection

from plenary.observability import context, metrics

access_log = logging.getLogger("plenary.request")

# URL parameters that are secrets (allauth's confirmation and reset keys, unsubscribe
# tokens): the access line shows the parameter's name in their place.
SECRET_PARAMETERS = {"token", "uidb36", "uidb64"}
SECRET_KEY_ROUTES = {"account_confirm_email", "account_reset_password_from_key"}
# Any other method is counted as "other": a client cannot grow the series.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class QueryCounter:
    """``connection.execute_wrapper`` callable counting the queries of one request."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def loggable_path(request) -> str:
    """The path without query string, secret URL parameters replaced by their names."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path
    for name, value in match.kwargs.items():
        secret = name in SECRET_PARAMETERS or (
            name == "key" and match.url_name in SECRET_KEY_ROUTES
        )
        if secret and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def route_of(request) -> str:
    """The route pattern (never the raw path, whose values would make a series each)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    # The full pattern, "" for the site's root: "/", "/c/<slug:slug>/".
    return "/" + match.route


class ObservabilityMiddleware:
    """Takes a sane incoming ``X-Request-ID`` or makes one, puts it in the log context,
    answers with it, logs one access line, and records the request's metrics (when
    ``PLENARY_METRICS_TOKEN`` is set).  First in ``MIDDLEWARE``, so it times and
    tags everything the others do."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = (
            context.sane_request_id(request.headers.get("X-Request-ID")) or context.new_request_id()
        )
        request.request_id = request_id
        rid_token = context.request_id.set(request_id)
        user_token = context.user_id.set(None)
        started = time.perf_counter()
        counter = QueryCounter()
        metrics_on = bool(settings.PLENARY_METRICS_TOKEN)
        try:
            if metrics_on:
                with connection.execute_wrapper(counter):
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            self.served(
                request, response.status_code, seconds, counter.count if metrics_on else None
            )
            return response
        finally:
            context.request_id.reset(rid_token)
            context.user_id.reset(user_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After the authentication middleware: log lines of the view carry the user.
        self.note_user(request)

    @staticmethod
    def note_user(request) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.user_id.set(user.pk)

    def served(self, request, status: int, seconds: float, queries: int | None) -> None:
        if context.user_id.get() is None:
            self.note_user(request)  # an API view authenticated its token itself
        route = route_of(request)
        path = loggable_path(request)
        duration_ms = round(seconds * 1000, 1)
        access_log.info(
            "%s %s %s %sms",
            request.method,
            path,
            status,
            round(duration_ms),
            extra={
                "method": request.method,
                "path": path,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "queries": queries,
            },
        )
        if queries is not None:  # metrics on
            method = request.method if request.method in METHODS else "other"
            metrics.request_served(
                route=route, method=method, status=status, seconds=seconds, queries=queries
            )
