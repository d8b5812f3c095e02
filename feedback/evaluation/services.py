"""The process's own evaluation: the invitation and the answer.

When the *last* round of a published consultation has closed, the hourly beat
job ``evaluation_invite_due`` stamps ``Consultation.evaluation_invited_at``
(under ``select_for_update(skip_locked=True)``, so two schedulers never both
take one consultation) and, in the same transaction, enqueues one outbox
message per participant; each becomes one mail through
``stakeholders.accounts.unsubscribe.send_reminder`` keyed ``evaluation-invite:<c>:<user>``.
The stamp makes the job run once per consultation; the key makes each mail
go out once even if a message is relayed twice.

A *participant* is anyone who wrote a comment in the consultation themself
(comments entered by staff from letters or meetings are the staff member's
account, so they are left out) or answered one of its questions.  Invited are
the participants whose account is active, not erased, with a confirmed
address and ``mail_evaluation`` on (the opt-out, also honoured at sending
time and by the one-click unsubscribe kind ``evaluation``).

``evaluation_submit`` records one answer per participant (the unique
constraint backs the check).  The results (``evaluation_results``) and who is
invited are ``feedback.evaluation.selectors``; who took part, whether the
consultation has closed and who may answer are ``feedback.permissions``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.consultations.selectors import forget_consultation
from consult.models import Consultation
from feedback import permissions
from feedback.evaluation import selectors
from feedback.models import EvaluationResponse
from plenary.outbox import services as outbox
from stakeholders.accounts.unsubscribe import Kind, send_reminder

COMMENTS_MAX = 5000


def invite_key(*, consultation_id: int, user_id: int) -> str:
    return f"evaluation-invite:{consultation_id}:{user_id}"


# --- the invitation -----------------------------------------------------------------


def evaluation_invite_due(*, now=None) -> int:
    """Beat job: invite the participants of each consultation whose last round has closed.

    Returns the number of invitations enqueued.  Each consultation is taken
    once (its ``evaluation_invited_at`` is stamped in the same transaction as
    the outbox rows); a consultation another run holds is skipped, not waited for.
    """
    now = now or timezone.now()
    due = list(
        Consultation.objects.filter(
            status=Consultation.Status.PUBLISHED, evaluation_invited_at__isnull=True
        )
        .annotate(last_close=Max("rounds__closes_at"))
        .filter(last_close__lte=now)
        .values_list("pk", flat=True)
    )
    enqueued = 0
    for consultation_id in due:
        with transaction.atomic():
            consultation = (
                Consultation.objects.select_for_update(skip_locked=True)
                .filter(pk=consultation_id, evaluation_invited_at__isnull=True)
                .first()
            )
            if consultation is None:  # another run has it, or had it
                continue
            # A round added or extended since the query above keeps it open.
            if not permissions.is_closed(consultation=consultation, now=now):
                continue
            Consultation.objects.filter(pk=consultation.pk).update(evaluation_invited_at=now)
            forget_consultation(slug=consultation.slug)  # update() sends no post_save
            for user_id in selectors.invitees_of(consultation=consultation).values_list(
                "pk", flat=True
            ):
                outbox.enqueue(
                    "feedback.tasks.send_evaluation_invite",
                    consultation_id=consultation.pk,
                    user_id=user_id,
                )
                enqueued += 1
    return enqueued


def evaluation_invite_send(*, consultation_id: int, user_id: int) -> bool:
    """Send one invitation (the task's work): once per key, skipped if opted out since."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    user = get_user_model().objects.filter(pk=user_id, erased_at__isnull=True).first()
    if consultation is None or user is None:
        return False
    link = settings.SITE_URL + reverse("evaluation", args=[consultation.slug])
    return send_reminder(
        key=invite_key(consultation_id=consultation.pk, user_id=user.pk),
        user=user,
        kind=Kind.EVALUATION,
        subject=_("[%(consultation)s] How did the consultation go? Three questions")
        % {"consultation": consultation.title[:80]},
        text=render_to_string(
            "feedback/email/evaluation_invite.txt", {"consultation": consultation, "link": link}
        ),
    )


# --- the answer -------------------------------------------------------------------


def _score(value, name: str, errors: dict) -> int | None:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score not in selectors.SCALE:
        errors[name] = _("Choose a value from 1 to 5.")
        return None
    return score


@transaction.atomic
def evaluation_submit(
    *,
    actor,
    consultation: Consultation,
    clarity,
    safety,
    feedback,
    comments: str = "",
    now=None,
) -> EvaluationResponse:
    """Record ``actor``'s evaluation, once.  A second answer is refused and changes nothing."""
    permissions.require_can_evaluate(actor, consultation, now=now)
    if selectors.already_answered(user=actor, consultation=consultation):
        raise ValidationError({"consultation": _("You already answered. Thank you.")})
    errors: dict[str, str] = {}
    scores = {
        "clarity": _score(clarity, "clarity", errors),
        "safety": _score(safety, "safety", errors),
        "feedback": _score(feedback, "feedback", errors),
    }
    comments = comments or ""
    if len(comments) > COMMENTS_MAX:
        errors["comments"] = _("Keep it under %(n)d characters (now %(len)d).") % {
            "n": COMMENTS_MAX,
            "len": len(comments),
        }
    if errors:
        raise ValidationError(errors)
    participant = getattr(actor, "participant", None)
    response = EvaluationResponse(
        consultation=consultation,
        respondent=actor,
        group_id=getattr(participant, "group_id", None),
        comments=comments,
        **scores,
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:  # the same person answered twice at the same moment
        raise ValidationError({"consultation": _("You already answered. Thank you.")}) from exc
    return response
