"""Reads of answers: a participant's own, and the round's tallies."""

from dataclasses import dataclass

from django.db.models import Count

from comments import permissions
from comments.models import Comment
from consult.models import Answer, Question, Round
from consult.questions.selectors import questions_of
from consult.questions.services import CHOICE_KINDS


def answers_of(*, actor, round_: Round) -> dict[str, str | list[str]]:
    """The participant's current choice and scale answers, as form initial data."""
    if not actor.is_authenticated:
        return {}
    current: dict[str, str | list[str]] = {}
    rows = Answer.objects.filter(question__round=round_, respondent=actor).values_list(
        "question__ordinal", "question__kind", "choice__ordinal", "scale_value"
    )
    for ordinal, kind, choice, scale in rows:
        key = f"q{ordinal}"
        if kind == Question.Kind.MULTIPLE:
            # A multiple-choice question's key only ever holds a list.
            current.setdefault(key, []).append(str(choice))  # type: ignore[union-attr]
        elif kind == Question.Kind.SINGLE:
            current[key] = str(choice)
        else:
            current[key] = str(scale)
    return current


# --- tallies ----------------------------------------------------------------------


@dataclass
class Tally:
    """A question with its counts: ``options`` is [(label, count)] in order; ``total``
    is their sum (for a multiple-choice question, choices ticked, not people)."""

    question: Question
    options: list[tuple[str, int]]
    total: int
    free_text_answers: int = 0


def round_tallies(*, round_: Round, asked: list[Question] | None = None) -> list[Tally]:
    """Every question of the round with its counts: four queries whatever the numbers
    (the questions, their choices, one aggregate over every answer of the round,
    one count of the public free-text answers); two when the caller passes the
    round's questions it already read with ``questions_of`` as ``asked``."""
    questions = list(questions_of(round_=round_)) if asked is None else asked
    if not questions:
        return []
    counts = {
        (question_id, choice_id, scale): n
        for question_id, choice_id, scale, n in (
            Answer.objects.filter(question__round=round_)
            .values_list("question_id", "choice_id", "scale_value")
            .annotate(n=Count("id"))
            .order_by()
        )
    }
    free = dict(
        Comment.objects.filter(permissions.public_q(), question__round=round_)
        .values_list("question_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    tallies = []
    for question in questions:
        if question.kind == Question.Kind.SCALE:
            options = [
                (str(v), counts.get((question.pk, None, v), 0))
                for v in range(question.scale_min, question.scale_max + 1)
            ]
        elif question.kind in CHOICE_KINDS:
            options = [
                (choice.reader_label, counts.get((question.pk, choice.pk, None), 0))
                for choice in question.choices.all()
            ]
        else:
            options = []
        tallies.append(
            Tally(
                question=question,
                options=options,
                total=sum(n for _label, n in options),
                free_text_answers=free.get(question.pk, 0),
            )
        )
    return tallies


def latest_texts(*, actor, round_: Round) -> dict[int, str]:
    """The text of the participant's latest free-text answer per question (one query)."""
    if not actor.is_authenticated:
        return {}
    rows = Comment.objects.filter(
        question__round=round_, author=actor, entered_by__isnull=True, withdrawn_at__isnull=True
    ).order_by("created_at", "pk")
    # Oldest first: the latest text per question wins in the dict.
    return dict(rows.values_list("question_id", "body"))
