from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consult.models import Consultation, DocumentVersion, Round, Section


class RoundSerializer(serializers.ModelSerializer):
    is_open = serializers.SerializerMethodField(help_text=_("Whether comments are accepted now."))
    document_version = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text=_("Number of the draft under review.")
    )

    class Meta:
        model = Round
        fields = [
            "number",
            "kind",
            "title",
            "opens_at",
            "closes_at",
            "is_open",
            "document_version",
            "background",
            "short_window_reason",
        ]
        extra_kwargs = {
            "background": {"help_text": _("Background paper (Markdown).")},
            "short_window_reason": {
                "help_text": _(
                    "Why the round is open for less than the site's minimum window "
                    "(empty when it is not)."
                )
            },
        }

    def get_is_open(self, round_: Round) -> bool:
        return round_.is_open(self.context.get("now") or timezone.now())


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentVersion
        fields = ["number", "changelog", "published_at"]


class ConsultationSerializer(serializers.ModelSerializer):
    """A consultation as listed; expects ``round_list`` prefetched by the selector."""

    rounds = RoundSerializer(source="round_list", many=True, read_only=True)
    is_open = serializers.SerializerMethodField(
        help_text=_("Whether a round of the consultation is open now.")
    )

    class Meta:
        model = Consultation
        fields = [
            "slug",
            "title",
            "summary",
            "language",
            "status",
            "published_at",
            "is_open",
            "rounds",
        ]

    def get_is_open(self, consultation: Consultation) -> bool:
        now = self.context.get("now") or timezone.now()
        return any(r.is_open(now) for r in consultation.round_list)


class ConsultationDetailSerializer(ConsultationSerializer):
    current_version = serializers.SerializerMethodField(
        help_text=_("The draft readers see now (null before the first draft is published).")
    )

    class Meta(ConsultationSerializer.Meta):
        fields = [
            *ConsultationSerializer.Meta.fields,
            "goals",
            "ground_rules",
            "code_of_conduct",
            "decision_process",
            "current_version",
        ]

    @extend_schema_field(VersionSerializer(allow_null=True))
    def get_current_version(self, consultation: Consultation) -> dict | None:
        version = self.context.get("current_version")
        return VersionSerializer(version).data if version else None


class SectionSerializer(serializers.ModelSerializer):
    comment_count = serializers.IntegerField(
        read_only=True, help_text=_("Public comments on this section.")
    )

    class Meta:
        model = Section
        fields = ["key", "ordinal", "heading", "body", "body_html", "comment_count"]
