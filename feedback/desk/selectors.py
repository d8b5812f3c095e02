"""The secretariat's desk: what waits for the team in each consultation, counted in a
fixed number of queries whatever the number of comments (bench/desk.py).

Every figure is read from a small set: the undecided tally (a few rows per day, kept
by the writers: ``comments.models.UndecidedTally``, less the current team's rows of
``UndecidedAuthorTally``), the drafts' count (``feedback.models.DraftTally``), appeals,
open flags and comments held for pre-moderation (partial indexes), clusters, points
and report runs.
No figure counts the comments themselves.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from comments.models import Comment, Flag
from consult.models import Consultation
from feedback import permissions
from feedback.ledger.selectors import Awaiting, awaiting_figures, draft_counts
from feedback.models import Appeal, CampaignCluster, CommentPoint, OutcomeReport


@dataclass(frozen=True)
class ReportState:
    state: str
    label: str
    progress: int
    created_at: datetime


@dataclass(frozen=True)
class Desk:
    """One consultation's figures; each links to the list it counts (the template)."""

    consultation: Consultation
    awaiting: Awaiting = field(default_factory=Awaiting)
    drafted: int = 0
    appeals_open: int = 0
    appeals_overdue: int = 0
    moderation: int = 0
    clusters_unanswered: int = 0
    points_pending: int = 0
    report: ReportState | None = None


def _per_consultation(queryset, key: str, **counts) -> dict[int, dict[str, int]]:
    return {row[key]: row for row in queryset.values(key).annotate(**counts).order_by()}


def desks(*, consultations: list[Consultation], now: datetime | None = None) -> list[Desk]:
    """The desk of each consultation, in the order given: nine queries for any number
    of consultations (the team is read inside one of them)."""
    if not consultations:
        return []
    now = now or timezone.now()
    ids = [consultation.pk for consultation in consultations]
    awaiting = awaiting_figures(consultations=consultations, now=now)
    drafted = draft_counts(consultation_ids=ids)
    appeals = _per_consultation(
        Appeal.objects.filter(comment__consultation_id__in=ids, answers__isnull=True),
        "comment__consultation_id",
        n=Count("pk"),
        overdue=Count("pk", filter=Q(answer_due_at__lt=now)),
    )
    # The moderation queue (comments.moderation.selectors.moderation_queue): comments
    # held for pre-moderation, and the others with an open flag.
    held = _per_consultation(
        Comment.objects.filter(consultation_id__in=ids, moderation=Comment.Moderation.PENDING),
        "consultation_id",
        n=Count("pk"),
    )
    flagged = _per_consultation(
        Flag.objects.filter(resolved_at__isnull=True, comment__consultation_id__in=ids).exclude(
            comment__moderation=Comment.Moderation.PENDING
        ),
        "comment__consultation_id",
        n=Count("comment", distinct=True),
    )
    clusters = _per_consultation(
        CampaignCluster.objects.filter(consultation_id__in=ids, answers__isnull=True),
        "consultation_id",
        n=Count("pk"),
    )
    # Comments split into points with a point still undecided (the triage filter
    # "points"): read from the points, a small set, never from the comments.
    points = _per_consultation(
        Comment.objects.filter(
            pk__in=CommentPoint.objects.filter(comment__consultation_id__in=ids).values(
                "comment_id"
            )
        ).filter(permissions.points_pending_q()),
        "consultation_id",
        n=Count("pk"),
    )
    latest = OutcomeReport.objects.filter(consultation=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    reports = {
        row["pk"]: row
        for row in Consultation.objects.filter(pk__in=ids)
        .annotate(
            report_state=Subquery(latest.values("state")[:1]),
            report_progress=Subquery(latest.values("progress")[:1]),
            report_created_at=Subquery(latest.values("created_at")[:1]),
        )
        .values("pk", "report_state", "report_progress", "report_created_at")
    }
    states = dict(OutcomeReport.State.choices)
    result = []
    for consultation in consultations:
        pk = consultation.pk
        report: dict[str, Any] = dict(reports.get(pk) or {})
        result.append(
            Desk(
                consultation=consultation,
                awaiting=awaiting.get(pk, Awaiting()),
                drafted=drafted.get(pk, 0),
                appeals_open=appeals.get(pk, {}).get("n", 0),
                appeals_overdue=appeals.get(pk, {}).get("overdue", 0),
                moderation=held.get(pk, {}).get("n", 0) + flagged.get(pk, {}).get("n", 0),
                clusters_unanswered=clusters.get(pk, {}).get("n", 0),
                points_pending=points.get(pk, {}).get("n", 0),
                report=ReportState(
                    state=report["report_state"],
                    label=str(states.get(report["report_state"], report["report_state"])),
                    progress=report["report_progress"] or 0,
                    created_at=report["report_created_at"],
                )
                if report.get("report_state")
                else None,
            )
        )
    return result


def desk(*, consultation: Consultation, now: datetime | None = None) -> Desk:
    return desks(consultations=[consultation], now=now)[0]
