"""Themes over the API: the consultation's team reads them with their counts."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from consult.access import consultation_or_404
from feedback.models import Status, Theme
from feedback.permissions import require_can_view_themes
from feedback.themes import selectors

AWAITING = "awaiting"


class StatusCountsSerializer(serializers.Serializer):
    """Tagged comments per current status; ``awaiting`` = no published decision yet."""

    awaiting = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        for value in Status.values:
            fields[value] = serializers.IntegerField()
        return fields


class ThemeCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    comment_count = serializers.IntegerField(
        help_text=_("Comments tagged with the theme (private, hidden and withdrawn included).")
    )
    public_count = serializers.IntegerField(
        help_text=_("Tagged comments anyone may read: public, visible, not withdrawn.")
    )
    status_counts = serializers.SerializerMethodField()

    @extend_schema_field(StatusCountsSerializer)
    def get_status_counts(self, theme) -> dict[str, int]:
        counts = self.context["status_counts"].get(theme.pk, {})
        return {value: counts.get(value, 0) for value in (AWAITING, *Status.values)}


class ThemeListView(generics.ListAPIView):
    """The consultation's themes by name, with comment counts overall, public and per
    current status.  Its team only (secretariat, analysts, moderators)."""

    serializer_class = ThemeCountSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends: list = []
    queryset = Theme.objects.none()  # for the schema; the list is per request
    forbidden_reads = ("GET",)  # plenary.api.AutoSchema documents the 403

    def list(self, request: Request, *args, **kwargs) -> Response:
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=request.user)
        require_can_view_themes(request.user, consultation)
        serializer = self.get_serializer(
            selectors.themes_with_counts(consultation=consultation),
            many=True,
            context={
                "request": request,
                "status_counts": selectors.theme_status_counts(consultation=consultation),
            },
        )
        return Response(serializer.data)
