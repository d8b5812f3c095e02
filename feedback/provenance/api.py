"""The suspicious-activity view over the API: bursts with their members (the
consultation's secretariat and analysts only, as the page)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import generics, permissions, serializers

from consult.access import consultation_or_404
from feedback.permissions import require_can_view_provenance
from feedback.provenance import selectors

# Members listed per burst (the page shows fewer); ``members_total`` says how many there are.
MEMBERS_LISTED = 1000


class BurstMemberSerializer(serializers.Serializer):
    receipt = serializers.CharField()
    submitted_at = serializers.DateTimeField(source="at")
    cluster = serializers.IntegerField(
        allow_null=True, help_text=_("Id of the campaign cluster the submission is in, if any.")
    )


class BurstSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["network", "accounts"],
        help_text=_(
            "network: many submissions from one network within the window; accounts: "
            "submissions from several accounts created within minutes of each other."
        ),
    )
    size = serializers.IntegerField(help_text=_("Number of submissions in the burst."))
    accounts = serializers.IntegerField(help_text=_("Distinct accounts among them."))
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    network = serializers.CharField(
        allow_null=True, help_text=_("The start of the network's keyed hash (network bursts).")
    )
    clustered = serializers.IntegerField(help_text=_("Members in a campaign cluster."))
    members_total = serializers.IntegerField(source="size")
    members = BurstMemberSerializer(many=True)


class ActivityView(generics.ListAPIView):
    """Bursts of submissions, largest first.  Nothing is hidden or changed: a person decides."""

    serializer_class = BurstSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    forbidden_reads = ("GET",)  # plenary.api.AutoSchema documents the 403

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return []
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=self.request.user)
        require_can_view_provenance(self.request.user, consultation)
        return [
            {**selectors.burst_label(burst), "members": burst.members[:MEMBERS_LISTED]}
            for burst in selectors.bursts_of(consultation=consultation)
        ]
