"""The participation tally (``comments.models.ParticipationTally``): its keys, and what
it should hold counted from the comments themselves (for checks and rebuilds)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from comments.models import Comment, ParticipationTally
from comments.permissions import public_q
from consult.models import Consultation

# (round id, section id or 0, channel, author id, offline, sender)
TallyKey = tuple[int, int, str, int, bool, str]


def sender_key(name: str | None) -> str:
    """The person behind input entered by staff: the sender's name, blanks and case ignored."""
    return " ".join((name or "").split()).casefold()


def tally_key_of(
    *,
    round_id: int,
    section_id: int | None,
    channel: str,
    author_id: int,
    entered_by_id: int | None,
    submitter_name: str | None,
) -> TallyKey:
    offline = entered_by_id is not None
    return (
        round_id,
        section_id or 0,
        channel,
        author_id,
        offline,
        sender_key(submitter_name) if offline else "",
    )


def comment_tally_key(comment: Comment) -> TallyKey:
    """The tally row a comment counts in."""
    return tally_key_of(
        round_id=comment.round_id,
        section_id=comment.section_id,
        channel=comment.channel,
        author_id=comment.author_id,
        entered_by_id=comment.entered_by_id,
        submitter_name=comment.submitter_name,
    )


def tallied(comments) -> dict[TallyKey, tuple[int, int]]:
    """``{key: (comments, public)}`` of a queryset of comments, zeros left out: one
    GROUP BY over the comments (checks, rebuilds and erasure; not pages)."""
    counts: Counter[TallyKey] = Counter()
    public: Counter[TallyKey] = Counter()
    for row in (
        comments.order_by()
        .values("round_id", "section_id", "channel", "author_id", "entered_by_id", "submitter_name")
        .annotate(n=Count("pk"), public=Count("pk", filter=public_q()))
    ):
        key = tally_key_of(
            round_id=row["round_id"],
            section_id=row["section_id"],
            channel=row["channel"],
            author_id=row["author_id"],
            entered_by_id=row["entered_by_id"],
            submitter_name=row["submitter_name"],
        )
        counts[key] += row["n"]
        public[key] += row["public"]
    return {key: (n, public[key]) for key, n in counts.items() if n or public[key]}


def participation_tally_counted(*, consultation: Consultation) -> dict[TallyKey, tuple[int, int]]:
    """What the consultation's tally should hold, counted from its comments."""
    return tallied(Comment.objects.filter(consultation=consultation))


def participation_tally_held(*, consultation: Consultation) -> dict[TallyKey, tuple[int, int]]:
    """What the tally holds now, zeros left out."""
    return {
        (round_id, section, channel, author_id, offline, sender): (n, public)
        for round_id, section, channel, author_id, offline, sender, n, public in (
            ParticipationTally.objects.filter(consultation=consultation)
            .exclude(comments=0, public=0)
            .values_list(
                "round_id",
                "section",
                "channel",
                "author_id",
                "offline",
                "sender",
                "comments",
                "public",
            )
        )
    }
