"""Rounds: the schedule rules, edits and extensions, and the scheduler that announces them.

The rules (every door — page, API, admin, command — goes through these):

* A round's window (``closes_at - opens_at``) is at least
  ``settings.PLENARY_MIN_ROUND_DAYS`` days (21 by default, the IGF's practice),
  unless the secretariat writes ``short_window_reason``; that reason is shown
  publicly beside the round.  Measured to the minute, the precision of the
  form, so "21 days from now" typed a few seconds later still counts as 21.
* Rounds of one consultation never overlap; a round closes after it opens and
  in the future (``window_errors``).
* ``round_update`` edits a round only before it opens.  Once it opened, its
  dates change only by ``round_extend``: later, never earlier, with a public
  reason, while it has not closed yet (a closed round is not reopened: the
  participants were told it closed; open a new round instead), and never
  into the next round.
* Open or closed is decided by the clock alone (``Round.is_open``); the
  scheduler (``rounds_announce``, beat every minute) only *announces* the
  change, once per round, by stamping ``opened_announced_at`` /
  ``closed_announced_at`` under ``select_for_update(skip_locked=True)`` and
  recording the mails in the outbox in the same transaction.  A round whose
  opening or close is more than ``ANNOUNCE_LATE`` old when first seen (the
  scheduler was down, or the round predates it) is stamped without mail:
  nobody is told today that a round closed last month.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import permissions
from consult.models import Consultation, Round, RoundExtension
from consult.reminders import services as reminders
from consult.reminders.selectors import round_mail_followers
from consult.rounds.selectors import WINDOW_SLACK, duration, is_short
from plenary.audit.services import audit_record
from plenary.outbox import services as outbox
from stakeholders.accounts.unsubscribe import Kind, send_reminder

# An opening or close first seen later than this is stamped without mail.
ANNOUNCE_LATE = timedelta(days=1)


def _overlapping(consultation, *, opens_at, closes_at, exclude=None) -> Round | None:
    """The first round of ``consultation`` (``exclude`` aside) whose window meets
    [``opens_at``, ``closes_at``)."""
    return (
        consultation.rounds.filter(opens_at__lt=closes_at, closes_at__gt=opens_at)
        .exclude(pk=getattr(exclude, "pk", None))
        .order_by("opens_at")
        .first()
    )


def window_errors(
    *,
    consultation: Consultation,
    opens_at: datetime,
    closes_at: datetime,
    short_window_reason: str,
    now: datetime,
    exclude: Round | None = None,
) -> dict[str, str]:
    """Every reason the window cannot be used, by form field (empty: it can)."""
    errors: dict[str, str] = {}
    if closes_at <= opens_at:
        errors["closes_at"] = _("The closing date must be after the opening date.")
    elif closes_at <= now:
        errors["closes_at"] = _("The closing date must be in the future.")
    elif is_short(opens_at=opens_at, closes_at=closes_at) and not short_window_reason.strip():
        errors["short_window_reason"] = _(
            "Rounds stay open at least %(min)d days; this one would be open for %(days)s. "
            "Say why it is shorter: the reason is shown publicly beside the round."
        ) % {
            "min": settings.PLENARY_MIN_ROUND_DAYS,
            "days": duration(closes_at - opens_at),
        }
    if not errors:
        overlapping = _overlapping(
            consultation, opens_at=opens_at, closes_at=closes_at, exclude=exclude
        )
        if overlapping is not None:
            errors["opens_at"] = _(
                "This round would overlap round %(n)d (%(opens)s to %(closes)s)."
            ) % {
                "n": overlapping.number,
                "opens": reminders.moment_text(overlapping.opens_at),
                "closes": reminders.moment_text(overlapping.closes_at),
            }
    return errors


# --- services --------------------------------------------------------------------


@transaction.atomic
def round_update(
    *,
    actor,
    round_: Round,
    opens_at: datetime,
    closes_at: datetime,
    title: str = "",
    background: str = "",
    short_window_reason: str = "",
) -> Round:
    """Edit a scheduled round before it opens, with the rules of ``round_open``."""
    permissions.require_can_run(actor, round_.consultation)
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    now = timezone.now()
    if locked.opens_at <= now:
        raise ValidationError(
            {
                "opens_at": _(
                    "This round opened on %(date)s: its dates can no longer be edited. "
                    "Extend it instead."
                )
                % {"date": reminders.moment_text(locked.opens_at)}
            }
        )
    errors = window_errors(
        consultation=round_.consultation,
        opens_at=opens_at,
        closes_at=closes_at,
        short_window_reason=short_window_reason,
        now=now,
        exclude=locked,
    )
    if opens_at < now - WINDOW_SLACK and "opens_at" not in errors:
        # Backdating would open it at once, with comments "made" before they were.
        errors["opens_at"] = _("The opening date cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    locked.title = title.strip()
    locked.opens_at = opens_at
    locked.closes_at = closes_at
    locked.background = background.strip()
    locked.short_window_reason = short_window_reason.strip()
    locked.full_clean()
    locked.save(
        update_fields=["title", "opens_at", "closes_at", "background", "short_window_reason"]
    )
    audit_record(
        event="round_updated",
        actor=actor,
        consultation=locked.consultation_id,
        target=f"round {locked.number}",
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
        short_window_reason=locked.short_window_reason,
    )
    return locked


@transaction.atomic
def round_extend(*, actor, round_: Round, new_closes_at: datetime, reason: str) -> RoundExtension:
    """Move a round's close later, with a public reason; announced on the page and by mail.

    Refused: no reason; a date not later than the current close (an extension
    never shortens); a round that has closed already (not reopened); a new
    close that runs into another round.
    """
    permissions.require_can_run(actor, round_.consultation)
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    now = timezone.now()
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("Say why the round is extended: the reason is shown publicly.")
    if locked.closes_at <= now:
        errors["new_closes_at"] = _(
            "This round closed on %(date)s and cannot be reopened. Open a new round instead."
        ) % {"date": reminders.moment_text(locked.closes_at)}
    elif new_closes_at <= locked.closes_at:
        errors["new_closes_at"] = _(
            "An extension moves the close later than %(date)s. A round is never shortened "
            "once it is announced."
        ) % {"date": reminders.moment_text(locked.closes_at)}
    else:
        overlapping = _overlapping(
            round_.consultation, opens_at=locked.opens_at, closes_at=new_closes_at, exclude=locked
        )
        if overlapping is not None:
            errors["new_closes_at"] = _(
                "The round would then run into round %(n)d, which opens %(date)s."
            ) % {"n": overlapping.number, "date": reminders.moment_text(overlapping.opens_at)}
    if errors:
        raise ValidationError(errors)
    extension = RoundExtension.objects.create(
        round=locked,
        previous_closes_at=locked.closes_at,
        new_closes_at=new_closes_at,
        reason=reason.strip(),
        created_by=actor,
    )
    locked.closes_at = new_closes_at
    locked.full_clean()
    locked.save(update_fields=["closes_at"])
    audit_record(
        event="round_extended",
        actor=actor,
        consultation=locked.consultation_id,
        target=f"round {locked.number}",
        previous_closes_at=extension.previous_closes_at.isoformat(),
        new_closes_at=new_closes_at.isoformat(),
        reason=extension.reason,
    )
    outbox.enqueue("consult.tasks.announce_round_extension", extension_id=extension.pk)
    return extension


# --- the scheduler ----------------------------------------------------------------


@transaction.atomic
def rounds_announce(*, now: datetime | None = None) -> int:
    """Stamp rounds that opened or closed since the last run; return how many stamps.

    Each round is stamped once: ``skip_locked`` lets two schedulers run at
    once without both taking the same round, and the stamp (committed with
    the outbox rows) keeps a later run from taking it again.
    """
    now = now or timezone.now()
    due = list(
        Round.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(consultation__status=Consultation.Status.PUBLISHED)
        .filter(
            Q(opened_announced_at__isnull=True, opens_at__lte=now)
            | Q(closed_announced_at__isnull=True, closes_at__lte=now)
        )
        .order_by("opens_at", "pk")
    )
    stamps = 0
    for round_ in due:
        fields = []
        if round_.opened_announced_at is None and round_.opens_at <= now:
            round_.opened_announced_at = now
            fields.append("opened_announced_at")
            if round_.opens_at > now - ANNOUNCE_LATE and round_.closes_at > now:
                outbox.enqueue("consult.tasks.announce_round", round_id=round_.pk, event="opened")
        if round_.closed_announced_at is None and round_.closes_at <= now:
            round_.closed_announced_at = now
            fields.append("closed_announced_at")
            if round_.closes_at > now - ANNOUNCE_LATE:
                outbox.enqueue("consult.tasks.announce_round", round_id=round_.pk, event="closed")
        round_.save(update_fields=fields)
        for stamp in fields:
            audit_record(
                event="round_opened" if stamp == "opened_announced_at" else "round_closed",
                consultation=round_.consultation_id,
                target=f"round {round_.number}",
            )
        stamps += len(fields)
    return stamps


def _mail_followers(*, round_: Round, key: str, subject: str, text: str) -> int:
    """One mail per follower (key ``<key>-to-<user>``), with one-click unsubscribe.

    Round notices share the switch of the closing reminders (``mail_round_closing``,
    "rounds of consultations I follow"): both tell a follower when they can comment.
    """
    sent = 0
    for user in round_mail_followers([round_.consultation_id]).get(round_.consultation_id, []):
        sent += send_reminder(
            key=f"{key}-to-{user.pk}",
            user=user,
            kind=Kind.ROUND_CLOSING,
            subject=subject,
            text=text,
        )
    return sent


def round_announcement_send(*, round_id: int, event: str) -> int:
    """Mail the followers that round ``round_id`` opened or closed (once each)."""
    round_ = Round.objects.select_related("consultation").filter(pk=round_id).first()
    if round_ is None or event not in {"opened", "closed"}:
        return 0
    consultation = round_.consultation
    values = {"consultation": consultation.title[:80], "n": round_.number}
    if event == "opened":
        subject = _("[%(consultation)s] Round %(n)d is open for comments") % values
    else:
        subject = _("[%(consultation)s] Round %(n)d has closed") % values
    text = render_to_string(
        "reminders/email/round_event.txt",
        {
            "consultation": consultation,
            "round": round_,
            "event": event,
            "opens": reminders.moment_text(round_.opens_at),
            "closes": reminders.moment_text(round_.closes_at),
            "link": settings.SITE_URL + reverse("consultation", args=[consultation.slug]),
        },
    )
    return _mail_followers(
        round_=round_, key=f"round-{event}-{round_.pk}", subject=subject, text=text
    )


def round_extension_send(*, extension_id: int) -> int:
    """Mail the followers that a round was extended, with the reason (once each)."""
    extension = (
        RoundExtension.objects.select_related("round__consultation").filter(pk=extension_id).first()
    )
    if extension is None:
        return 0
    round_ = extension.round
    consultation = round_.consultation
    subject = _("[%(consultation)s] Round %(n)d is extended to %(date)s") % {
        "consultation": consultation.title[:80],
        "n": round_.number,
        "date": reminders.moment_text(extension.new_closes_at),
    }
    text = render_to_string(
        "reminders/email/round_extended.txt",
        {
            "consultation": consultation,
            "round": round_,
            "extension": extension,
            "previous": reminders.moment_text(extension.previous_closes_at),
            "new": reminders.moment_text(extension.new_closes_at),
            "link": settings.SITE_URL + reverse("consultation", args=[consultation.slug]),
        },
    )
    return _mail_followers(
        round_=round_, key=f"round-extended-{extension.pk}", subject=subject, text=text
    )
