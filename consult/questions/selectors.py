"""Reads of a round's questions (the answers and tallies are comments' reads)."""

from django.db.models import Prefetch

from consult.models import Question, QuestionChoice, Round


def questions_of(*, round_: Round):
    """The round's questions in order, with their choices: two queries."""
    return (
        Question.objects.filter(round=round_)
        .order_by("ordinal")
        .prefetch_related(Prefetch("choices", queryset=QuestionChoice.objects.order_by("ordinal")))
    )
