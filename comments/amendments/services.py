"""Amendments: a comment that proposes new wording for one passage of its section (issue 24).

Not doors: ``comments.threads.services.comment_create`` and ``comment_edit`` are,
and call these inside their transaction.  ``amendment_check`` validates and
writes nothing; ``amendment_write`` and ``amendment_change`` write what it
checked.  The passage's rule (it occurs exactly once in the section's plain
text) is ``comments.amendments.quote.locate``.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comments.amendments.quote import REPLACEMENT_MAX_CHARS, fold, locate_in, rendered_text
from comments.models import Amendment, Comment
from consult.models import Question, Section
from plenary.text import control_character, control_character_message


@dataclass(frozen=True)
class CheckedAmendment:
    """A proposed change that passed ``amendment_check``: the quote and wording as
    sent, and the passage's plain-text offsets in the section."""

    quote: str
    replacement: str
    start: int
    end: int


def _text_field(amendment: dict, name: str) -> str:
    value = amendment.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({"amendment": _("The proposed change must be text.")})
    return value


def amendment_check(
    *,
    amendment: dict,
    section: Section | None,
    parent: Comment | None = None,
    question: Question | None = None,
) -> CheckedAmendment:
    """Check a proposed change ``{"quote", "replacement"}`` on ``section``.

    An amendment is a top-level comment on a section: not a reply, not an
    answer to a question, not on the whole draft.  The quote must occur
    exactly once in the section's plain text (``locate``); the replacement may
    be empty (a proposal to delete the passage), is at most
    ``REPLACEMENT_MAX_CHARS`` and must differ from the passage.  Every refusal
    is a ValidationError on ``amendment``; nothing is written.
    """
    if not isinstance(amendment, dict):
        raise ValidationError(
            {"amendment": _("Give the passage to change and the wording you propose.")}
        )
    if section is None or parent is not None or question is not None:
        raise ValidationError(
            {
                "amendment": _(
                    "New wording can be proposed only in a comment on a paragraph, "
                    "not in a reply or an answer to a question."
                )
            }
        )
    quote = _text_field(amendment, "quote")
    replacement = _text_field(amendment, "replacement")
    for text in (quote, replacement):
        if "\x00" in text:
            raise ValidationError(
                {"amendment": _("The text contains a NUL character, which cannot be stored.")}
            )
        character = control_character(text)
        if character is not None:
            raise ValidationError({"amendment": control_character_message(character)})
    if len(replacement) > REPLACEMENT_MAX_CHARS:
        raise ValidationError(
            {
                "amendment": _("The proposed wording is too long (at most %(max)d characters).")
                % {"max": REPLACEMENT_MAX_CHARS}
            }
        )
    # The section rendered once, and no map to its source: only its text is compared.
    text = rendered_text(section.body)
    start, end = locate_in(text, quote)
    passage = text[start:end]
    if fold(replacement) in (fold(quote), passage):
        raise ValidationError(
            {
                "amendment": _(
                    "The proposed wording is the same as the passage: change it, or "
                    "write an ordinary comment."
                )
            }
        )
    return CheckedAmendment(quote=quote, replacement=replacement, start=start, end=end)


def amendment_write(*, comment: Comment, checked: CheckedAmendment) -> Amendment:
    """The ``Amendment`` row of a comment just written (inside its transaction)."""
    return Amendment.objects.create(
        comment=comment,
        quote=checked.quote,
        replacement=checked.replacement,
        start=checked.start,
        end=checked.end,
    )


def amendment_change(*, amendment: Amendment, checked: CheckedAmendment) -> Amendment:
    """An edit's new quote and wording (the comment's revisions keep the earlier ones)."""
    amendment.quote = checked.quote
    amendment.replacement = checked.replacement
    amendment.start = checked.start
    amendment.end = checked.end
    amendment.save(update_fields=["quote", "replacement", "start", "end"])
    return amendment


def searchable_body(body: str, amendment: Amendment | CheckedAmendment | None) -> str:
    """The text search reads for a comment's own words: its body, and an amendment's
    passage and proposed wording (``Comment.search_text`` adds attachments' text)."""
    if amendment is None:
        return body
    return "\n\n".join(part for part in (body, amendment.quote, amendment.replacement) if part)
