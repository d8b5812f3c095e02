"""Questions (a survey) in a round: the secretariat's services, the participants'
answers, and the tallies.

Rules (docs/QUALITY.md, design notes, "Questions and other channels"):

- The secretariat (``run_consultation``) adds, edits, reorders and deletes
  questions and their choices until the round closes and as long as nobody
  has answered: once one answer (a choice, a scale value or a free-text
  comment) exists, the questions are frozen, so no answer ever changes meaning.
- ``answers_submit`` validates the whole form first (required, the choice
  belongs to the question, the scale value within its bounds, the free text a
  comment could hold) and writes nothing unless all of it is valid.
- Choice and scale answers are replaced by a new submission (the latest form
  is the participant's answer).  A free-text answer is a comment (receipt,
  disposition, ledger), so it is never replaced: a different text sent later
  is a new comment; the same text sent again is not stored twice.
- Questions and answers are addressed by ordinal (question 1, choice 2) in
  forms and in the API: stable, readable, and no database ids in URLs.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult import permissions
from consult.models import Answer, Question, QuestionChoice, Round
from plenary import site_data

QUESTION_MAX_CHARS = 2000
MAX_CHOICES = 30
CHOICE_MAX_CHARS = 200  # QuestionChoice.label's max_length
SCALE_MAX_STEPS = 11
CHOICE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTIPLE)


def field_name(question: Question) -> str:
    """The form field (and error key) of a question: ``q<ordinal>``."""
    return f"q{question.ordinal}"


def _has_answers(round_: Round) -> bool:
    return (
        Answer.objects.filter(question__round=round_).exists()
        or Comment.objects.filter(question__round=round_).exists()
    )


def _require_editable(actor, round_: Round) -> None:
    permissions.require_can_run(actor, round_.consultation)
    if round_.closes_at <= timezone.now():
        raise ValidationError({"round": _("This round has closed: its questions are final.")})
    if _has_answers(round_):
        raise ValidationError(
            {
                "round": _(
                    "Participants have answered these questions already: they can no longer "
                    "be changed, or every earlier answer would change meaning."
                )
            }
        )


def _clean_choices(kind: str, choices: list[str]) -> list[str]:
    labels = [label.strip() for label in choices if label and label.strip()]
    if kind in CHOICE_KINDS:
        if len(labels) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})
        if len(labels) > MAX_CHOICES:
            raise ValidationError({"choices": _("At most %(n)d choices.") % {"n": MAX_CHOICES}})
        if len({label.casefold() for label in labels}) != len(labels):
            raise ValidationError({"choices": _("Two choices have the same label.")})
        if any(len(label) > 200 for label in labels):
            raise ValidationError({"choices": _("A choice can be at most 200 characters long.")})
    elif labels:
        raise ValidationError(
            {"choices": _("Only single and multiple choice questions have choices.")}
        )
    return labels


def _clean_question(
    *, text: str, kind: str, scale_min: int, scale_max: int, choices: list[str]
) -> list[str]:
    errors: dict[str, str] = {}
    if kind not in Question.Kind.values:
        errors["kind"] = _("Choose the kind of question.")
    if not text or not text.strip():
        errors["text"] = _("Write the question.")
    elif len(text) > QUESTION_MAX_CHARS:
        errors["text"] = _("A question can be at most %(n)d characters long.") % {
            "n": QUESTION_MAX_CHARS
        }
    if kind == Question.Kind.SCALE and not (
        scale_min < scale_max and scale_max - scale_min < SCALE_MAX_STEPS
    ):
        errors["scale_max"] = _(
            "The scale goes from a lower to a higher number, at most %(n)d steps."
        ) % {"n": SCALE_MAX_STEPS}
    if errors:
        raise ValidationError(errors)
    return _clean_choices(kind, choices)


def _clean_choice_translations(labels: list[str], given: dict[str, list[str]] | None) -> list[dict]:
    """Each choice's ``translations`` (plenary.site_data) from one list of lines per
    language: as many lines as choices (blank ones left untranslated), or none."""
    per_choice: list[dict] = [{} for _label in labels]
    errors: dict[str, str] = {}
    for code in site_data.translation_languages():
        lines = [" ".join(line.split()) for line in (given or {}).get(code, [])]
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            continue
        if len(lines) != len(labels):
            errors[f"choices_{code}"] = _(
                "Give one line per choice, in the same order: %(n)d choices, %(m)d lines."
            ) % {"n": len(labels), "m": len(lines)}
            continue
        too_long = [line for line in lines if len(line) > CHOICE_MAX_CHARS]
        if too_long:
            errors[f"choices_{code}"] = _("A choice can be at most 200 characters long.")
            continue
        for translations, line in zip(per_choice, lines, strict=True):
            if line:
                translations[code] = {"label": line}
    if errors:
        raise ValidationError(errors)
    return per_choice


def _write_choices(question: Question, labels: list[str], translations: list[dict]) -> None:
    QuestionChoice.objects.bulk_create(
        QuestionChoice(question=question, ordinal=n, label=label, translations=translated)
        for n, (label, translated) in enumerate(zip(labels, translations, strict=True), start=1)
    )


@transaction.atomic
def question_create(
    *,
    actor,
    round_: Round,
    text: str,
    kind: str,
    help_text: str = "",
    required: bool = False,
    scale_min: int = 1,
    scale_max: int = 5,
    scale_min_label: str = "",
    scale_max_label: str = "",
    choices: list[str] | tuple[str, ...] = (),
    choice_translations: dict[str, list[str]] | None = None,
) -> Question:
    """Add a question at the end of the round's list (choices: labels, in order)."""
    _require_editable(actor, round_)
    labels = _clean_question(
        text=text, kind=kind, scale_min=scale_min, scale_max=scale_max, choices=list(choices)
    )
    translations = _clean_choice_translations(labels, choice_translations)
    Round.objects.select_for_update().filter(pk=round_.pk).first()  # serialise ordinals
    last = round_.questions.aggregate(n=Max("ordinal"))["n"] or 0
    question = Question(
        round=round_,
        ordinal=last + 1,
        text=text.strip(),
        help_text=help_text.strip(),
        kind=kind,
        required=required,
        scale_min=scale_min,
        scale_max=scale_max,
        scale_min_label=scale_min_label.strip(),
        scale_max_label=scale_max_label.strip(),
    )
    question.full_clean()
    question.save()
    _write_choices(question, labels, translations)
    return question


