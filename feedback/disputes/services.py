"""Disputed authorship on the public record (issue 25, part 25b): the doors the
pages and the API call.  Each runs the comments side
(``comments.disputes.services``) and, in the same transaction, appends a
``LedgerEvent(kind=dispute)`` to the consultation's event chain whenever a
dispute becomes confirmed, upheld or rejected by the secretariat.

The event's payload is public and hashed: the dispute's id, its new status, the
time, and who moved it (``named_person``, ``organisation`` or ``secretariat``);
a secretariat decision adds the SHA-256 of its reason.  Never the filer's
identity nor their reason.  A dispute the named person closes with "I did
submit it" was never shown as disputed, so it writes no event.

The secretariat decides (``dispute_decide``) any dispute still open, awaiting
the named person or confirmed: ``upheld`` (the submission is marked as not made
by the named person) or ``rejected`` (the mark goes).  ``TRANSITIONS`` is the
table.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.disputes import services as comment_disputes
from comments.models import Comment, Dispute
from feedback import permissions
from feedback.ledger import chain
from feedback.ledger.services import ledger_event_record
from feedback.models import LedgerEvent
from plenary import ratelimit
from plenary.pagecache import pages_changed

Status = Dispute.Status

# status -> the decisions the secretariat may take from it.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.AWAITING_CONFIRMATION: frozenset({Status.UPHELD, Status.REJECTED}),
    Status.CONFIRMED: frozenset({Status.UPHELD, Status.REJECTED}),
    Status.REJECTED: frozenset(),
    Status.UPHELD: frozenset(),
}
DECISIONS = (Status.UPHELD, Status.REJECTED)

BY_NAMED_PERSON = "named_person"
BY_ORGANISATION = "organisation"
BY_SECRETARIAT = "secretariat"


def dispute_event_record(*, dispute: Dispute, by: str, actor=None) -> LedgerEvent:
    """Append the dispute's new status to its consultation's event chain (inside
    the caller's transaction; the caller checked the rule)."""
    at = dispute.decided_at if by == BY_SECRETARIAT else dispute.confirmed_at
    payload: dict = {
        "dispute": dispute.pk,
        "status": dispute.status,
        "at": (at or timezone.now()).isoformat(),
        "by": by,
    }
    if by == BY_SECRETARIAT:
        payload["reason_sha256"] = chain.sha256_text(dispute.decision_reason)
    comment: Comment = dispute.comment
    return ledger_event_record(
        consultation=comment.consultation,
        kind=LedgerEvent.Kind.DISPUTE,
        comment=comment,
        payload=payload,
        actor=actor,
    )


@transaction.atomic
def dispute_report(
    *, actor, comment: Comment, reason: str, rate_key: ratelimit.RateKey | None = None
) -> Dispute:
    """File a dispute (``comments.disputes.services.dispute_file``); one confirmed
    as it is filed (the named person, or the organisation) is an event at once."""
    dispute = comment_disputes.dispute_file(
        actor=actor, comment=comment, reason=reason, rate_key=rate_key
    )
    if dispute.status == Status.CONFIRMED:
        by = (
            BY_ORGANISATION
            if dispute.confirmed_by == Dispute.ConfirmedBy.ORGANISATION
            else BY_NAMED_PERSON
        )
        dispute_event_record(dispute=dispute, by=by, actor=actor)
    return dispute


@transaction.atomic
def dispute_answer(*, token: str, answer: str) -> Dispute:
    """The named person's answer by the mailed link
    (``comments.disputes.services.dispute_link_answer``); a confirmation is an event."""
    dispute = comment_disputes.dispute_link_answer(token=token, answer=answer)
    if dispute.status == Status.CONFIRMED:
        dispute_event_record(dispute=dispute, by=BY_NAMED_PERSON)
    return dispute


@transaction.atomic
def dispute_decide(*, actor, dispute: Dispute, decision: str, reason: str) -> Dispute:
    """The secretariat upholds or rejects an open dispute, with a reason; an event."""
    comment = Comment.objects.select_related("consultation").get(pk=dispute.comment_id)
    permissions.require_can_decide_dispute(actor, comment.consultation)
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose uphold or reject.")})
    reason = comment_disputes.dispute_reason_check(reason)
    # Lock the row: two members of the secretariat deciding at once take turns.
    locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if decision not in TRANSITIONS[locked.status]:
        raise ValidationError(
            {
                "decision": _("This dispute is closed already (%(status)s).")
                % {"status": locked.get_status_display()}
            }
        )
    locked.status = decision
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_reason = reason
    locked.closed_by = Dispute.ClosedBy.SECRETARIAT
    locked.save(
        update_fields=["status", "decided_at", "decided_by", "decision_reason", "closed_by"]
    )
    locked.comment = comment
    dispute_event_record(dispute=locked, by=BY_SECRETARIAT, actor=actor)
    pages_changed()  # the "Disputed" mark comes or goes
    return locked
