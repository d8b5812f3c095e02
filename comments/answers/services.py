"""Answering a round's questions: choice and scale answers replace the
participant's earlier ones; a written answer is a comment (receipt, ledger).

The rules are in ``consult.questions.services``' docstring; questions are
defined there, answers are input and live here.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.answers.selectors import latest_texts
from comments.models import Comment
from comments.threads import services as comment_services
from consult.charter import services as charter
from consult.consultations.selectors import round_current
from consult.models import Answer, Question, Round
from consult.questions.selectors import questions_of
from consult.questions.services import field_name
from plenary import ratelimit


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
                comment_services.validate_body(body)
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
                    network=rate_key.ip if rate_key is not None else None,
                )
            )
        except ValidationError as exc:  # e.g. a rule another part adds (charter, limits)
            raise ValidationError(
                {field_name(question): [m for ms in exc.message_dict.values() for m in ms]}
            ) from exc
    return written
