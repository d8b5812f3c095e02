"""Serializers of versioned drafts shared by the API views (consult.versions.api and
feedback.compose.api, which adds composing to the versions list)."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consult.models import DocumentVersion


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
