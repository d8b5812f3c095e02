"""Disputed authorship (issue 25, part 25b): filing a dispute, and the named
person's answer through the link mailed to them.

The rules are in ``comments.permissions`` (``require_can_dispute``,
``confirms_at_once``, ``named_person``).  The statuses:

* filed by the named person, signed in, or by the verified staff of the
  organisation the comment was sent on behalf of: ``confirmed`` at once;
* filed by anyone else: ``awaiting_confirmation``, and a single-use link that
  expires after ``PLENARY_DISPUTE_LINK_DAYS`` goes to the named person's address
  on record.  "Yes, I did not submit this" makes it ``confirmed``; "I did submit
  it" closes it as ``rejected`` with ``closed_by = named_person`` (the four
  statuses of the API stay four: who closed it is a field of its own);
* input entered by staff names a sender without an account: nobody is mailed,
  and the dispute awaits the secretariat, who may decide any open dispute
  (``feedback.disputes.services.dispute_decide``: ``upheld`` or ``rejected``).

These functions write the comments side only.  A dispute that becomes
confirmed is an event on the public record, and the event chain is feedback's
(``feedback.ledger.services.ledger_event_record``), which comments may not
import: the entry points therefore call ``feedback.disputes.services``, which
runs these in its transaction and appends the event.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import permissions
from comments.disputes import selectors
from comments.models import Comment, Dispute
from plenary import ratelimit
from plenary.outbox import services as outbox
from plenary.pagecache import pages_changed
from plenary.text import control_character, control_character_message

REASON_MAX_CHARS = 2000
OPEN = (Dispute.Status.AWAITING_CONFIRMATION, Dispute.Status.CONFIRMED)
# The named person's two answers on the mailed link's page.
NOT_MINE = "not_mine"
MINE = "mine"


def dispute_reason_check(value: str, *, field: str = "reason") -> str:
    """A reason, required, at most REASON_MAX_CHARS characters, no control characters."""
    reason = (value or "").strip()
    if not reason:
        raise ValidationError({field: _("Say why: the secretariat needs a reason.")})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {field: _("A reason can be at most %(n)d characters long.") % {"n": REASON_MAX_CHARS}}
        )
    character = control_character(reason)
    if character is not None:
        raise ValidationError({field: control_character_message(character)})
    return reason


@transaction.atomic
def dispute_file(
    *, actor, comment: Comment, reason: str, rate_key: ratelimit.RateKey | None = None
) -> Dispute:
    """Report that ``comment`` was made in the named person's or organisation's name.

    Counted against ``PLENARY_RATE_DISPUTE_*`` first (``rate_key``; refused or
    not).  Confirmed at once when ``actor`` is the named person or speaks for
    the organisation; otherwise awaiting, with the link mailed after commit.
    One open dispute per comment and filer.  Entry points call
    ``feedback.disputes.services.dispute_report`` (see the module's docstring).
    """
    if rate_key is not None:
        ratelimit.count_attempt("dispute", rate_key)
    permissions.require_can_dispute(actor, comment)
    reason = dispute_reason_check(reason)
    already = _("You have already disputed this comment: the secretariat will look at it.")
    if Dispute.objects.filter(comment=comment, reported_by=actor, status__in=OPEN).exists():
        raise ValidationError({"comment": already})
    now = timezone.now()
    confirmed_by = permissions.confirms_at_once(actor, comment)
    dispute = Dispute(comment=comment, reported_by=actor, reason=reason, created_at=now)
    if confirmed_by:
        dispute.status = Dispute.Status.CONFIRMED
        dispute.confirmed_at = now
        dispute.confirmed_by = confirmed_by
        if confirmed_by == Dispute.ConfirmedBy.ORGANISATION:
            dispute.on_behalf_of_id = comment.on_behalf_of_id
    person = permissions.named_person(comment)
    mail = not confirmed_by and person is not None and bool(person.email)
    if mail:
        # 256 bits from the OS: unguessable; single use (link_used_at), and it expires.
        dispute.token = secrets.token_urlsafe(32)
        dispute.link_expires_at = now + timedelta(days=settings.PLENARY_DISPUTE_LINK_DAYS)
    try:
        with transaction.atomic():  # a double submit races to the partial unique constraint
            dispute.save()
    except IntegrityError:
        raise ValidationError({"comment": already}) from None
    if mail:
        outbox.enqueue("comments.tasks.send_dispute_link", dispute_id=dispute.pk)
    if confirmed_by:
        pages_changed()  # the comment now shows "Disputed" (plenary/pagecache.py)
    return dispute


@transaction.atomic
def dispute_link_answer(*, token: str, answer: str) -> Dispute:
    """The named person's answer through the mailed link: ``NOT_MINE`` confirms the
    dispute, ``MINE`` closes it (rejected, by the named person).  The link works
    once, while the dispute awaits, until it expires; otherwise ValidationError on
    ``token`` and nothing is written.  Entry points call
    ``feedback.disputes.services.dispute_answer``."""
    found = selectors.dispute_by_token(token=token)
    if found is None:
        raise ValidationError({"token": _("This link is not valid. Check that it is complete.")})
    dispute = Dispute.objects.select_for_update().get(pk=found.pk)
    dispute.comment = found.comment  # with its consultation, for the caller
    now = timezone.now()
    refusal = permissions.dispute_link_refusal(dispute, now=now)
    if refusal:
        raise ValidationError({"token": refusal})
    if answer == NOT_MINE:
        dispute.status = Dispute.Status.CONFIRMED
        dispute.confirmed_at = now
        dispute.confirmed_by = Dispute.ConfirmedBy.LINK
    elif answer == MINE:
        dispute.status = Dispute.Status.REJECTED
        dispute.decided_at = now
        dispute.closed_by = Dispute.ClosedBy.NAMED_PERSON
    else:
        raise ValidationError({"answer": _("Choose one of the two answers.")})
    dispute.link_used_at = now
    dispute.save(
        update_fields=[
            "status",
            "confirmed_at",
            "confirmed_by",
            "decided_at",
            "closed_by",
            "link_used_at",
        ]
    )
    if dispute.status == Dispute.Status.CONFIRMED:
        pages_changed()
    return dispute


def dispute_link_send(*, dispute_id: int) -> bool:
    """Mail the named person the link to confirm or deny (task ``send_dispute_link``).

    Keyed ``dispute-link-<id>``: a retried task sends nothing twice.  Nothing is
    sent once the dispute no longer awaits.  The mail names neither the filer nor
    their reason."""
    dispute = Dispute.objects.select_related("comment__consultation", "comment__author").get(
        pk=dispute_id
    )
    comment = dispute.comment
    person = permissions.named_person(comment)
    if (
        person is None
        or not person.email
        or not dispute.token
        or dispute.status != Dispute.Status.AWAITING_CONFIRMATION
    ):
        return False
    consultation = comment.consultation
    return outbox.send_mail_once(
        key=f"dispute-link-{dispute.pk}",
        to=person.email,
        subject=_("[%(c)s] Did you submit comment %(r)s?")
        % {"c": consultation.title[:80], "r": comment.receipt},
        text=render_to_string(
            "comments/email/dispute_link.txt",
            {
                "consultation": consultation,
                "comment": comment,
                "link": settings.SITE_URL + reverse("dispute_answer", args=[dispute.token]),
                "receipt_link": settings.SITE_URL + reverse("receipt", args=[comment.receipt]),
                "expires_at": dispute.link_expires_at,
            },
        ),
    )
