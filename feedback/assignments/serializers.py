from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from comments.threads.fields import ReceiptField
from feedback.models import Assignment, CampaignCluster, Theme


class AssignmentSerializer(serializers.ModelSerializer):
    receipt = serializers.CharField(source="comment.receipt")
    assignee = serializers.EmailField(source="assignee.email")
    assigned_by = serializers.EmailField(source="assigned_by.email")

    class Meta:
        model = Assignment
        fields = ["receipt", "assignee", "assigned_by", "assigned_at"]


class AssignRequestSerializer(serializers.Serializer):
    """Name the team member (``null`` to unassign) and exactly one scope."""

    assignee = serializers.SlugRelatedField(
        slug_field="email",
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        help_text=_("E-mail of a member of the consultation's team; null unassigns."),
    )
    comments = serializers.ListField(
        child=ReceiptField(), required=False, max_length=10_000, help_text=_("Receipts.")
    )
    section = serializers.CharField(
        required=False, max_length=120, help_text=_("Key of a section: everything in it.")
    )
    theme = serializers.PrimaryKeyRelatedField(
        queryset=Theme.objects.all(), required=False, help_text=_("Everything tagged with it.")
    )
    cluster = serializers.PrimaryKeyRelatedField(
        queryset=CampaignCluster.objects.all(),
        required=False,
        help_text=_("Everything in the campaign cluster."),
    )


class AssignResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text=_("Comments whose assignee changed."))
