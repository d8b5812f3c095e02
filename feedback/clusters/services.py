"""Campaign clusters: the clustering job's writes, splits, answering a cluster once
(the reads the cluster pages, the API and the public counts need are
``feedback.clusters.selectors``).

The algorithm is ``feedback.clusters.clustering`` (pure, no database).  Writes here keep
the house order: permission check → validate → write → audit → enqueue.
Decisions are never written here: answering a cluster drafts through
``services.disposition_draft_bulk`` and publishes through
``services.disposition_publish_drafts``, the one place that builds
hash-chained ledger entries.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.models import Amendment, Comment
from comments.signatures import services as signature_services
from consult.models import Consultation
from feedback import permissions
from feedback.clusters import clustering
from feedback.ledger import selectors, services
from feedback.models import (
    CampaignCluster,
    CampaignMember,
    ClusterAnswer,
    DispositionDraft,
    DispositionEntry,
    LedgerEvent,
    PublicationBatch,
    RationaleSnippet,
    Status,
)
from plenary.outbox import services as outbox

CLUSTER_TASK = "feedback.tasks.cluster_comments"
# The comment fingerprint the last run of the job saw, per consultation (cache).
_FINGERPRINT_KEY = "clusters-fingerprint-{pk}"


# --- the job ---------------------------------------------------------------------


def _fingerprints(consultation_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Per consultation, what changes when its comments do: one aggregate query.

    Count of comments not withdrawn, and the latest ``updated_at`` (a new,
    edited, withdrawn or moderated comment moves one of them).
    """
    rows = Comment.objects.values("consultation").order_by()
    if consultation_ids is not None:
        rows = rows.filter(consultation__in=list(consultation_ids))
    rows = rows.annotate(n=Count("pk", filter=Q(withdrawn_at__isnull=True)), last=Max("updated_at"))
    return {
        row["consultation"]: f"{row['n']}:{row['last'].isoformat() if row['last'] else ''}"
        for row in rows
    }


def clusters_rebuild(*, consultation_id: int) -> int:
    """Recluster a consultation's comments; return the number of clusters written.

    Comments not withdrawn, top-level and replies alike, oldest first (so the
    oldest copy represents its cluster).  Members of a locked cluster (split
    or answered by a person) are left where they are and not clustered again.
    The similarity work runs outside any transaction; the writes replace the
    previous unlocked clusters in one transaction, in bulk, after re-reading
    the locks (a split made meanwhile wins over this run).
    """
    fingerprint = _fingerprints([consultation_id]).get(consultation_id, "0:")
    locked_members = CampaignMember.objects.filter(
        cluster__consultation_id=consultation_id, cluster__locked=True
    ).values("comment_id")
    texts = (
        Comment.objects.filter(consultation_id=consultation_id, withdrawn_at__isnull=True)
        .exclude(pk__in=locked_members)
        .order_by("created_at", "pk")
        # The body plus its attachments' text (Comment.search_text), so that the
        # same position paper sent by many is one cluster; the body when unset.
        .values_list(
            "pk", Coalesce(NullIf("search_text", Value("")), "body", output_field=TextField())
        )
    )
    found = clustering.cluster_texts(texts.iterator(chunk_size=2000))

    with transaction.atomic():
        # One writer per consultation at a time (splits and answers take the same lock).
        Consultation.objects.select_for_update().filter(pk=consultation_id).first()
        now_locked = set(
            CampaignMember.objects.filter(
                cluster__consultation_id=consultation_id, cluster__locked=True
            ).values_list("comment_id", flat=True)
        )
        CampaignCluster.objects.filter(consultation_id=consultation_id, locked=False).delete()
        kept = []
        for cluster in found:
            # The clustering is generic over Hashable keys; here they are comment ids.
            members = [
                (cast(int, key), score) for key, score in cluster.members if key not in now_locked
            ]
            if len(members) >= 2:
                kept.append(members)
        now = timezone.now()
        made = CampaignCluster.objects.bulk_create(
            CampaignCluster(
                consultation_id=consultation_id,
                representative_id=members[0][0],
                size=len(members),
                created_at=now,
            )
            for members in kept
        )
        CampaignMember.objects.bulk_create(
            (
                CampaignMember(cluster=cluster, comment_id=key, similarity=score)
                for cluster, members in zip(made, kept, strict=True)
                for key, score in members
            ),
            batch_size=2000,
        )
    cache.set(_FINGERPRINT_KEY.format(pk=consultation_id), fingerprint, timeout=None)
    return len(made)


