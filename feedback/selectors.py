"""Reads of the ledger.  The current disposition is the latest entry, by sequence."""

from django.db.models import Count, OuterRef, QuerySet, Subquery

from comments.models import Comment
from consult.models import Consultation

from .models import DispositionEntry


def with_disposition(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Annotate each comment with its current published disposition (or None).

    Adds ``disposition_status``, ``disposition_rationale`` and
    ``disposition_published_at``: three correlated subqueries in the same
    SQL statement, so a list costs one query however long it is.
    """
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    return comments.annotate(
        disposition_status=Subquery(latest.values("status")[:1]),
        disposition_rationale=Subquery(latest.values("rationale")[:1]),
        disposition_published_at=Subquery(latest.values("published_at")[:1]),
    )


def latest_entry_ids(*, comment_ids: list[int]) -> QuerySet:
    """Ids of the current (latest) entry of each of these comments, as a subquery."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("comment")).order_by("-sequence")
    return DispositionEntry.objects.filter(
        comment_id__in=comment_ids, pk=Subquery(latest.values("pk")[:1])
    ).values("pk")


def current_disposition(*, comment: Comment) -> DispositionEntry | None:
    return (
        DispositionEntry.objects.filter(comment=comment)
        .select_related("target_section", "duplicate_of")
        .order_by("-sequence")
        .first()
    )


def disposition_history(*, comment: Comment) -> QuerySet[DispositionEntry]:
    return (
        DispositionEntry.objects.filter(comment=comment)
        .select_related("target_section", "duplicate_of")
        .order_by("sequence")
    )


def ledger_entries(*, consultation: Consultation) -> QuerySet[DispositionEntry]:
    return (
        DispositionEntry.objects.filter(consultation=consultation)
        .select_related("comment", "target_section", "duplicate_of")
        .order_by("sequence")
    )


def status_counts(*, consultation: Consultation) -> dict[str, int]:
    """Comments per current status (plus "awaiting"), in one query."""
    rows = (
        with_disposition(Comment.objects.filter(consultation=consultation))
        .values("disposition_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["disposition_status"] or "awaiting": row["n"] for row in rows}
    counts["total"] = sum(counts.values())
    return counts


def with_disposition_detail(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """``with_disposition`` plus ``disposition_target_section`` (a section key) and
    ``disposition_duplicate_of`` (a receipt), still one query for the whole list."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    return with_disposition(comments).annotate(
        disposition_target_section=Subquery(latest.values("target_section__key")[:1]),
        disposition_duplicate_of=Subquery(latest.values("duplicate_of__receipt")[:1]),
    )


def ledger_comments(*, consultation: Consultation) -> QuerySet[Comment]:
    """Every comment of the consultation with its current disposition, for the public ledger.

    The caller decides what of a non-public comment it may show (receipt and status).
    """
    return with_disposition(
        Comment.objects.filter(consultation=consultation).select_related(
            "section", "author__participant__group", "on_behalf_of"
        )
    ).order_by("created_at", "pk")
