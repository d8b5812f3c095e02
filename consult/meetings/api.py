"""GET /api/v1/consultations/<slug>/meetings/: the consultation's meetings (public)."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from consult.access import consultation_or_404
from consult.meetings import selectors as meetings
from consult.models import Meeting


class MeetingSerializer(serializers.ModelSerializer):
    groups = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text=_("Stakeholder groups targeted.")
    )
    url = serializers.SerializerMethodField(help_text=_("The meeting's page."))
    ics = serializers.SerializerMethodField(help_text=_("The meeting as an iCalendar file."))
    summary_html = serializers.SerializerMethodField(
        help_text=_("The published summary (sanitised HTML), null until published.")
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "timezone",
            "place",
            "link",
            "language",
            "groups",
            "description",
            "summary_html",
            "summary_published_at",
            "url",
            "ics",
        ]

    def _path(self, name: str, meeting: Meeting) -> str:
        return settings.SITE_URL + reverse(name, args=[self.context["slug"], meeting.pk])

    @extend_schema_field(serializers.URLField())
    def get_url(self, meeting: Meeting) -> str:
        return self._path("meeting", meeting)

    @extend_schema_field(serializers.URLField())
    def get_ics(self, meeting: Meeting) -> str:
        return self._path("meeting_ics", meeting)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary_html(self, meeting: Meeting) -> str | None:
        return meeting.summary_html if meeting.summary_published_at else None


class MeetingListView(generics.ListAPIView):
    """Meetings of a consultation in date order (times in UTC; ``timezone`` is where it is held)."""

    serializer_class = MeetingSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Meeting.objects.none()
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=self.request.user)
        return meetings.meetings_of(consultation=consultation)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "slug": self.kwargs.get("slug", "")}
