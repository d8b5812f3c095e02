"""Form helpers shared by the server-rendered pages."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme

from plenary.ratelimit import RateLimited

NOT_DONE = object()


def posted(request):
    """The data to bind a form to: the POST on a POST, None on a GET.

    ``request.POST or None`` is not enough for forms whose only fields are
    checkboxes (or that have none): unticked boxes send nothing but the CSRF
    token, and an empty QueryDict would leave the form unbound.
    """
    return request.POST if request.method == "POST" else None


def safe_next(request, target: str | None, default: str) -> str:
    """``target`` if it is a URL of this site (a ``next`` field to go back to), else ``default``.

    On HTTPS a plain-HTTP target is refused too, so going back never downgrades.
    """
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def anchored(url: str, anchor: str) -> str:
    """``url`` pointing at the element ``anchor`` on its page (any earlier fragment replaced),
    so going back after an action lands on the row just handled."""
    return f"{url.split('#', 1)[0]}#{anchor}"


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form, each message beside its field."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def submit(request, form: forms.Form, action: Callable[[dict], Any]) -> Any:
    """Run ``action(form.cleaned_data)`` (one service call) for a valid POST.

    Returns what the service returned, or ``NOT_DONE`` when there was nothing
    to do (a GET, an invalid form) or the service refused: its messages are
    then on the form, beside their fields, for the page to show again.  A
    refusal for going too fast (``RateLimited``) is also noted on the request,
    for ``plenary.ratelimit.answers_429`` to answer 429 with Retry-After.
    """
    if request.method != "POST" or not form.is_valid():
        return NOT_DONE
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        if isinstance(exc, RateLimited):
            request.plenary_rate_limited = exc
        add_service_errors(form, exc)
        return NOT_DONE
