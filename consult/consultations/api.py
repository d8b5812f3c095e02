"""Read-only API for consultations and their drafts.  Thin: selectors in, serializers out."""

from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from comments.threads import selectors as comment_selectors
from consult.access import consultation_or_404
from consult.consultations import selectors
from consult.consultations.serializers import (
    ConsultationDetailSerializer,
    ConsultationSerializer,
    SectionSerializer,
)
from consult.models import Consultation, Section


class ConsultationListView(generics.ListAPIView):
    """Published consultations, those with an open round first."""

    serializer_class = ConsultationSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.consultation_list_public()


class ConsultationDetailView(generics.GenericAPIView):
    """A consultation with its rounds and the number of the current draft."""

    serializer_class = ConsultationDetailSerializer
    queryset = Consultation.objects.none()
    lookup_field = "slug"
    filter_backends: list = []

    def get(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        version = selectors.version_current(consultation=consultation)
        serializer = self.get_serializer(
            consultation, context={"request": request, "current_version": version}
        )
        return Response(serializer.data)


class SectionListView(generics.ListAPIView):
    """Sections of the current draft, each with its stable ``key`` and public comment count."""

    serializer_class = SectionSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Section.objects.none()
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=self.request.user)
        version = selectors.version_current(consultation=consultation)
        if version is None:
            return Section.objects.none()
        return comment_selectors.sections_with_comment_counts(version=version)
