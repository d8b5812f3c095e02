"""Reads of rounds: the public timeline of a consultation's rounds."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult.models import Consultation, Round, RoundExtension

# Windows are compared to the minute (the staff form's precision).
WINDOW_SLACK = timedelta(minutes=1)


def min_window() -> timedelta:
    return timedelta(days=settings.PLENARY_MIN_ROUND_DAYS)


def is_short(*, opens_at: datetime, closes_at: datetime) -> bool:
    """Shorter than the site's minimum window (to the minute)."""
    return closes_at - opens_at < min_window() - WINDOW_SLACK


def duration(delta: timedelta) -> str:
    days, hours = delta.days, delta.seconds // 3600
    if days and hours:
        return _("%(days)s, %(hours)s") % {
            "days": ngettext("%(n)d day", "%(n)d days", days) % {"n": days},
            "hours": ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours},
        }
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


def countdown(*, until: datetime, now: datetime | None = None) -> str:
    """ "3 days, 4 hours" (or "less than an hour") until ``until``."""
    left = until - (now or timezone.now())
    if left < timedelta(hours=1):
        return _("less than an hour")
    return duration(left)


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
