"""API plumbing shared by every app: the error format, and its place in the schema."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as DrfSpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from plenary.ratelimit import RateLimited

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # django-stubs-ext: a dev dependency


def exception_handler(exc, context):
    """Turn service errors into DRF errors: 400 naming the field, 403 with a reason.

    Services raise Django's ValidationError (with a field dict) and
    PermissionDenied so that pages, API, admin and commands share them.
    """
    if isinstance(exc, RateLimited):
        # Before ValidationError, which it is (for the pages): 429 with Retry-After.
        # (wait set after: Throttled(wait=...) would append its own "try again" sentence.)
        retry_after, exc = exc.retry_after, exceptions.Throttled(detail=exc.messages[0])
        exc.wait = retry_after
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class _ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Why the request was refused."))

    class Meta:
        ref_name = "Error"


class AutoSchema(DrfSpectacularAutoSchema):
    """drf-spectacular's AutoSchema, also documenting the JSON errors a view can return.

    An operation documents only its success codes unless told otherwise; clients
    (and schemathesis) must know the errors too.  Added where they can happen:
    400 for writes and filtered lists, 401 wherever authentication runs (an
    invalid token is refused even on public endpoints), 403 for writes (a
    service's PermissionDenied, or a missing CSRF token with session
    authentication), 404 for paths naming an object and paginated lists (a
    page past the end), 429 for the methods a view lists in ``rate_limited``
    (plenary/ratelimit.py).  Explicit ``@extend_schema`` responses win.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        view = self.view
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        errors: dict[str, tuple[type[serializers.Serializer] | OpenApiTypes, StrOrPromise]] = {}
        if writes or getattr(view, "filterset_class", None):
            errors["400"] = (OpenApiTypes.OBJECT, _("Invalid input: messages by field name."))
        if view.get_authenticators():
            errors["401"] = (_ErrorSerializer, _("Not signed in, or an invalid token."))
        # A read refused to some viewers names its methods in ``view.forbidden_reads``.
        forbids = writes or self.method in getattr(view, "forbidden_reads", ())
        if forbids and view.get_authenticators():
            errors["403"] = (_ErrorSerializer, _("Not allowed."))
        if self.method in getattr(view, "rate_limited", ()):
            errors["429"] = (_ErrorSerializer, _("Too many requests: wait Retry-After seconds."))
        if "{" in self.path or (self._is_list_view() and getattr(view, "paginator", None)):
            errors["404"] = (_ErrorSerializer, _("No such object, or not visible to you."))
        for code, (serializer, description) in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description=description),
                    code,
                    ("application/json",),
                    direction,
                )
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    """The API token in the schema: ``Authorization: Token <token>``
    (plenary.authentication, named as a string: it loads with DRF's views)."""

    target_class = "plenary.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 (the header's keyword, not a secret)
        )
