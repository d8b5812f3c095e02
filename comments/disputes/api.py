"""Disputed authorship over the API: ``POST /api/v1/comments/<receipt>/disputes/``.

One call into ``feedback.disputes.services.dispute_report``; refusals come back
as 400/403/404/429 JSON through ``plenary.api.exception_handler``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from comments.access import comment_or_404
from comments.disputes import services as comment_disputes
from comments.models import Dispute
from feedback.disputes import services as disputes
from plenary import ratelimit


class DisputeCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=comment_disputes.REASON_MAX_CHARS,
        help_text=_("Why the submission was not made by the person or organisation it names."),
    )


class DisputeSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Dispute.Status.choices, read_only=True)

    class Meta:
        model = Dispute
        fields = ["id", "status"]


class CommentDisputesView(generics.GenericAPIView):
    """Report that a submission was made in your name or your organisation's.

    ``status``: ``confirmed`` when you are the named author or verified staff of the
    organisation it was sent on behalf of; otherwise ``awaiting_confirmation`` (the
    named person is asked by mail).  The secretariat later makes it ``upheld`` or
    ``rejected``."""

    serializer_class = DisputeSerializer
    queryset = Dispute.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    @extend_schema(request=DisputeCreateSerializer, responses={201: DisputeSerializer})
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = DisputeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = disputes.dispute_report(
            actor=request.user,
            comment=comment,
            reason=data.validated_data["reason"],
            rate_key=ratelimit.rate_key(request),
        )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)
