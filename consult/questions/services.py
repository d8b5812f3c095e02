"""Questions (a survey) in a round: the secretariat's services, the participants'
answers, and the tallies.

Rules (docs/ARCHITECTURE.md, "Questions and other channels"):

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

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.models import Comment
from comments.threads import services as comment_services
from consult import permissions
from consult.charter import services as charter
from consult.consultations.selectors import round_current
from consult.models import Answer, Question, QuestionChoice, Round
from plenary import ratelimit

QUESTION_MAX_CHARS = 2000
MAX_CHOICES = 30
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


def _write_choices(question: Question, labels: list[str]) -> None:
    QuestionChoice.objects.bulk_create(
        QuestionChoice(question=question, ordinal=n, label=label)
        for n, label in enumerate(labels, start=1)
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
) -> Question:
    """Add a question at the end of the round's list (choices: labels, in order)."""
    _require_editable(actor, round_)
    labels = _clean_question(
        text=text, kind=kind, scale_min=scale_min, scale_max=scale_max, choices=list(choices)
    )
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
    _write_choices(question, labels)
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
) -> Question:
    """Change a question; its choices are replaced by ``choices`` (nobody answered yet)."""
    _require_editable(actor, question.round)
    labels = _clean_question(
        text=text, kind=kind, scale_min=scale_min, scale_max=scale_max, choices=list(choices)
    )
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
    _write_choices(question, labels)
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


# --- answers ----------------------------------------------------------------------


def questions_of(*, round_: Round):
    """The round's questions in order, with their choices: two queries."""
    return (
        Question.objects.filter(round=round_)
        .order_by("ordinal")
        .prefetch_related(Prefetch("choices", queryset=QuestionChoice.objects.order_by("ordinal")))
    )


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v not in (None, "")]
    return [value]


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class _Plan:
    """What a valid submission will write."""

    answers: list[Answer] = field(default_factory=list)
    texts: list[tuple[Question, str]] = field(default_factory=list)


def _plan(actor, questions: list[Question], answers: dict, earlier_texts: dict) -> _Plan:
    """Validate every answer; raise one ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    plan = _Plan()
    for question in questions:
        key = field_name(question)
        value = _value(answers, question)
        if question.kind == Question.Kind.FREE_TEXT:
            body = value if isinstance(value, str) else ""
            if not body.strip():
                if question.required and question.pk not in earlier_texts:
                    errors[key] = _("This question needs an answer.")
                continue
            try:
                comment_services._validate_body(body)
            except ValidationError as exc:
                errors[key] = exc.message_dict["body"][0]
                continue
            if earlier_texts.get(question.pk) != body:  # the same text again is not stored twice
                plan.texts.append((question, body))
            continue
        values = _as_list(value)
        if not values:
            if question.required:
                errors[key] = _("This question needs an answer.")
            continue
        if question.kind == Question.Kind.SCALE:
            number = _as_int(values[0]) if len(values) == 1 else None
            if number is None or not question.scale_min <= number <= question.scale_max:
                errors[key] = _("Choose a value from %(low)d to %(high)d.") % {
                    "low": question.scale_min,
                    "high": question.scale_max,
                }
                continue
            plan.answers.append(Answer(question=question, respondent=actor, scale_value=number))
            continue
        by_ordinal = {choice.ordinal: choice for choice in question.choices.all()}
        chosen = [by_ordinal.get(_as_int(v)) for v in values]  # type: ignore[arg-type]
        if any(choice is None for choice in chosen):
            errors[key] = _("Choose among the options given.")
            continue
        if question.kind == Question.Kind.SINGLE and len(chosen) > 1:
            errors[key] = _("Choose one option only.")
            continue
        unique = {choice.pk: choice for choice in chosen if choice}
        plan.answers.extend(
            Answer(question=question, respondent=actor, choice=choice) for choice in unique.values()
        )
    unknown = {str(k) for k in answers} - {
        str(x) for q in questions for x in (field_name(q), q.ordinal)
    }
    if unknown:
        errors["answers"] = _("This round has no question %(keys)s.") % {
            "keys": ", ".join(sorted(unknown))
        }
    if errors:
        raise ValidationError(errors)
    return plan


def _value(answers: dict, question: Question):
    """The answer to ``question`` in ``answers``, keyed ``q<n>``, ``"<n>"`` or ``<n>``."""
    for key in (field_name(question), str(question.ordinal), question.ordinal):
        if key in answers:
            return answers[key]
    return None


def has_text(questions: list[Question], answers: dict) -> bool:
    """Whether ``answers`` would write a comment (for the comment rate limit)."""
    return any(
        isinstance(value, str) and value.strip()
        for value in (_value(answers, q) for q in questions if q.kind == Question.Kind.FREE_TEXT)
    )


def latest_texts(*, actor, round_: Round) -> dict[int, str]:
    """The text of the participant's latest free-text answer per question (one query)."""
    if not actor.is_authenticated:
        return {}
    rows = Comment.objects.filter(
        question__round=round_, author=actor, entered_by__isnull=True, withdrawn_at__isnull=True
    ).order_by("created_at", "pk")
    # Oldest first: the latest text per question wins in the dict.
    return dict(rows.values_list("question_id", "body"))


