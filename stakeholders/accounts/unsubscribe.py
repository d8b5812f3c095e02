"""One-click unsubscribe from reminder mails (RFC 8058), without signing in.

Every reminder (a round closing, the reply digest, the secretariat's overdue
and appeal reminders) goes through :func:`send_reminder`, which skips people
who opted out of that kind, and adds to the mail

* a link in the body to ``/unsubscribe/<token>/``: GET shows a confirmation
  page with one button; and
* the headers ``List-Unsubscribe: <that URL>`` and
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, so a mail client's
  "unsubscribe" button POSTs to the same URL (no CSRF token, no cookie: the
  signed token is the authority) and turns that one kind off.

The token is ``django.core.signing`` over (user id, kind) with its own salt:
it cannot be forged or switched to another kind or person, it does not expire
(old mails keep working, as RFC 8058 asks), and it only ever turns a reminder
*off*.  Receipts and decisions on one's own comments are owed, not
reminders: they carry no such link and cannot be turned off.
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plenary import readcache
from plenary.outbox import services as outbox

SALT = "stakeholders.accounts.unsubscribe"


class Kind:
    ROUND_CLOSING = "round_closing"
    REPLY_DIGEST = "reply_digest"
    STAFF_REMINDERS = "staff_reminders"
    OUTREACH = "outreach"  # feedback.outreach.services: opt-in invitations
    EVALUATION = "evaluation"  # feedback.evaluation.services: the invitation to evaluate, once


# kind -> the User field that switches it, and how the pages name it.
KINDS: dict[str, tuple[str, str]] = {
    Kind.ROUND_CLOSING: (
        "mail_round_closing",
        gettext_lazy("reminders before a round you follow closes"),
    ),
    Kind.REPLY_DIGEST: ("mail_reply_digest", gettext_lazy("the daily digest of replies")),
    Kind.STAFF_REMINDERS: (
        "mail_staff_reminders",
        gettext_lazy("secretariat reminders (decisions past their target, appeal deadlines)"),
    ),
    Kind.OUTREACH: (
        "mail_outreach",
        gettext_lazy("invitations to consultations that need more voices from your group"),
    ),
    Kind.EVALUATION: (
        "mail_evaluation",
        gettext_lazy("invitations to evaluate a consultation you took part in"),
    ),
}


def token_for(*, user, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown reminder kind {kind!r}")
    return signing.Signer(salt=SALT).sign(f"{user.pk}.{kind}")


def read_token(token: str) -> tuple[int, str]:
    """(user id, kind) from a token; ValidationError if it was not made by us."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
        user_id, kind = value.split(".", 1)
        if kind not in KINDS:
            raise ValueError(kind)
        return int(user_id), kind
    except (signing.BadSignature, ValueError) as exc:
        raise ValidationError(
            {"token": _("This unsubscribe link is not valid. Copy the whole link from the mail.")}
        ) from exc


def unsubscribe_url(*, user, kind: str) -> str:
    return settings.SITE_URL + reverse("unsubscribe", args=[token_for(user=user, kind=kind)])


def wants(user, kind: str) -> bool:
    return bool(user.is_active and user.email and getattr(user, KINDS[kind][0]))


def reachable(users: QuerySet, kind: str) -> QuerySet:
    """``users`` a mail of ``kind`` may go to: :func:`wants` as a filter, and only
    at a confirmed address of an active account that was not erased."""
    confirmed = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return (
        users.filter(is_active=True, erased_at__isnull=True, **{KINDS[kind][0]: True})
        .exclude(email="")
        .filter(Exists(confirmed))
    )


def send_reminder(*, key: str, user, kind: str, subject: str, text: str) -> bool:
    """``send_mail_once`` for a reminder: skipped if ``user`` opted out of ``kind``.

    Adds the unsubscribe link to the body and the RFC 8058 headers.
    """
    if not wants(user, kind):
        return False
    url = unsubscribe_url(user=user, kind=kind)
    footer = _("You get this because you asked for %(what)s. Stop them with one click: %(url)s") % {
        "what": KINDS[kind][1],
        "url": url,
    }
    return outbox.send_mail_once(
        key=key,
        to=user.email,
        subject=subject,
        text=f"{text.rstrip()}\n\n-- \n{footer}\n",
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def reminder_opt_out(*, token: str):
    """Turn off the kind of reminder named by ``token``; return (user, kind).

    Idempotent; raises ValidationError for a bad token or an unknown person.
    """
    user_id, kind = read_token(token)
    field = KINDS[kind][0]
    user_model = get_user_model()
    user = user_model.objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError({"token": _("This unsubscribe link is no longer valid.")})
    user_model.objects.filter(pk=user.pk).update(**{field: False})
    # update() sends no post_save: the API's kept user (plenary/readcache.py) is dropped here.
    readcache.forget(readcache.user_scope(user.pk))
    setattr(user, field, False)
    return user, kind
