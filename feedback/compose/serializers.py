"""Input and output of composing the next version over the API (issue 24)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ComposeRequestSerializer(serializers.Serializer):
    compose = serializers.BooleanField(
        help_text=_("true: compose the next version from the adopted amendments.")
    )
    changelog = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    def validate_compose(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Send true to compose the next version (importing a draft is a page).")
            )
        return value


class ConflictSerializer(serializers.Serializer):
    section = serializers.CharField(help_text=_("The section's key."))
    receipts = serializers.ListField(child=serializers.CharField())
    # A CharField, not a ChoiceField: the schema has other enums called "reason".
    reason = serializers.CharField(
        help_text=_(
            "overlap: their adopted passages overlap; unmappable: the passage could not be "
            "written back into the Markdown. None of them was applied."
        ),
    )


class SkippedSerializer(serializers.Serializer):
    receipt = serializers.CharField()
    section = serializers.CharField()
    version = serializers.IntegerField(help_text=_("The older version the amendment was on."))


class CompositionSerializer(serializers.Serializer):
    number = serializers.IntegerField(source="version.number")
    published = serializers.SerializerMethodField()
    applied = serializers.ListField(
        child=serializers.CharField(), help_text=_("Receipts of the amendments applied.")
    )
    conflicts = ConflictSerializer(many=True)
    skipped = SkippedSerializer(many=True)

    def get_published(self, composition) -> bool:
        return composition.version.published_at is not None
