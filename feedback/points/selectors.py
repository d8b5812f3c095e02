"""Reads of a comment's points and their decisions (issue 23).

The current decision of a point is its latest ledger entry, as for a comment.
Every function here is one query, whatever the number of points.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery

from comments.models import Comment
from feedback.models import CommentPoint, DispositionEntry, Status


def with_point_decision(points: QuerySet[CommentPoint]) -> QuerySet[CommentPoint]:
    """Annotate each point's current published ``decision_status``,
    ``decision_rationale`` and ``decision_published_at`` (None while awaiting)."""
    latest = DispositionEntry.objects.filter(point=OuterRef("pk")).order_by("-sequence")
    return points.annotate(
        decision_status=Subquery(latest.values("status")[:1]),
        decision_rationale=Subquery(latest.values("rationale")[:1]),
        decision_published_at=Subquery(latest.values("published_at")[:1]),
    )


def points_of(*, comment: Comment) -> QuerySet[CommentPoint]:
    """The comment's points in number order, each with its current decision."""
    return (
        with_point_decision(CommentPoint.objects.filter(comment=comment))
        .select_related("comment")  # the sub-receipt reads it
        .order_by("number")
    )


def points_with_drafts(*, comment: Comment) -> QuerySet[CommentPoint]:
    """``points_of`` with each point's draft (the team's page): one query."""
    return points_of(comment=comment).select_related("draft", "attachment")


def points_by_comment(*, comment_ids: Iterable[int]) -> dict[int, list[CommentPoint]]:
    """The points of these comments with their current decisions: ``{comment_id: [...]}``."""
    found: dict[int, list[CommentPoint]] = {}
    points = with_point_decision(CommentPoint.objects.filter(comment_id__in=list(comment_ids)))
    for point in points.select_related("comment").order_by("comment_id", "number"):
        found.setdefault(point.comment_id, []).append(point)
    return found


@dataclass(frozen=True)
class PointSummary:
    """ "5 points: 2 accepted, 1 partly accepted, 2 awaiting": ``counts`` in the
    ledger's status order, "awaiting" last, zeros left out."""

    total: int
    counts: list[tuple[str, int]]


_ORDER = [*Status.values, "awaiting"]


def summarise(points: Iterable[CommentPoint]) -> PointSummary | None:
    """The summary of points annotated by ``with_point_decision`` (None without points)."""
    by_status: dict[str, int] = {}
    for point in points:
        key = point.decision_status or "awaiting"  # type: ignore[attr-defined]
        by_status[key] = by_status.get(key, 0) + 1
    if not by_status:
        return None
    return PointSummary(
        total=sum(by_status.values()),
        counts=[(status, by_status[status]) for status in _ORDER if status in by_status],
    )


def point_summaries(*, comment_ids: Iterable[int]) -> dict[int, PointSummary]:
    """The points summary of each of these comments that has points: one query."""
    return {
        comment_id: summary
        for comment_id, points in points_by_comment(comment_ids=comment_ids).items()
        if (summary := summarise(points)) is not None
    }
