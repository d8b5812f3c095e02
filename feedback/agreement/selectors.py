"""Reads for double coding: a consultation's samples, a coding's labels, the agreement.

Agreement is computed per theme over the sample, each theme a binary label (the
comment carries it or not):

- between the two coders, Cohen's kappa (``measures.cohen_kappa``);
- between the suggester and the coders, precision, recall and F1, taking as truth
  only the comments on which **both coders agree** for that theme (present for both,
  or absent for both); comments they disagree on are left out of that theme's
  figures, since neither answer is the truth.  Micro-averaged over themes by
  summing the counts.

Shown only once both coders finished (before, there is nothing fair to compare).
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from guardian.shortcuts import get_users_with_perms

from consult.models import Consultation
from feedback.agreement import measures
from feedback.models import Coding, CodingLabel, CodingSample, Theme


def samples_of(*, consultation: Consultation) -> QuerySet[CodingSample]:
    return (
        CodingSample.objects.filter(consultation=consultation)
        .select_related("created_by")
        .prefetch_related("codings__coder")
        .order_by("-created_at", "-pk")
    )


def people_codings(*, sample: CodingSample) -> list[Coding]:
    """The two people's codings (prefetched ones when there), by id."""
    return sorted((c for c in sample.codings.all() if c.coder_id is not None), key=lambda c: c.pk)


def suggested_coding(*, sample: CodingSample) -> Coding | None:
    return next((c for c in sample.codings.all() if c.coder_id is None), None)


def all_finished(*, sample: CodingSample) -> bool:
    codings = people_codings(sample=sample)
    return bool(codings) and all(c.finished_at is not None for c in codings)


def coding_labels(*, coding: Coding) -> dict[int, set[int]]:
    """comment id → the theme ids the coding gives it."""
    labels: dict[int, set[int]] = {}
    for comment_id, theme_id in CodingLabel.objects.filter(coding=coding).values_list(
        "comment_id", "theme_id"
    ):
        labels.setdefault(comment_id, set()).add(theme_id)
    return labels


@dataclass(frozen=True)
class ThemeAgreement:
    theme: Theme
    kappa: float | None
    coders_agree: int  # comments where both coders give the same answer for the theme
    suggested: measures.Scores | None


@dataclass(frozen=True)
class Agreement:
    size: int
    themes: list[ThemeAgreement]
    suggested_micro: measures.Scores | None


def sample_agreement(*, sample: CodingSample) -> Agreement | None:
    """Kappa per theme and the suggester's scores; None until both coders finished.

    Four queries: the comment ids, the themes, the codings, their labels.
    """
    comment_ids = sorted(sample.comments.values_list("pk", flat=True))
    themes = list(Theme.objects.filter(consultation=sample.consultation_id).order_by("name"))
    codings = list(Coding.objects.filter(sample=sample))
    people = sorted((c for c in codings if c.coder_id is not None), key=lambda c: c.pk)
    if len(people) != 2 or any(c.finished_at is None for c in people):
        return None
    machine = next((c for c in codings if c.coder_id is None and c.finished_at), None)
    given: dict[int, set[tuple[int, int]]] = {c.pk: set() for c in codings}
    for coding_id, comment_id, theme_id in CodingLabel.objects.filter(
        coding__in=codings
    ).values_list("coding_id", "comment_id", "theme_id"):
        given[coding_id].add((comment_id, theme_id))
    first, second = (given[c.pk] for c in people)
    rows = []
    for theme in themes:
        a = [(i, theme.pk) in first for i in comment_ids]
        b = [(i, theme.pk) in second for i in comment_ids]
        agreed = [(i, x) for i, x, y in zip(comment_ids, a, b, strict=True) if x == y]
        suggested = None
        if machine is not None:
            suggested = measures.scores(
                [x for _, x in agreed], [(i, theme.pk) in given[machine.pk] for i, _ in agreed]
            )
        rows.append(ThemeAgreement(theme, measures.cohen_kappa(a, b), len(agreed), suggested))
    micro = (
        measures.micro(r.suggested for r in rows if r.suggested is not None)
        if machine is not None
        else None
    )
    return Agreement(size=len(comment_ids), themes=rows, suggested_micro=micro)


def latest_agreement(*, consultation: Consultation) -> Agreement | None:
    """The figures of the latest sample both coders finished (the report's method section)."""
    for sample in CodingSample.objects.filter(consultation=consultation).order_by(
        "-created_at", "-pk"
    )[:5]:
        agreement = sample_agreement(sample=sample)
        if agreement is not None:
            return agreement
    return None


def coder_candidates(*, consultation: Consultation) -> "QuerySet":
    """The people who may code a sample: the secretariat and analysts (active)."""
    users = get_users_with_perms(
        consultation,
        only_with_perms_in=["run_consultation", "analyse_consultation"],
        with_group_users=True,
    )
    return users.filter(is_active=True).order_by("email")  # type: ignore[union-attr]
