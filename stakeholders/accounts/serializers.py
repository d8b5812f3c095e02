from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from stakeholders.models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        trim_whitespace=False, style={"input_type": "password"}, write_only=True
    )
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_(
            "Required when the account has two-factor authentication: the code from "
            "the authenticator app, or one of the recovery codes (each works once)."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_(
            "Send it as the header “Authorization: Token <token>”. Shown once; it "
            "expires after a period without use."
        )
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never its secret."""

    current = serializers.SerializerMethodField(
        help_text=_("The token this request was sent with.")
    )

    class Meta:
        model = ApiToken
        fields = ["id", "created", "last_used_at", "expiry", "client", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == token.pk
