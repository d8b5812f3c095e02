"""The process's own evaluation: the invitation, the answer, and the results.

When the *last* round of a published consultation has closed, the hourly beat
job ``evaluation_invite_due`` stamps ``Consultation.evaluation_invited_at``
(under ``select_for_update(skip_locked=True)``, so two schedulers never both
take one consultation) and, in the same transaction, enqueues one outbox
message per participant; each becomes one mail through
``plenary.unsubscribe.send_reminder`` keyed ``evaluation-invite:<c>:<user>``.
The stamp makes the job run once per consultation; the key makes each mail
go out once even if a message is relayed twice.

A *participant* is anyone who wrote a comment in the consultation themself
(comments entered by staff from letters or meetings are the staff member's
account, so they are left out) or answered one of its questions.  Invited are
the participants whose account is active, not erased, with a confirmed
address and ``mail_evaluation`` on (the opt-out, also honoured at sending
time and by the one-click unsubscribe kind ``evaluation``).

``evaluation_submit`` records one answer per participant (the unique
constraint backs the check); the results (``evaluation_results``) are read by
stakeholder group in one GROUP BY query, plus one for the distribution, one
for the free text and one for the number invited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.models import Comment
from consult.models import Answer, Consultation
from consult.selectors import forget_consultation
from plenary.outbox import services as outbox
from plenary.outbox.models import MailDelivery
from plenary.unsubscribe import Kind, reachable, send_reminder

from . import permissions
from .models import EvaluationResponse

COMMENTS_MAX = 5000
QUESTIONS = ("clarity", "safety", "feedback")
QUESTION_LABELS = {
    "clarity": gettext_lazy("The process was clear"),
    "safety": gettext_lazy("I felt safe to speak"),
    "feedback": gettext_lazy("I got feedback on my input"),
}
SCALE = (1, 2, 3, 4, 5)


def invite_key(*, consultation_id: int, user_id: int) -> str:
    return f"evaluation-invite:{consultation_id}:{user_id}"


# --- who --------------------------------------------------------------------------


def participants_of(*, consultation: Consultation) -> QuerySet:
    """Everyone who commented (themself) or answered a question in ``consultation``."""
    user_model = get_user_model()
    commented = Comment.objects.filter(
        consultation=consultation, author=OuterRef("pk"), entered_by__isnull=True
    )
    answered = Answer.objects.filter(
        question__round__consultation=consultation, respondent=OuterRef("pk")
    )
    return user_model.objects.filter(Q(Exists(commented)) | Q(Exists(answered)))


def invitees_of(*, consultation: Consultation) -> QuerySet:
    """The participants to invite: active, not erased, confirmed address, not opted out."""
    return reachable(participants_of(consultation=consultation), Kind.EVALUATION).order_by("pk")


def is_participant(user, consultation: Consultation) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return participants_of(consultation=consultation).filter(pk=user.pk).exists()


def last_close(*, consultation: Consultation):
    """When the consultation's last round closes (None without rounds)."""
    return consultation.rounds.aggregate(last=Max("closes_at"))["last"]


def is_closed(*, consultation: Consultation, now=None) -> bool:
    closes = last_close(consultation=consultation)
    return closes is not None and closes <= (now or timezone.now())


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
            if not is_closed(consultation=consultation, now=now):
                continue
            Consultation.objects.filter(pk=consultation.pk).update(evaluation_invited_at=now)
            forget_consultation(slug=consultation.slug)  # update() sends no post_save
            for user_id in invitees_of(consultation=consultation).values_list("pk", flat=True):
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