@transaction.atomic
def question_update(
    *,
    actor,
    question: Question,
    text: str,
    kind: str,
    help_text: str = "",
    required: bool = False,
    scale_min: int = 1,
    scale_max: int = 5,
    scale_min_label: str = "",
    scale_max_label: str = "",
    choices: list[str] | tuple[str, ...] = (),
    choice_translations: dict[str, list[str]] | None = None,
) -> Question:
    """Change a question; its choices are replaced by ``choices`` (nobody answered yet)."""
    _require_editable(actor, question.round)
    labels = _clean_question(
        text=text, kind=kind, scale_min=scale_min, scale_max=scale_max, choices=list(choices)
    )
    translations = _clean_choice_translations(labels, choice_translations)
    question.text = text.strip()
    question.help_text = help_text.strip()
    question.kind = kind
    question.required = required
    question.scale_min, question.scale_max = scale_min, scale_max
    question.scale_min_label = scale_min_label.strip()
    question.scale_max_label = scale_max_label.strip()
    question.full_clean()
    question.save()
    question.choices.all().delete()
    _write_choices(question, labels, translations)
    return question


def _renumber(round_: Round, ordered: list[int]) -> None:
    """Give the questions ``ordered`` (pks) the ordinals 1..n, without ever
    breaking the (round, ordinal) unique constraint on the way."""
    offset = len(ordered) + 1000
    Question.objects.filter(round=round_).update(ordinal=F("ordinal") + offset)
    for n, pk in enumerate(ordered, start=1):
        Question.objects.filter(pk=pk).update(ordinal=n)


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    """Remove a question and its choices; the others close the gap."""
    round_ = question.round
    _require_editable(actor, round_)
    question.choices.all().delete()
    question.delete()
    _renumber(round_, list(round_.questions.order_by("ordinal").values_list("pk", flat=True)))


@transaction.atomic
def question_move(*, actor, question: Question, up: bool) -> None:
    """Swap a question with the one before (``up``) or after it."""
    round_ = question.round
    _require_editable(actor, round_)
    ordered = list(round_.questions.order_by("ordinal").values_list("pk", flat=True))
    at = ordered.index(question.pk)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(ordered):
        raise ValidationError(
            {"question": _("This question is already first.") if up else _("It is already last.")}
        )
    ordered[at], ordered[other] = ordered[other], ordered[at]
    _renumber(round_, ordered)
