"""The door for redacting a passage of a published comment (issue 25).

Here, not in comments, because the redaction is also an event of the
consultation's public record: ``feedback.ledger.services.ledger_event_record``
appends ``LedgerEvent(kind=redaction)`` with the reason, the salted SHA-256 of
the passage and the time, in the same transaction as the comment's part
(``comments.redaction.services.redaction_write``).  verify_ledger checks the
event chain like the decisions'.
"""

from django.db import transaction

from comments import permissions as comment_permissions
from comments.models import Comment, Redaction
from comments.redaction.services import redaction_write
from feedback.ledger.services import ledger_event_record
from feedback.models import LedgerEvent


@transaction.atomic
def comment_redact(
    *,
    actor,
    comment: Comment,
    reason: str,
    note: str = "",
    start: int | None = None,
    end: int | None = None,
    passage: str = "",
) -> Redaction:
    """Redact one passage (``start``/``end`` in ``Comment.body``, or the ``passage``
    itself, found once in it) for ``reason``; the secretariat and moderators only
    (``comments.permissions.require_can_redact``).  ``Comment.body`` is kept as
    sent; every public rendering shows ``[redacted: <reason>]`` instead.  Refused
    (ValidationError naming the field): see ``redaction_write``; nothing is written.
    """
    comment_permissions.require_can_redact(actor, comment.consultation)
    redaction = redaction_write(
        actor=actor,
        comment=comment,
        reason=reason,
        note=note,
        start=start,
        end=end,
        passage=passage,
    )
    ledger_event_record(
        consultation=comment.consultation,
        kind=LedgerEvent.Kind.REDACTION,
        comment=comment,
        # Public values only: the note and the salt stay with the secretariat.
        payload={
            "reason": redaction.reason,
            "passage_sha256": redaction.passage_sha256,
            "at": redaction.created_at.isoformat(),
        },
        actor=actor,
    )
    return redaction