def require_participant(user, consultation: Consultation) -> None:
    """PermissionDenied unless ``user`` took part in ``consultation`` (the page's guard)."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to evaluate the consultation."))
    if not is_participant(user, consultation):
        raise PermissionDenied(
            _("Only people who took part in this consultation are asked to evaluate it.")
        )


def require_can_evaluate(user, consultation: Consultation, *, now=None) -> None:
    """PermissionDenied unless ``user`` took part; ValidationError before the close."""
    require_participant(user, consultation)
    if not is_closed(consultation=consultation, now=now):
        raise ValidationError(
            {"consultation": _("The evaluation opens when the consultation's last round closes.")}
        )


def already_answered(*, user, consultation: Consultation) -> bool:
    return EvaluationResponse.objects.filter(consultation=consultation, respondent=user).exists()


def _score(value, name: str, errors: dict) -> int | None:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score not in SCALE:
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
    require_can_evaluate(actor, consultation, now=now)
    if already_answered(user=actor, consultation=consultation):
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


# --- the results --------------------------------------------------------------------


@dataclass
class GroupResult:
    label: str
    count: int
    means: dict[str, float | None]


@dataclass
class EvaluationResults:
    invited: int
    responses: int
    groups: list[GroupResult]
    overall: dict[str, float | None]
    # question -> [count for score 1..5]
    distribution: dict[str, list[int]] = field(default_factory=dict)
    free_text: list[EvaluationResponse] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        """Responses per invitation, as a percentage; None when nobody was invited."""
        if not self.invited:
            return None
        return 100.0 * self.responses / self.invited

    @property
    def questions(self) -> list[dict]:
        return [
            {
                "name": name,
                "label": QUESTION_LABELS[name],
                "mean": self.overall.get(name),
                "distribution": list(zip(SCALE, self.distribution.get(name, []), strict=False)),
            }
            for name in QUESTIONS
        ]


def evaluation_results(*, consultation: Consultation, free_text: bool = False) -> EvaluationResults:
    """Counts and means by stakeholder group, the distribution, the number invited.

    Four queries at most whatever the number of answers: by group (one GROUP
    BY), the distribution (one aggregate), the invitations sent, and with
    ``free_text`` the written answers (for the secretariat only: the report
    never prints them).
    """
    responses = EvaluationResponse.objects.filter(consultation=consultation)
    by_group = (
        responses.values("group_id", "group__name", "group__ordinal")
        .annotate(
            n=Count("pk"),
            clarity_mean=Avg("clarity"),
            safety_mean=Avg("safety"),
            feedback_mean=Avg("feedback"),
        )
        .order_by("group__ordinal", "group__name")
    )
    groups = [
        GroupResult(
            label=row["group__name"] or str(_("No stakeholder group")),
            count=row["n"],
            means={name: row[f"{name}_mean"] for name in QUESTIONS},
        )
        for row in by_group
    ]
    total = sum(group.count for group in groups)
    overall = {
        name: (sum(group.means[name] * group.count for group in groups) / total if total else None)
        for name in QUESTIONS
    }
    distribution: dict[str, list[int]] = {name: [0] * len(SCALE) for name in QUESTIONS}
    if total:
        counts = responses.aggregate(
            **{
                f"{name}_{score}": Count("pk", filter=Q(**{name: score}))
                for name in QUESTIONS
                for score in SCALE
            }
        )
        distribution = {name: [counts[f"{name}_{score}"] for score in SCALE] for name in QUESTIONS}
    invited = MailDelivery.objects.filter(
        key__startswith=f"evaluation-invite:{consultation.pk}:"
    ).count()
    texts: list[EvaluationResponse] = []
    if free_text and total:
        texts = list(
            responses.exclude(comments="")
            .select_related("group")
            .only("comments", "created_at", "group", "group__name")
            .order_by("created_at", "pk")
        )
    return EvaluationResults(
        invited=invited,
        responses=total,
        groups=groups,
        overall=overall,
        distribution=distribution,
        free_text=texts,
    )


def evaluation_results_for(*, actor, consultation: Consultation) -> EvaluationResults:
    """The full results, free text included, for the secretariat and analysts."""
    permissions.require_can_see_evaluation(actor, consultation)
    return evaluation_results(consultation=consultation, free_text=True)
