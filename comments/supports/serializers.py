from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from comments.models import Comment
from comments.supports.selectors import status_choices


class SupportInputSerializer(serializers.Serializer):
    """Input for a support: nothing but, once per consultation, the code of conduct."""

    accept_code_of_conduct = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "true to accept the consultation's code of conduct with this support. Needed "
            "once per consultation, as for a first comment, when the consultation has one; "
            "otherwise the answer is 400 naming this field."
        ),
    )


class SupportSerializer(serializers.Serializer):
    supports = serializers.IntegerField(help_text=_("How many people support the change now."))
    supported = serializers.BooleanField(help_text=_("Whether you support it now."))


class AmendmentQuerySerializer(serializers.Serializer):
    """The amendments list's filters (``?section=&status=``)."""

    section = serializers.CharField(
        required=False, max_length=64, help_text=_("Only changes to the section with this key.")
    )
    status = serializers.ChoiceField(
        choices=status_choices(),
        required=False,
        help_text=_(
            "Only changes with this current published decision, or awaiting (none published yet)."
        ),
    )


class AmendmentListItemSerializer(serializers.ModelSerializer):
    """A proposed change as anyone who may read it sees it (the list shows no other).

    Expects ``amendments_for_viewer``'s annotations.  The reason for the change is the
    comment's text: ``GET /api/v1/comments/<receipt>/`` gives it.
    """

    url = serializers.SerializerMethodField(help_text=_("The comment's public status page."))
    section = serializers.CharField(source="section.key", help_text=_("The section's key."))
    quote = serializers.CharField(source="amendment.quote", help_text=_("The passage as quoted."))
    replacement = serializers.CharField(
        source="amendment.replacement", help_text=_("The wording proposed instead (may be empty).")
    )
    start = serializers.IntegerField(source="amendment.start")
    end = serializers.IntegerField(source="amendment.end")
    supports = serializers.IntegerField(help_text=_("How many people support the change."))
    supported = serializers.BooleanField(help_text=_("Whether you support it."))
    status = serializers.CharField(
        source="disposition_status",
        allow_null=True,
        help_text=_("The current published decision; null while awaiting one."),
    )

    class Meta:
        model = Comment
        fields = [
            "receipt",
            "url",
            "section",
            "quote",
            "replacement",
            "start",
            "end",
            "supports",
            "supported",
            "status",
            "created_at",
            "withdrawn_at",
        ]

    def get_url(self, comment: Comment) -> str:
        return settings.SITE_URL + reverse("receipt", args=[comment.receipt])
