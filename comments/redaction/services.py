"""Redaction of a passage of a published comment (issue 25): the comment side.

The door is ``feedback.redaction.services.comment_redact``, which checks the
rule and records the ledger event in the same transaction; ``redaction_write``
writes the comment's part.  ``Comment.body`` is never changed: the public
renderings (``redacted_body``, ``body_html``, ``search_text``) are recomputed
from it with every redaction's passage replaced by ``[redacted: <reason>]``.
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comments.attachments.services import search_text_of
from comments.models import Comment, Redaction
from plenary.pagecache import pages_changed
from plenary.text import render_markdown


def passage_sha256(*, salt: str, passage: str) -> str:
    """What the ledger commits to: SHA-256 of the salt then the passage (UTF-8), in hex."""
    return hashlib.sha256((salt + passage).encode()).hexdigest()


def redaction_marker(reason: str) -> str:
    """``[redacted: personal data]``, in the active language."""
    return _("[redacted: %(reason)s]") % {"reason": Redaction.Reason(reason).label}


def redacted_text(body: str, redactions) -> str:
    """``body`` with each redaction's passage (offsets in ``body``) replaced by its marker."""
    parts, at = [], 0
    for redaction in sorted(redactions, key=lambda r: r.start):
        parts += [body[at : redaction.start], redaction_marker(redaction.reason)]
        at = redaction.end
    parts.append(body[at:])
    return "".join(parts)


def passage_offsets(*, body: str, start: int | None, end: int | None, passage: str) -> tuple:
    """``(start, end)`` of the passage to redact: the offsets given, or where
    ``passage`` occurs in ``body`` (it must occur exactly once)."""
    if passage:
        found = body.find(passage)
        if found < 0:
            raise ValidationError({"passage": _("This passage is not in the comment's text.")})
        if body.find(passage, found + 1) >= 0:
            raise ValidationError(
                {
                    "passage": _(
                        "This passage occurs more than once in the comment: select a longer one."
                    )
                }
            )
        return found, found + len(passage)
    if start is None or end is None or not 0 <= start < end <= len(body):
        raise ValidationError({"passage": _("Give the passage to redact.")})
    return start, end


def redaction_write(
    *,
    actor,
    comment: Comment,
    reason: str,
    note: str = "",
    start: int | None = None,
    end: int | None = None,
    passage: str = "",
) -> Redaction:
    """Record one redaction and recompute the comment's public renderings.

    Not a door: ``feedback.redaction.services.comment_redact`` checked the rule
    and calls this inside its transaction.  Refuses (ValidationError naming the
    field) a comment that is not published (``comment``), an unknown reason, a
    passage not found once in the text, or one overlapping an earlier redaction.
    """
    locked = Comment.objects.select_for_update(of=("self",)).get(pk=comment.pk)
    if locked.visibility != Comment.Visibility.PUBLIC:
        raise ValidationError(
            {"comment": _("Only a published comment is redacted: this one is private.")}
        )
    if reason not in Redaction.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    start, end = passage_offsets(body=locked.body, start=start, end=end, passage=passage)
    earlier = list(locked.redactions.all())
    if any(start < other.end and other.start < end for other in earlier):
        raise ValidationError({"passage": _("This passage overlaps a passage redacted already.")})
    salt = secrets.token_hex(16)
    redaction = Redaction.objects.create(
        comment=locked,
        start=start,
        end=end,
        reason=reason,
        note=note.strip(),
        salt=salt,
        passage_sha256=passage_sha256(salt=salt, passage=locked.body[start:end]),
        created_by=actor,
    )
    locked.redacted_body = redacted_text(locked.body, [*earlier, redaction])
    locked.body_html = render_markdown(locked.redacted_body)
    locked.search_text = search_text_of(
        locked.redacted_body,
        locked.attachments.order_by("pk").values_list("extracted_text", flat=True),
    )
    locked.save(update_fields=["redacted_body", "body_html", "search_text", "updated_at"])
    comment.redacted_body, comment.body_html = locked.redacted_body, locked.body_html
    comment.search_text = locked.search_text
    pages_changed()  # the passage leaves the anonymous readers' stored pages at once
    return redaction
