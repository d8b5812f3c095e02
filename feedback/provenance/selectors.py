"""Reads for the secretariat's provenance panel and the suspicious-activity view.

``submissions_of`` reads a consultation's comments once (one query, a values list
joined to the author's account, the network hash and the campaign cluster);
``feedback.provenance.bursts`` finds the bursts in memory.  Nothing is hidden or
changed here: a person looks and decides through moderation and decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count

from comments import permissions as comment_permissions
from comments.models import Comment, SubmissionNetwork
from consult.models import Consultation
from feedback.models import CampaignMember
from feedback.provenance.bursts import Burst, Submission, Thresholds, find_bursts
from stakeholders.registry.selectors import organisations_for_behalf


@dataclass(frozen=True)
class Row(Submission):
    """A submission with what the pages show beside it."""

    receipt: str = ""
    cluster: int | None = None


def submissions_of(*, consultation: Consultation) -> list[Row]:
    """Every comment of the consultation (withdrawn ones too: they were sent), oldest
    first, as burst rows: two queries (the comments, then their authors' sign-up times,
    read once per account rather than once per comment).  Input staff typed in has no
    account of its own."""
    comments = Comment.objects.filter(consultation=consultation)
    joined = dict(
        get_user_model()
        .objects.filter(pk__in=comments.values("author_id"))
        .values_list("pk", "date_joined")
    )
    rows = comments.order_by("created_at", "pk").values_list(
        "pk",
        "receipt",
        "created_at",
        "author_id",
        "entered_by_id",
        "network__network_hash",
        "campaign__cluster_id",
    )
    return [
        Row(
            key=pk,
            at=at,
            account=None if entered_by else author,
            account_created=None if entered_by else joined.get(author),
            network=network,
            receipt=receipt,
            cluster=cluster,
        )
        for pk, receipt, at, author, entered_by, network, cluster in rows.iterator(chunk_size=5000)
    ]


def bursts_of(*, consultation: Consultation, thresholds: Thresholds | None = None) -> list[Burst]:
    """The consultation's bursts, largest first: two queries (``submissions_of``)."""
    return find_bursts(
        submissions_of(consultation=consultation), thresholds or Thresholds.from_settings()
    )


def clustered_count(burst: Burst) -> int:
    """How many of the burst's members are in a campaign cluster."""
    return sum(1 for member in burst.members if getattr(member, "cluster", None) is not None)


@dataclass(frozen=True)
class Provenance:
    comment: Comment
    channel: str
    account_age: timedelta | None  # at submission; None for input typed in by staff
    confirmed_address: bool
    organisation_verified: bool | None  # None: not sent on behalf of an organisation
    network_recorded: bool
    network_submissions: int  # from the same network in this consultation (itself included)
    cluster: CampaignMember | None
    bursts: list[Burst]


def provenance_of(*, comment: Comment) -> Provenance:
    """What the secretariat needs to judge where ``comment`` came from.

    ``comment`` with ``author`` and ``on_behalf_of`` selected.  A fixed number of
    queries: the address, the affiliation, the network, the cluster, and the
    consultation's submissions once for its bursts.
    """
    author = comment.author
    typed_in = comment.entered_by_id is not None
    organisation_verified = None
    if comment.on_behalf_of_id is not None:
        organisation_verified = (
            organisations_for_behalf(user=author).filter(pk=comment.on_behalf_of_id).exists()
        )
    network = SubmissionNetwork.objects.filter(comment=comment).values_list(
        "network_hash", flat=True
    )
    network_hash = network.first()
    same_network = 0
    if network_hash is not None:
        same_network = (
            SubmissionNetwork.objects.filter(
                network_hash=network_hash, comment__consultation_id=comment.consultation_id
            )
            .aggregate(n=Count("pk"))
            .get("n")
            or 0
        )
    cluster = (
        CampaignMember.objects.filter(comment=comment)
        .select_related("cluster__representative")
        .first()
    )
    consultation = comment.consultation
    bursts = [
        burst
        for burst in bursts_of(consultation=consultation)
        if any(member.key == comment.pk for member in burst.members)
    ]
    return Provenance(
        comment=comment,
        channel=comment.get_channel_display(),
        account_age=None if typed_in else comment.created_at - author.date_joined,
        confirmed_address=comment_permissions.has_verified_email(author),
        organisation_verified=organisation_verified,
        network_recorded=network_hash is not None,
        network_submissions=same_network,
        cluster=cluster,
        bursts=bursts,
    )


def burst_label(burst: Burst) -> dict[str, object]:
    """A burst as the page and the API show it (members as receipts, in time order)."""
    return {
        "kind": burst.kind,
        "size": burst.size,
        "accounts": burst.accounts,
        "start": burst.start,
        "end": burst.end,
        "network": (burst.network or "")[:12] or None,
        "clustered": clustered_count(burst),
    }
