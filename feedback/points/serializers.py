from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from feedback.models import Status


class PointSerializer(serializers.Serializer):
    """One point of a comment with its current published decision (none while awaiting)."""

    receipt = serializers.CharField(help_text=_("The point's sub-receipt, <receipt>-<n>."))
    number = serializers.IntegerField()
    source = serializers.CharField(help_text=_("body, or attachment (the attached paper's text)."))
    start = serializers.IntegerField(help_text=_("Offset of the passage in its source text."))
    end = serializers.IntegerField()
    quote = serializers.SerializerMethodField(
        help_text=_("The passage as written; null to anyone who cannot read the comment's text.")
    )
    status = serializers.ChoiceField(
        source="decision_status", choices=Status.choices, allow_null=True
    )
    rationale = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="decision_published_at", allow_null=True)

    def get_quote(self, point) -> str | None:
        return point.quote if self.context["can_read"] else None

    def get_rationale(self, point) -> str | None:
        return point.decision_rationale if self.context["can_read"] else None


class PassageSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=0)


class PointSplitSerializer(serializers.Serializer):
    """Either ``passages`` (offsets into the source text) or ``paragraphs`` (0-based)."""

    passages = PassageSerializer(many=True, required=False)
    paragraphs = serializers.ListField(child=serializers.IntegerField(min_value=0), required=False)
    breaks = serializers.ListField(child=serializers.IntegerField(min_value=0), required=False)
    attachment = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Split this attached file's text instead.")
    )

    def validate(self, attrs):
        if not attrs.get("passages") and not attrs.get("paragraphs"):
            raise serializers.ValidationError(
                {"passages": _("Give passages (start, end) or paragraphs to split.")}
            )
        return attrs