def clusters_refresh_changed() -> int:
    """Enqueue the job for each consultation whose comments changed since its last run.

    Run by beat (``feedback.tasks.recluster_changed``).  The fingerprint is in
    the cache: a lost cache only costs a needless run.  Returns how many runs
    were enqueued.
    """
    changed = [
        pk
        for pk, fingerprint in _fingerprints().items()
        if cache.get(_FINGERPRINT_KEY.format(pk=pk)) != fingerprint
    ]
    with transaction.atomic():
        for pk in changed:
            outbox.enqueue(CLUSTER_TASK, consultation_id=pk)
    return len(changed)


@transaction.atomic
def clusters_recluster_request(*, actor, consultation: Consultation) -> None:
    """The secretariat's "Recluster now": the job runs in the background."""
    permissions.require_can_decide(actor, consultation)
    outbox.enqueue(CLUSTER_TASK, consultation_id=consultation.pk)


# --- split -----------------------------------------------------------------------


def _lock(cluster: CampaignCluster) -> None:
    """Serialise with the job and other writers; refuse a cluster the job replaced meanwhile."""
    Consultation.objects.select_for_update().filter(pk=cluster.consultation_id).first()
    current = CampaignCluster.objects.filter(pk=cluster.pk).values("locked").first()
    if current is None:
        raise ValidationError(
            _("The clustering job has just rebuilt the clusters: reload the list and try again.")
        )
    cluster.locked = current["locked"]


@transaction.atomic
def cluster_split(
    *, actor, cluster: CampaignCluster, comments: Iterable[Comment], singletons: bool = False
) -> list[CampaignCluster]:
    """Move the chosen members out of ``cluster``; return the clusters made.

    Into one new cluster (``singletons`` false), or each into a cluster of
    its own, which records that a person judged it not part of the campaign.
    The cluster and those made are locked, so the job leaves them alone.
    """
    permissions.require_can_decide(actor, cluster.consultation)
    _lock(cluster)
    chosen = {comment.pk for comment in comments}
    members = list(
        CampaignMember.objects.select_for_update()
        .filter(cluster=cluster)
        .select_related("comment")
        .order_by("comment__created_at", "comment_id")
    )
    moving = [member for member in members if member.comment_id in chosen]
    if not moving:
        raise ValidationError({"comments": _("Select at least one member to move out.")})
    if len(moving) != len(chosen):
        raise ValidationError({"comments": _("Only members of this cluster can be moved out.")})
    if len(moving) == len(members):
        raise ValidationError(
            {"comments": _("Leave at least one member in the cluster; move the others out.")}
        )
    groups = [[member] for member in moving] if singletons else [moving]
    now = timezone.now()
    made = CampaignCluster.objects.bulk_create(
        CampaignCluster(
            consultation_id=cluster.consultation_id,
            representative_id=group[0].comment_id,
            size=len(group),
            locked=True,
            split_from=cluster,
            created_at=now,
        )
        for group in groups
    )
    for new, group in zip(made, groups, strict=True):
        for member in group:
            member.cluster = new
    CampaignMember.objects.bulk_update(moving, ["cluster"])
    remaining = [member for member in members if member.comment_id not in chosen]
    cluster.size = len(remaining)
    cluster.locked = True
    if cluster.representative_id in chosen:
        cluster.representative_id = remaining[0].comment_id
    cluster.save(update_fields=["size", "locked", "representative"])
    return made


# --- answer once -----------------------------------------------------------------


