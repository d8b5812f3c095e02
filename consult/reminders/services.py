"""Follows and reminder mails: the services (writes) and the beat jobs' work.

* ``follow_set`` is the only door for ``Follow`` rows; ``comment_create``
  calls ``follow_after_comment`` so a participant follows a consultation from
  their first comment in it (and stays unfollowed if they later opt out).
* ``round_closing_remind`` (beat, hourly) mails the followers of a
  consultation whose open round closes within 7 days, then within 1 day.
* ``reply_digest_send`` (beat, daily) mails each participant the replies
  others wrote to their comments the previous (local) day.

Every mail goes through ``stakeholders.accounts.unsubscribe.send_reminder``: skipped for
people who turned that kind off, with a one-click unsubscribe link and the
RFC 8058 headers.  Idempotency keys (``send_mail_once``) make each job safe
to run again, late or twice: one mail per (round, kind, person) and per
(person, day).  Keys already used are read in one query per run, so a job
that runs hourly for a week does not re-claim each key every hour.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult import permissions
from consult.models import Consultation, Follow, Round
from consult.reminders.selectors import comments_by, round_mail_followers
from plenary.outbox.models import MailDelivery
from stakeholders.accounts.unsubscribe import Kind, send_reminder

# A round closing within this long gets the "closes soon" reminder, then the "last day" one.
CLOSING_SOON = timedelta(days=7)
CLOSING_LAST_DAY = timedelta(days=1)


# --- follows -------------------------------------------------------------------


def follow_set(*, user, consultation: Consultation, following: bool) -> bool:
    """Follow or unfollow ``consultation``; return whether ``user`` now follows it.

    Following needs an active account that may see the consultation
    (PermissionDenied otherwise); unfollowing is always allowed.  Idempotent.
    """
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied(_("Sign in to follow a consultation."))
    if not following:
        Follow.objects.filter(user=user, consultation=consultation).delete()
        return False
    permissions.require_can_view(user, consultation)
    try:
        with transaction.atomic():
            Follow.objects.get_or_create(user=user, consultation=consultation)
    except IntegrityError:  # a concurrent follow won the race: the row exists
        pass
    return True


def follow_after_comment(*, comment: Comment, commented_before: bool | None = None) -> None:
    """Make the author follow the consultation if this is their first comment in it.

    ``commented_before`` may be passed when the caller read it before writing
    ``comment`` (``comments.permissions.Standing.commented_before``).
    """
    if commented_before is None:
        commented_before = (
            comments_by(author_id=comment.author_id, consultation_id=comment.consultation_id)
            .exclude(pk=comment.pk)
            .exists()
        )
    if not commented_before:
        Follow.objects.get_or_create(
            user_id=comment.author_id, consultation_id=comment.consultation_id
        )


def reminder_settings_save(
    *,
    actor,
    mail_round_closing: bool,
    mail_reply_digest: bool,
    mail_staff_reminders: bool,
    mail_evaluation: bool | None = None,
):
    """Save the reminder switches of ``actor`` (the signed-in person); None leaves one as is."""
    if not (actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Sign in to change your reminders."))
    actor.mail_round_closing = bool(mail_round_closing)
    actor.mail_reply_digest = bool(mail_reply_digest)
    actor.mail_staff_reminders = bool(mail_staff_reminders)
    fields = ["mail_round_closing", "mail_reply_digest", "mail_staff_reminders"]
    if mail_evaluation is not None:
        actor.mail_evaluation = bool(mail_evaluation)
        fields.append("mail_evaluation")
    actor.save(update_fields=fields)
    return actor


# --- the beat jobs ---------------------------------------------------------------


def _used(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(MailDelivery.objects.filter(key__in=keys).values_list("key", flat=True))


def _closing_kind(round_: Round, now) -> str | None:
    left = round_.closes_at - now
    if left <= timedelta(0) or left > CLOSING_SOON:
        return None
    return "1d" if left <= CLOSING_LAST_DAY else "7d"


def moment_text(moment) -> str:
    """A date and time as round mails and messages write it: "3 March 2026 17:00 CET"."""
    return formats.date_format(timezone.localtime(moment), "j F Y H:i T")


def round_closing_remind(*, now=None) -> int:
    """Mail followers of consultations whose open round closes soon; return mails sent.

    Two reminders per round and follower: when 7 days or less are left, and
    when 1 day or less is left.  A round found only inside the last day gets
    the last-day reminder alone.  Followers with ``mail_round_closing`` off
    get nothing.
    """
    now = now or timezone.now()
    rounds = list(
        Round.objects.filter(
            consultation__status=Consultation.Status.PUBLISHED,
            opens_at__lte=now,
            closes_at__gt=now,
            closes_at__lte=now + CLOSING_SOON,
        )
        .select_related("consultation")
        .order_by("closes_at", "pk")
    )
    if not rounds:
        return 0
    followers = round_mail_followers({r.consultation_id for r in rounds})
    planned = [
        (f"round-closing-{round_.pk}-{kind}-to-{user.pk}", round_, kind, user)
        for round_ in rounds
        if (kind := _closing_kind(round_, now))
        for user in followers.get(round_.consultation_id, [])
    ]
    used = _used([key for key, *_rest in planned])
    sent = 0
    for key, round_, kind, user in planned:
        if key in used:
            continue
        consultation = round_.consultation
        values = {
            "consultation": consultation.title[:80],
            "date": moment_text(round_.closes_at),
        }
        if kind == "1d":
            subject = _("[%(consultation)s] Last day to comment: the round closes %(date)s")
        else:
            subject = _("[%(consultation)s] The round closes in a week: %(date)s")
        sent += send_reminder(
            key=key,
            user=user,
            kind=Kind.ROUND_CLOSING,
            subject=subject % values,
            text=render_to_string(
                "reminders/email/round_closing.txt",
                {
                    "consultation": consultation,
                    "round": round_,
                    "last_day": kind == "1d",
                    "closes": values["date"],
                    "link": settings.SITE_URL + reverse("consultation", args=[consultation.slug]),
                },
            ),
        )
    return sent


def _day_bounds(day) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def reply_digest_send(*, public: Q, now=None) -> int:
    """Mail each participant the replies others wrote to their comments yesterday.

    "Yesterday" is the previous local day (``PLENARY_TIME_ZONE``): each
    digest covers one whole day, so consecutive daily runs cover every reply
    exactly once, and the key ``reply-digest-<person>-<day>`` makes a re-run
    send nothing.  Only replies anyone may read are listed (``public``:
    ``comments.permissions.public_q()``, which consult, below comments, is
    handed by its task) and only for people with ``mail_reply_digest`` on.
    Returns the number of mails sent.
    """
    now = now or timezone.now()
    day = timezone.localdate(now) - timedelta(days=1)
    start, end = _day_bounds(day)
    replies = (
        Comment.objects.filter(
            public,
            parent__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
            consultation__status=Consultation.Status.PUBLISHED,
            parent__author__mail_reply_digest=True,
            parent__author__is_active=True,
        )
        .exclude(author_id=F("parent__author_id"))
        .exclude(parent__author__email="")
        .select_related("parent__author", "author__participant", "consultation", "section")
        .order_by("parent__author_id", "consultation_id", "created_at", "pk")
    )
    by_person: dict[int, list[Comment]] = {}
    people = {}
    for reply in replies:
        person = reply.parent.author  # type: ignore[union-attr]  # replies: filtered on a parent
        people[person.pk] = person
        by_person.setdefault(person.pk, []).append(reply)
    keys = {pk: f"reply-digest-{pk}-{day.isoformat()}" for pk in by_person}
    used = _used(list(keys.values()))
    sent = 0
    for pk, own in by_person.items():
        if keys[pk] in used:
            continue
        items = [
            {
                "reply": reply,
                "author": getattr(getattr(reply.author, "participant", None), "display_name", ""),
                "link": settings.SITE_URL + reverse("receipt", args=[reply.receipt]),
            }
            for reply in own
        ]
        subject = _("Replies to your comments on %(day)s: %(n)d") % {
            "day": formats.date_format(day, "j F Y"),
            "n": len(own),
        }
        sent += send_reminder(
            key=keys[pk],
            user=people[pk],
            kind=Kind.REPLY_DIGEST,
            subject=subject,
            text=render_to_string("reminders/email/reply_digest.txt", {"items": items, "day": day}),
        )
    return sent
