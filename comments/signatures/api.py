"""Co-signatures over the API: ``/api/v1/comments/<receipt>/signatures/``.

POST without a body co-signs as the caller (201; again 200 with the same count);
POST ``{"name", "email"[, "group"]}`` by the organisation's verified staff adds
an unconfirmed signatory and mails the confirmation (201, with ``pending``);
DELETE withdraws the caller's co-signature; GET gives the counts.  Each is one
call into ``comments.signatures.services``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from comments.access import comment_or_404
from comments.models import Comment, Signature
from comments.signatures import selectors, services
from plenary import bodies, ratelimit


class SignatoryCreateSerializer(serializers.Serializer):
    """Empty to co-sign oneself; ``name`` and ``email`` to add a signatory (staff of the
    organisation the submission was made on behalf of)."""

    name = serializers.CharField(
        required=False, allow_blank=True, max_length=services.NAME_MAX_CHARS
    )
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text=_("The signatory's address: they confirm by mail before they count."),
    )
    group = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Id of a stakeholder group (optional).")
    )


class GroupCountSerializer(serializers.Serializer):
    group = serializers.CharField()
    signatures = serializers.IntegerField()


class SignaturesSerializer(serializers.Serializer):
    signatures = serializers.IntegerField(help_text=_("Confirmed co-signatories (they count)."))
    by_group = GroupCountSerializer(
        many=True, help_text=_("Confirmed co-signatories per stakeholder group, where known.")
    )
    signed = serializers.BooleanField(help_text=_("Whether the caller co-signs it."))
    pending = serializers.IntegerField(
        required=False, help_text=_("Signatories yet to confirm (organisation staff only).")
    )


def _answer(comment: Comment, user, *, code: int, pending: bool = False) -> Response:
    count = selectors.signature_counts(comments=[comment.pk]).get(comment.pk)
    data = {
        "signatures": count.total if count else 0,
        "by_group": [
            {"group": name, "signatures": n} for name, n in (count.by_group if count else [])
        ],
        "signed": selectors.has_signed(user=user, comment=comment),
    }
    if pending:
        data["pending"] = selectors.pending_count(comment=comment)
    return Response(data, status=code)


class CommentSignaturesView(generics.GenericAPIView):
    """A submission's co-signatures: count (GET), co-sign or add a signatory (POST),
    withdraw one's co-signature (DELETE)."""

    # No files: JSON or a plain form.  A multipart body is refused (415) in ``post``:
    # a broken one would otherwise read as an empty form, which means "co-sign".
    parser_classes = [bodies.JSONParser, bodies.FormParser]

    serializer_class = SignaturesSerializer
    queryset = Signature.objects.none()
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list = []
    rate_limited = ("POST",)  # signatories added by an organisation (plenary.api documents 429)

    def get(self, request: Request, receipt: str) -> Response:
        return _answer(comment_or_404(receipt, request.user), request.user, code=200)

    @extend_schema(
        request=SignatoryCreateSerializer,
        responses={200: SignaturesSerializer, 201: SignaturesSerializer},
    )
    def post(self, request: Request, receipt: str) -> Response:
        if request.content_type.startswith("multipart/"):
            raise exceptions.UnsupportedMediaType(request.content_type)
        comment = comment_or_404(receipt, request.user)
        data = SignatoryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if fields.get("name") or fields.get("email"):
            services.signature_collect(
                actor=request.user,
                comment=comment,
                name=fields.get("name", ""),
                email=fields.get("email", ""),
                group_id=fields.get("group"),
                rate_key=ratelimit.rate_key(request),
            )
            return _answer(comment, request.user, code=status.HTTP_201_CREATED, pending=True)
        _signature, created = services.signature_sign(actor=request.user, comment=comment)
        return _answer(comment, request.user, code=201 if created else 200)

    @extend_schema(request=None, responses={200: SignaturesSerializer})
    def delete(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        services.signature_withdraw(actor=request.user, comment=comment)
        return _answer(comment, request.user, code=200)
