"""GET /api/v1/consultations/<slug>/versions/ and .../versions/<old>/diff/<new>/ (read-only);
DELETE .../versions/<number>/ (an unpublished version, by the secretariat).

Published versions for everyone; the consultation's team also sees unpublished
ones (as on the pages: consult/versions/views.py).
"""

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import permissions
from consult.access import consultation_or_404
from consult.models import DocumentVersion
from consult.versions import selectors as version_selectors
from consult.versions import services as version_services
from consult.versions.diff import version_diff
from feedback.trace import selectors as trace


class VersionListSerializer(serializers.ModelSerializer):
    section_count = serializers.IntegerField(read_only=True)
    downloads = serializers.SerializerMethodField(
        help_text=_("The version as PDF, DOCX and ODT, generated from the same sections.")
    )

    class Meta:
        model = DocumentVersion
        fields = [
            "number",
            "published_at",
            "changelog",
            "source_format",
            "section_count",
            "downloads",
        ]

    @extend_schema_field(
        serializers.DictField(child=serializers.URLField(), help_text="pdf, docx, odt")
    )
    def get_downloads(self, version: DocumentVersion) -> dict[str, str]:
        slug = self.context["slug"]
        return {
            fmt: settings.SITE_URL + reverse("version_download", args=[slug, version.number, fmt])
            for fmt in ("pdf", "docx", "odt")
        }


class VersionListView(generics.ListAPIView):
    """The draft's versions, oldest first, with their download links."""

    serializer_class = VersionListSerializer
    pagination_class = None
    filter_backends: list = []

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


class VersionDetailView(APIView):
    """DELETE: delete an unpublished version (secretariat; 400 naming ``version`` when it
    is published, not the newest, or named by a round or comments)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, slug: str, number: int) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        version = (
            version_selectors.versions_for_viewer(
                consultation=consultation,
                is_staff=permissions.is_staff_of(request.user, consultation),
            )
            .filter(number=number)
            .first()
        )
        if version is None:
            raise Http404(_("No such version of this draft."))
        version_services.version_delete(actor=request.user, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ChangeSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("Unchanged text, or the text removed."))
    added = serializers.CharField(
        allow_null=True, help_text=_("The text put in its place; null for unchanged text.")
    )
    because = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "Receipts of the inputs that caused this change: the amendments composed into it "
            "and the comments whose decision names this section; empty when none is known "
            "(and for unchanged text)."
        ),
    )


class SectionTextSerializer(serializers.Serializer):
    ordinal = serializers.IntegerField()
    heading = serializers.CharField()
    body = serializers.CharField()


class SectionDiffSerializer(serializers.Serializer):
    key = serializers.CharField()
    status = serializers.ChoiceField(choices=["changed", "unchanged", "added", "removed"])
    old = SectionTextSerializer(allow_null=True)
    new = SectionTextSerializer(allow_null=True)
    changes = ChangeSerializer(many=True)
    html = serializers.CharField(
        help_text=_(
            "The section rendered from its Markdown (sanitised HTML), with removed words in "
            "<del> and added words in <ins>."
        )
    )


class VersionDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    sections = SectionDiffSerializer(many=True)


class VersionDiffView(generics.GenericAPIView):
    """Section by section, word-level changes from version ``old`` to version ``new``."""

    serializer_class = VersionDiffSerializer
    queryset = DocumentVersion.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses=VersionDiffSerializer)
    def get(self, request: Request, slug: str, old: int, new: int) -> Response:
        consultation = consultation_or_404(slug=slug, user=request.user)
        is_staff = permissions.is_staff_of(request.user, consultation)
        versions = {}
        for number in (old, new):
            version = version_selectors.version_for_viewer(
                consultation=consultation, number=number, is_staff=is_staff
            )
            if version is None:
                raise Http404(_("No version %(n)d of this draft.") % {"n": number})
            versions[number] = version
        rows = version_diff(old=versions[old], new=versions[new])
        because = trace.diff_because(
            rows=rows, new=versions[new], viewer=request.user, is_staff=is_staff
        )
        data = {
            "old": old,
            "new": new,
            "sections": [
                {
                    "key": row.key,
                    "status": row.status,
                    "old": row.old,
                    "new": row.new,
                    "changes": [
                        {"text": text, "added": added, "because": receipts}
                        for (text, added), receipts in zip(
                            row.changes, because[row.key], strict=True
                        )
                    ],
                    "html": row.html,
                }
                for row in rows
            ],
        }
        return Response(self.get_serializer(data).data)