@dataclass
class ClusterAnswerResult:
    """What answering a cluster did, and for which members it could not."""

    answer: ClusterAnswer
    drafts: list[DispositionDraft] = field(default_factory=list)
    batch: PublicationBatch | None = None
    # (receipt, reason) of each member the decision was not recorded for.
    refused: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def cluster_answer(
    *,
    actor,
    cluster: CampaignCluster,
    status: str,
    rationale: str = "",
    snippet: RationaleSnippet | None = None,
    publish: bool = False,
) -> ClusterAnswerResult:
    """Answer a cluster once: the same decision on every member, each its own entry.

    Every member whose current decision allows this one gets a draft (all
    linked to one ``ClusterAnswer``), published at once when ``publish``
    through the ordinary publication (one batch, hash-chained entries, one
    mail per commenter).  A member that cannot take it (the transition table
    forbids it, it is the same decision already published, it was withdrawn,
    or it is the representative of a "duplicate" answer) is reported in
    ``refused``, with the reason, and left as it was.  Refused for every
    member: nothing is written.  The cluster is locked.
    """
    consultation = cluster.consultation
    permissions.require_can_decide(actor, consultation)
    _lock(cluster)
    rationale = services.rationale_or_snippet(
        rationale=rationale, snippet=snippet, consultation=consultation
    )
    members = list(
        Comment.objects.filter(campaign__cluster=cluster)
        .select_related("consultation")
        .order_by("created_at", "pk")
    )
    duplicate_of = cluster.representative if status == Status.DUPLICATE else None
    # Status and rationale errors are the same for every member: they go beside their
    # fields, checked by the rule every decision meets (on a stand-in comment).
    services.disposition_validate(
        comment=Comment(consultation_id=consultation.pk),
        status=status,
        rationale=rationale,
        target_section=None,
        duplicate_of=duplicate_of,
    )
    current = {
        entry.comment_id: entry
        for entry in DispositionEntry.objects.filter(
            pk__in=selectors.latest_entry_ids(comment_ids=[member.pk for member in members])
        )
    }
    amendments = {
        amendment.comment_id: amendment
        for amendment in Amendment.objects.filter(comment__in=members)
    }
    eligible, refused = [], []
    for member in members:
        if member.withdrawn_at is not None:
            refused.append((member.receipt, _("Withdrawn by its author.")))
            continue
        # The publication rules themselves, on the draft this answer would make.
        candidate = DispositionDraft(
            comment=member,
            status=status,
            rationale=rationale.strip(),
            duplicate_of=duplicate_of,
        )
        try:
            # An amendment adopts its own wording, or cannot take "partly accepted" here.
            candidate.adopted_text = services.adopted_text_for(
                amendment=amendments.get(member.pk), status=status, adopted_text=""
            )
            services.draft_check_publishable(
                candidate, current.get(member.pk), amendments=amendments
            )
        except ValidationError as exc:
            refused.append((member.receipt, " ".join(exc.messages)))
            continue
        eligible.append(member)
    if not eligible:
        raise ValidationError(
            {
                "status": _("No member of this cluster can take this decision: %(why)s")
                % {"why": "; ".join(f"{receipt}: {why}" for receipt, why in refused)}
            }
        )

    answer = ClusterAnswer.objects.create(
        cluster=cluster, status=status, rationale=rationale.strip(), decided_by=actor
    )
    drafts = services.disposition_draft_bulk(
        actor=actor,
        consultation=consultation,
        comments=eligible,
        status=status,
        rationale=rationale,
        duplicate_of=duplicate_of,
    )
    DispositionDraft.objects.filter(pk__in=[draft.pk for draft in drafts]).update(
        cluster_answer=answer
    )
    if not cluster.locked:
        cluster.locked = True
        cluster.save(update_fields=["locked"])
    batch = None
    if publish:
        batch = services.disposition_publish_drafts(
            actor=actor, consultation=consultation, comments=eligible
        )
    return ClusterAnswerResult(answer=answer, drafts=drafts, batch=batch, refused=refused)


# --- campaign copies turned into co-signatures (issue 25, part 25a) -----------------


@dataclass
class SignatureConversion:
    """What :func:`cluster_to_signatures` did: the copies now co-signatures (receipts)
    and those left alone, with why."""

    converted: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def cluster_to_signatures(*, actor, cluster: CampaignCluster) -> SignatureConversion:
    """Turn a cluster's copies into co-signatures of its representative (ACUS 2021-1:
    one comment with many signatures rather than many copies).

    Each copy (every member but the representative) becomes a confirmed
    ``Signature(source=campaign, converted_from=copy)`` by its author, unless that
    author already co-signs it; the copy keeps its receipt, its text and its ledger
    entries (it is not withdrawn, and it is answered as before: the
    representative's answer covers it, and "answer this cluster once" still
    reaches it); its author is mailed.  One event on the consultation's event
    chain (``LedgerEvent.Kind.SIGNATURES``) names the copies.  The cluster is
    locked, so the job leaves it alone.  Refused (nothing written) when no copy
    can be turned.
    """
    consultation = cluster.consultation
    permissions.require_can_decide(actor, consultation)
    _lock(cluster)
    representative = Comment.objects.get(pk=cluster.representative_id)
    if representative.parent_id is not None or not comment_permissions.is_public(representative):
        raise ValidationError(
            _("The representative must be a public submission (not a reply, not withdrawn).")
        )
    copies = list(
        Comment.objects.filter(campaign__cluster=cluster)
        .exclude(pk=representative.pk)
        .order_by("created_at", "pk")
    )
    made, skipped = signature_services.signatures_from_copies(
        representative=representative, copies=copies
    )
    if not made:
        raise ValidationError(
            _("No copy of this cluster can be turned into a co-signature: %(why)s")
            % {"why": "; ".join(f"{receipt}: {why}" for receipt, why in skipped) or "—"}
        )
    converted = [signature.converted_from.receipt for signature in made]  # type: ignore[union-attr]
    services.ledger_event_record(
        consultation=consultation,
        kind=LedgerEvent.Kind.SIGNATURES,
        comment=representative,
        payload={"copies": converted},
        actor=actor,
    )
    CampaignCluster.objects.filter(pk=cluster.pk).update(locked=True)
    cluster.locked = True
    return SignatureConversion(converted=converted, skipped=skipped)
