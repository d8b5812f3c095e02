from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class PolicySerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=_("signatures, copies, generated, disputes or redaction (ACUS 2021-1 items).")
    )
    heading = serializers.CharField()
    text = serializers.CharField(help_text=_("The consultation's written policy."))
    is_default = serializers.BooleanField(
        help_text=_("True when the secretariat wrote none: the platform's default text.")
    )


class StatementSerializer(serializers.Serializer):
    """The statement's figures (counts over every top-level submission received,
    private ones included, as numbers only) and the written policies."""

    submissions = serializers.IntegerField(help_text=_("Top-level submissions received."))
    distinct_texts = serializers.IntegerField(
        help_text=_("Distinct texts among them (case and outer whitespace folded).")
    )
    clusters = serializers.IntegerField(help_text=_("Campaign clusters."))
    campaign_copies = serializers.IntegerField(
        help_text=_("Submissions in campaign clusters, the representatives left out.")
    )
    co_signatories = serializers.IntegerField(
        help_text=_("Confirmed, not withdrawn co-signatures.")
    )
    disputed = serializers.IntegerField(help_text=_("Submissions whose authorship is disputed."))
    confirmed_disputed = serializers.IntegerField(
        help_text=_("Disputed submissions confirmed by the named person, or upheld.")
    )
    hidden = serializers.IntegerField(help_text=_("Hidden by a moderator."))
    entered_by_staff = serializers.IntegerField(
        help_text=_("Received by email, letter or in meetings and entered by the secretariat.")
    )
    received_through_api = serializers.IntegerField()
    private = serializers.IntegerField(help_text=_("Not published, at the author's request."))
    anonymous = serializers.IntegerField(help_text=_("Published without the author's name."))
    redacted = serializers.IntegerField(help_text=_("With a passage redacted by the secretariat."))
    policies = PolicySerializer(many=True)
