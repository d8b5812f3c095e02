"""GET|POST /api/v1/consultations/<slug>/versions/: the draft's versions, and composing
the next one from the adopted amendments (issue 24).

GET lists the versions as before (published ones; the team also sees unpublished
ones).  POST ``{"compose": true}`` (the secretariat; 403 otherwise) composes the next
version (``feedback.compose.services.version_compose``): 201 with its ``number``,
``published`` (false), ``applied`` receipts, ``conflicts`` per section and ``skipped``
amendments on older versions; 400 naming ``compose`` when there is nothing to apply
or a later version is not yet published.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from consult import permissions
from consult.access import consultation_or_404
from consult.models import DocumentVersion
from consult.versions import selectors as version_selectors
from consult.versions.serializers import VersionListSerializer
from feedback.compose import services
from feedback.compose.serializers import ComposeRequestSerializer, CompositionSerializer


class VersionListView(generics.ListCreateAPIView):
    """The draft's versions, oldest first, with their download links; POST
    ``{"compose": true}`` composes the next version from the adopted amendments."""

    serializer_class = VersionListSerializer
    pagination_class = None
    filter_backends: list = []

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return DocumentVersion.objects.none()
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=self.request.user)
        return version_selectors.versions_for_viewer(
            consultation=consultation,
            is_staff=permissions.is_staff_of(self.request.user, consultation),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "slug": self.kwargs.get("slug", "")}

    @extend_schema(request=ComposeRequestSerializer, responses={201: CompositionSerializer})
    def post(self, request: Request, slug: str) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        permissions.require_can_run(request.user, consultation)
        data = ComposeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        composition = services.version_compose(
            actor=request.user,
            consultation=consultation,
            changelog=data.validated_data["changelog"],
        )
        return Response(CompositionSerializer(composition).data, status=status.HTTP_201_CREATED)
