"""Campaign clusters: the reads the cluster pages, the API and the public counts need
(written by ``feedback.clusters.services``)."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from comments import permissions as comment_permissions
from comments.models import Comment
from consult.models import Consultation
from feedback.models import CampaignCluster, CampaignMember, ClusterAnswer, DispositionEntry


def clusters_of(*, consultation: Consultation) -> QuerySet[CampaignCluster]:
    """The consultation's clusters of two or more, largest first, with the representative
    and whether the cluster was answered: one query per page."""
    return (
        CampaignCluster.objects.filter(consultation=consultation, size__gte=2)
        .select_related("representative")
        .annotate(answered=Exists(ClusterAnswer.objects.filter(cluster=OuterRef("pk"))))
        .order_by("-size", "pk")
    )


def cluster_members(*, cluster: CampaignCluster) -> QuerySet[CampaignMember]:
    """A cluster's members with their comment, author and current decision: one query."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("comment")).order_by("-sequence")
    return (
        CampaignMember.objects.filter(cluster=cluster)
        .select_related("comment__author__participant")
        .annotate(
            current_status=Subquery(latest.values("status")[:1]),
            current_answer=Subquery(latest.values("cluster_answer")[:1]),
        )
        .order_by("comment__created_at", "comment_id")
    )


def cluster_answers(*, cluster: CampaignCluster) -> QuerySet[ClusterAnswer]:
    return (
        ClusterAnswer.objects.filter(cluster=cluster)
        .select_related("decided_by")
        .annotate(entry_count=Count("entries"), draft_count=Count("drafts", distinct=True))
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class SubmissionCounts:
    submissions: int
    distinct: int
    public: bool = True  # public comments only (the public pages), or every comment (staff)

    @property
    def copies(self) -> int:
        """Comments that repeat a campaign's text (each campaign counts once as distinct)."""
        return self.submissions - self.distinct


def submission_counts(*, consultation: Consultation, public: bool = True) -> SubmissionCounts:
    """How many comments, and how many different ones: that number less the extra
    copies in campaign clusters (M = N - sum(size - 1)).  One query.

    ``public``: only the comments anyone may read (``comments.permissions.public_q``),
    the figure public pages give, so that it agrees with their "N public comments";
    otherwise (the secretariat's cluster page) every comment not withdrawn.
    Counted from the members themselves (not ``CampaignCluster.size``), so a
    member withdrawn after the job ran no longer counts.
    """
    counted = Comment.objects.filter(consultation=consultation, withdrawn_at__isnull=True)
    if public:
        counted = counted.filter(comment_permissions.public_q())
    row = counted.aggregate(
        submissions=Count("pk"),
        clustered=Count("campaign"),
        clusters=Count("campaign__cluster", distinct=True),
    )
    submissions = row["submissions"]
    return SubmissionCounts(
        submissions=submissions,
        distinct=submissions - (row["clustered"] - row["clusters"]),
        public=public,
    )
