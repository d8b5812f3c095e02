"""Campaign clusters over the API (the consultation's secretariat and analysts only)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import generics, permissions, serializers

from consult.access import consultation_or_404
from feedback.clusters import selectors as cluster_selectors
from feedback.models import CampaignCluster
from feedback.permissions import require_can_view_clusters


class ClusterSerializer(serializers.Serializer):
    """A campaign cluster: near-identical comments, with the representative's text."""

    id = serializers.IntegerField()
    size = serializers.IntegerField(help_text=_("Number of member comments."))
    locked = serializers.BooleanField(
        help_text=_("Split or answered by a person: reclustering leaves its membership alone.")
    )
    answered = serializers.BooleanField(help_text=_("The cluster was answered once."))
    representative = serializers.CharField(
        source="representative.receipt", help_text=_("Receipt of the representative comment.")
    )
    representative_text = serializers.CharField(source="representative.body")
    split_from = serializers.IntegerField(
        source="split_from_id", allow_null=True, help_text=_("Id of the cluster it was split from.")
    )
    created_at = serializers.DateTimeField()


class ClusterListView(generics.ListAPIView):
    """The consultation's campaign clusters of two comments or more, largest first."""

    serializer_class = ClusterSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    queryset = CampaignCluster.objects.none()  # for the schema; get_queryset is per request
    forbidden_reads = ("GET",)  # plenary.api.AutoSchema documents the 403

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CampaignCluster.objects.none()
        consultation = consultation_or_404(slug=self.kwargs["slug"], user=self.request.user)
        require_can_view_clusters(self.request.user, consultation)
        return cluster_selectors.clusters_of(consultation=consultation)
