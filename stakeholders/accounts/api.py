from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stakeholders.accounts import selectors, services
from stakeholders.accounts.serializers import (
    ApiTokenSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from stakeholders.models import ApiToken


class TokenView(APIView):
    """POST: exchange an email address and password (and, where the account has
    two-factor authentication, a ``code``) for a new API token.  DELETE: sign
    out, revoking the token the request is sent with."""

    permission_classes: list = []
    rate_limited = ("POST",)

    def get_authenticators(self):
        # Signing in needs none (a stale header must not stop it); signing out does.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            403: OpenApiResponse(
                description=gettext_lazy(
                    "A staff account without two-factor authentication while it is "
                    "required: set one up first."
                )
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _token, key = services.api_token_issue(
            request=request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            code=data.validated_data.get("code", ""),
        )
        return Response(TokenSerializer({"token": key}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            return Response(
                {"detail": _("Send the token to sign out as “Authorization: Token <token>”.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.api_token_revoke(
            actor=request.user, token=request.auth, request=request, reason=services.SIGNED_OUT
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The signed-in person's API tokens, without their secrets."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        tokens = selectors.api_tokens_of(user=request.user)
        return Response(ApiTokenSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetailView(APIView):
    """DELETE: revoke one of my tokens (the one sent with the request: sign out)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        token = get_object_or_404(selectors.api_tokens_of(user=request.user), pk=pk)
        services.api_token_revoke(actor=request.user, token=token, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
