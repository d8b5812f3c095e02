"""Keeping the participation tally (``comments.models.ParticipationTally``).

Not doors: the services that change what the participation figures count call
these inside their own transaction, so the tally commits or rolls back with the
write it counts: ``comment_write`` (a new comment), ``comment_withdraw``,
``comment_edit`` (sent back to pre-moderation), ``comment_moderate`` (hide,
restore, approve) and ``account_erase`` (its comments withdrawn).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection, transaction

from comments.models import Comment, ParticipationTally
from comments.participation.selectors import (
    TallyKey,
    comment_tally_key,
    participation_tally_counted,
    tallied,
)
from comments.permissions import is_public
from consult.models import Consultation

# One statement per row: insert it or add to it, so that two writers never race to
# create it.  The same SQL on PostgreSQL and SQLite (3.24+).
_UPSERT = (
    "INSERT INTO comments_participation_tally "
    "(consultation_id, round_id, section, channel, author_id, offline, sender, comments, public) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (consultation_id, round_id, section, channel, author_id, offline, sender) "
    "DO UPDATE SET comments = comments_participation_tally.comments + excluded.comments, "
    "public = comments_participation_tally.public + excluded.public"
)


def participation_tally_add(*, consultation_id: int, steps: Mapping[TallyKey, tuple[int, int]]):
    """Add ``(comments, public)`` to each keyed row of the consultation's tally."""
    rows = [(consultation_id, *key, n, public) for key, (n, public) in steps.items() if n or public]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(_UPSERT, rows)


def participation_comment_added(*, comment: Comment) -> None:
    """A new comment: one more in its row, and one more public if anyone may read it."""
    participation_tally_add(
        consultation_id=comment.consultation_id,
        steps={comment_tally_key(comment): (1, int(is_public(comment)))},
    )


def participation_public_changed(*, comment: Comment, was_public: bool) -> None:
    """After a write that may change whether anyone may read ``comment`` (withdrawal,
    moderation, an edit sent back to pre-moderation): move its public count."""
    delta = int(is_public(comment)) - int(was_public)
    if delta:
        participation_tally_add(
            consultation_id=comment.consultation_id,
            steps={comment_tally_key(comment): (0, delta)},
        )


def participation_comments_leaving_public(*, comments) -> None:
    """Before a bulk update that takes ``comments`` (a queryset) out of the public
    figures (erasure withdraws a person's comments): one GROUP BY over them."""
    per_consultation: dict[int, dict[TallyKey, tuple[int, int]]] = {}
    for consultation_id in comments.order_by().values_list("consultation_id", flat=True).distinct():
        counted = tallied(comments.filter(consultation_id=consultation_id))
        per_consultation[consultation_id] = {
            key: (0, -public) for key, (_n, public) in counted.items() if public
        }
    for consultation_id, steps in per_consultation.items():
        participation_tally_add(consultation_id=consultation_id, steps=steps)


def participation_tally_rebuild(*, consultation: Consultation) -> None:
    """Recount the consultation's tally from its comments (``manage.py participation_counts
    --rebuild``), under a lock on the consultation."""
    with transaction.atomic():
        Consultation.objects.select_for_update().get(pk=consultation.pk)
        ParticipationTally.objects.filter(consultation=consultation).delete()
        ParticipationTally.objects.bulk_create(
            [
                ParticipationTally(
                    consultation=consultation,
                    round_id=round_id,
                    section=section,
                    channel=channel,
                    author_id=author_id,
                    offline=offline,
                    sender=sender,
                    comments=n,
                    public=public,
                )
                for (round_id, section, channel, author_id, offline, sender), (n, public) in (
                    participation_tally_counted(consultation=consultation).items()
                )
            ],
            batch_size=1000,
        )
