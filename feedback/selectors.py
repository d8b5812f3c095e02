"""Reads of the ledger.  The current disposition is the latest entry, by sequence."""

from django.db.models import OuterRef, QuerySet, Subquery

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
