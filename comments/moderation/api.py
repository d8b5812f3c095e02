"""Moderation over the API: flag a comment, act on it, block its author.

Each view parses with a serializer and makes one call into
``comments.moderation.services``; refusals come back as 400/403 JSON through
``plenary.api.exception_handler``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from comments import permissions as comment_permissions
from comments.access import comment_or_404
from comments.models import ConsultationBlock, Flag, ModerationAction
from comments.moderation import services as moderation
from comments.moderation.selectors import blocks_active
from comments.threads.fields import ReceiptField
from consult.access import consultation_or_404


class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=moderation.NOTE_MAX_CHARS,
        help_text=_("Details for the moderators (optional)."),
    )


class FlagSerializer(serializers.ModelSerializer):
    comment = serializers.SlugRelatedField(slug_field="receipt", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "comment", "reason", "note", "created_at"]


class ModerationCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(a, ModerationAction.Action(a).label) for a in moderation.COMMENT_ACTIONS]
    )
    reason = serializers.CharField(
        allow_blank=True,
        max_length=moderation.REASON_MAX_CHARS,
        help_text=_("Required. Told to the author; shown in place of the text when hiding."),
    )


class ModerationActionSerializer(serializers.ModelSerializer):
    comment = serializers.SlugRelatedField(slug_field="receipt", read_only=True)
    consultation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    moderation = serializers.SerializerMethodField(
        help_text=_("The comment's moderation state after the action (null for a block).")
    )

    class Meta:
        model = ModerationAction
        fields = ["id", "consultation", "action", "comment", "reason", "created_at", "moderation"]

    def get_moderation(self, action: ModerationAction) -> str | None:
        if action.comment_id is None or action.action in moderation.BLOCK_ACTIONS:
            return None
        return action.comment.moderation


class BlockCreateSerializer(serializers.Serializer):
    comment = ReceiptField(help_text=_("Receipt of a comment whose author is to be blocked."))
    reason = serializers.CharField(allow_blank=True, max_length=moderation.REASON_MAX_CHARS)


class BlockSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(
        source="user.participant.display_name", default=None, read_only=True
    )

    class Meta:
        model = ConsultationBlock
        fields = ["id", "participant", "reason", "created_at"]


class CommentFlagsView(generics.GenericAPIView):
    """Report a comment to the consultation's moderators (one open report per person)."""

    serializer_class = FlagSerializer
    queryset = Flag.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer})
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = FlagCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = moderation.flag_create(
            actor=request.user,
            comment=comment,
            reason=data.validated_data["reason"],
            note=data.validated_data.get("note", ""),
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


class CommentModerationView(generics.GenericAPIView):
    """A moderator hides, restores or approves a comment, or dismisses its reports."""

    serializer_class = ModerationActionSerializer
    queryset = ModerationAction.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    @extend_schema(request=ModerationCreateSerializer, responses={201: ModerationActionSerializer})
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = ModerationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = moderation.comment_moderate(
            actor=request.user, comment=comment, **data.validated_data
        )
        return Response(ModerationActionSerializer(record).data, status=status.HTTP_201_CREATED)


class ConsultationBlocksView(generics.ListAPIView):
    """Participants blocked from a consultation (GET), or block a comment's author (POST).

    Moderators and the secretariat of the consultation only.
    """

    serializer_class = BlockSerializer
    queryset = ConsultationBlock.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "swagger_fake_view", False):
            return
        self.consultation = consultation_or_404(slug=kwargs["slug"], user=request.user)
        if not comment_permissions.can_moderate(request.user, self.consultation):
            raise PermissionDenied(_("Only this consultation's moderators can do this."))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConsultationBlock.objects.none()
        return blocks_active(consultation=self.consultation)

    @extend_schema(request=BlockCreateSerializer, responses={201: ModerationActionSerializer})
    def post(self, request: Request, slug: str) -> Response:
        data = BlockCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = data.validated_data["comment"]
        record = moderation.participant_block(
            actor=request.user,
            consultation=self.consultation,
            user=comment.author,
            reason=data.validated_data["reason"],
            comment=comment,
        )
        return Response(ModerationActionSerializer(record).data, status=status.HTTP_201_CREATED)
