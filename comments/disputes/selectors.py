"""Reads of disputed authorship (issue 25, part 25b): the one "disputed" flag every
page and export shows, a dispute by its mailed link, and the secretariat's list.

Writes are ``comments.disputes.services`` (filing, the named person's answer) and
``feedback.disputes.services`` (the same, composed with the event chain, and the
secretariat's decision)."""

from django.db.models import Count, Exists, OuterRef, QuerySet

from comments import permissions
from comments.models import Dispute
from consult.models import Consultation


def disputed_flag(outer: str = "pk") -> Exists:
    """Whether a comment shows "Disputed: the named person says they did not submit
    it": a confirmed or upheld dispute (``comments.permissions.DISPUTED_STATUSES``).
    An EXISTS over the dispute's comment index, in the list's own query."""
    return Exists(
        Dispute.objects.filter(comment=OuterRef(outer), status__in=permissions.DISPUTED_STATUSES)
    )


def is_disputed(*, comment_id: int) -> bool:
    """``disputed_flag`` for one comment (one query)."""
    return Dispute.objects.filter(
        comment_id=comment_id, status__in=permissions.DISPUTED_STATUSES
    ).exists()


def dispute_by_token(*, token: str) -> Dispute | None:
    """The dispute a mailed link names (any state: the service says what is wrong)."""
    if not token or len(token) > 64:
        return None
    return (
        Dispute.objects.filter(token=token)
        .select_related("comment__consultation", "comment__author__participant")
        .first()
    )


def disputes_of(*, consultation: Consultation, status: str = "") -> QuerySet[Dispute]:
    """The consultation's disputes, newest first, optionally of one status: one query
    with their comments, filers and organisations."""
    disputes = Dispute.objects.filter(comment__consultation=consultation)
    if status:
        disputes = disputes.filter(status=status)
    return disputes.select_related(
        "comment", "reported_by__participant", "on_behalf_of", "decided_by__participant"
    ).order_by("-created_at", "-pk")


def dispute_counts(*, consultation: Consultation) -> dict[str, int]:
    """How many disputes of the consultation are in each status (one query)."""
    counts = {status: 0 for status in Dispute.Status.values}
    rows = (
        Dispute.objects.filter(comment__consultation=consultation)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
