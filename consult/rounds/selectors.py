"""Reads of rounds: the public timeline of a consultation's rounds."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from consult.models import Consultation, Round, RoundExtension
from consult.rounds.services import countdown, is_short


@dataclass
class TimelineRound:
    round: Round
    comment_count: int
    state: str  # "past", "current" or "next"
    is_short: bool
    extensions: list[RoundExtension] = field(default_factory=list)
    countdown: str = ""


def round_timeline(
    *, consultation: Consultation, round_counts: dict[int, int], now: datetime | None = None
) -> list[TimelineRound]:
    """Every round in order, each marked past / current / next, with its extensions.

    Two queries (rounds, their extensions); the counts come from
    ``feedback.participation.selectors.page_counts``.
    """
    now = now or timezone.now()
    rounds = Round.objects.filter(consultation=consultation).prefetch_related(
        Prefetch("extensions", queryset=RoundExtension.objects.order_by("created_at", "pk"))
    )
    timeline = []
    for round_ in rounds.order_by("opens_at", "number"):
        if round_.closes_at <= now:
            state = "past"
        elif round_.opens_at <= now:
            state = "current"
        else:
            state = "next"
        timeline.append(
            TimelineRound(
                round=round_,
                comment_count=round_counts.get(round_.pk, 0),
                state=state,
                is_short=is_short(opens_at=round_.opens_at, closes_at=round_.closes_at),
                extensions=list(round_.extensions.all()),
                countdown=(
                    countdown(until=round_.closes_at, now=now)
                    if state == "current"
                    else countdown(until=round_.opens_at, now=now)
                    if state == "next"
                    else ""
                ),
            )
        )
    return timeline
