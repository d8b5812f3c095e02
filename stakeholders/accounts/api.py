from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stakeholders.accounts.serializers import TokenRequestSerializer, TokenSerializer


class TokenView(APIView):
    """Exchange an email address and password for an API token."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        # As rest_framework.authtoken's own view does: one token per account, reused.
        token, _created = Token.objects.get_or_create(user=data.validated_data["user"])
        return Response(TokenSerializer(token).data)