@transaction.atomic
def answers_submit(
    *,
    actor,
    round_: Round,
    answers: dict,
    accept_code_of_conduct: bool = False,
    files: dict | None = None,
    rate_key: ratelimit.RateKey | None = None,
) -> list[Comment]:
    """Record a participant's answers to the open round's questions, all or nothing.

    ``answers`` maps ``q<ordinal>`` (or the ordinal) to: a choice ordinal
    (single), a list of choice ordinals (multiple), a number (scale), or text
    (free text).  Returns the comments written for free-text answers.
    Refuses (ValidationError naming each field ``q<n>``) a required question
    left blank, a choice not offered, a scale value out of bounds, text a
    comment could not hold; the round not being the open one (``round``); and,
    before a participant's first contribution, the code of conduct not
    accepted (``accept_code_of_conduct``, as ``comment_create``).

    ``files`` maps ``q<ordinal>`` of a free-text question to uploaded files
    (a position paper): they go with that answer's comment, checked like any
    attachment (comments/attachments/services.py).  Files without a new written
    answer to carry them are refused, not dropped.

    Written answers are comments: with ``rate_key`` (who is asking, as for
    ``comment_create``) a submission that writes text counts once against the
    comment rate limit, first, refused or not; over it, RateLimited and
    nothing is written.  Choices alone are not counted.
    """
    consultation = round_.consultation
    questions = list(questions_of(round_=round_))
    if rate_key is not None and isinstance(answers, dict) and has_text(questions, answers):
        ratelimit.count_attempt("comment", rate_key)
    standing = comment_permissions.require_can_comment(actor, consultation)
    current = round_current(consultation=consultation)
    if current is None or current.pk != round_.pk or not round_.is_open():
        raise ValidationError({"round": _("This round is not open: answers are closed.")})
    if not questions:
        raise ValidationError({"answers": _("This round asks no questions.")})
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Send the answers as an object.")})
    plan = _plan(actor, questions, answers, latest_texts(actor=actor, round_=round_))
    files = {str(name): list(chosen) for name, chosen in (files or {}).items() if chosen}
    carried = {field_name(question) for question, _body in plan.texts}
    orphans = {name: files[name] for name in files if name not in carried}
    if orphans:
        raise ValidationError(
            {
                name: _(
                    "Files go with a written answer: write the answer they belong to "
                    "(or change it, if you sent this text before)."
                )
                for name in orphans
            }
        )
    # Answering is taking part: the code of conduct first, as for a comment
    # (consult/charter/services.py).
    charter.charter_require(
        actor=actor,
        consultation=consultation,
        accept=accept_code_of_conduct,
        accepted=standing.charter_accepted,
    )
    # Replace the earlier choice and scale answers to this round: the latest form wins.
    Answer.objects.filter(question__round=round_, respondent=actor).delete()
    Answer.objects.bulk_create(plan.answers)
    written = []
    for question, body in plan.texts:
        try:
            written.append(
                comment_services.comment_create(
                    actor=actor,
                    consultation=consultation,
                    body=body,
                    question=question,
                    accept_code_of_conduct=True,  # accepted above
                    attachments=files.get(field_name(question), ()),
                    # No rate_key: the submission counted once, above.
                )
            )
        except ValidationError as exc:  # e.g. a rule another part adds (charter, limits)
            raise ValidationError(
                {field_name(question): [m for ms in exc.message_dict.values() for m in ms]}
            ) from exc
    return written


def answers_of(*, actor, round_: Round) -> dict[str, object]:
    """The participant's current choice and scale answers, as form initial data."""
    if not actor.is_authenticated:
        return {}
    current: dict[str, object] = {}
    rows = Answer.objects.filter(question__round=round_, respondent=actor).values_list(
        "question__ordinal", "question__kind", "choice__ordinal", "scale_value"
    )
    for ordinal, kind, choice, scale in rows:
        key = f"q{ordinal}"
        if kind == Question.Kind.MULTIPLE:
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
        Comment.objects.filter(Comment.public_q(), question__round=round_)
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
                (choice.label, counts.get((question.pk, choice.pk, None), 0))
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
