"""The process evaluation's reads: who is invited, whether someone answered, and the
results by stakeholder group (written by ``feedback.evaluation.services``; who took
part and whether the consultation has closed are facts the rules read, in
``feedback.permissions``).

The results (``evaluation_results``) are read by stakeholder group in one
GROUP BY query, plus one for the distribution, one for the free text and one
for the number invited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.models import Consultation
from feedback import permissions
from feedback.models import EvaluationResponse
from plenary.outbox.models import MailDelivery
from stakeholders.accounts.unsubscribe import Kind, reachable

QUESTIONS = ("clarity", "safety", "feedback")
QUESTION_LABELS = {
    "clarity": gettext_lazy("The process was clear"),
    "safety": gettext_lazy("I felt safe to speak"),
    "feedback": gettext_lazy("I got feedback on my input"),
}
SCALE = (1, 2, 3, 4, 5)


def invitees_of(*, consultation: Consultation) -> QuerySet:
    """The participants to invite: active, not erased, confirmed address, not opted out."""
    return reachable(
        permissions.participants_of(consultation=consultation), Kind.EVALUATION
    ).order_by("pk")


def already_answered(*, user, consultation: Consultation) -> bool:
    return EvaluationResponse.objects.filter(consultation=consultation, respondent=user).exists()


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
            means={name: row[f"{name}_mean"] for name in QUESTIONS},  # type: ignore[literal-required]  # the *_mean annotations above
        )
        for row in by_group
    ]
    total = sum(group.count for group in groups)
    overall = {
        # A group's means are None only for a group of no responses, which has no row.
        name: (sum(group.means[name] * group.count for group in groups) / total if total else None)  # type: ignore[operator,misc]
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
