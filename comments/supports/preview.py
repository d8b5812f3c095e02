"""A few words either side of a proposed change, for the reader's view of a paragraph.

The amendment's ``start``/``end`` are offsets in the section's plain text (its
rendering with tags stripped and whitespace folded).  Where the offsets no longer
point at the quote (a text read differently), the quote's first occurrence is used,
and where it is not found, no context is shown: the change itself always is.
"""

import html
from dataclasses import dataclass

from django.utils.html import strip_tags

CONTEXT_WORDS = 6


@dataclass(frozen=True)
class Context:
    before: str  # "… the words before " (ends with a space when the passage starts a word)
    after: str


def plain_text(section_html: str) -> str:
    """The section's text as a reader sees it: tags stripped, whitespace folded."""
    return " ".join(html.unescape(strip_tags(section_html)).split())


def passage_context(
    text: str, *, quote: str, start: int, end: int, words: int = CONTEXT_WORDS
) -> Context | None:
    """The ``words`` words before and after the passage ``quote`` in ``text``, the
    section's :func:`plain_text` (read once per page)."""
    if not quote or text[start:end] != quote:
        start = text.find(quote) if quote else -1
        if start < 0:
            return None
        end = start + len(quote)
    head, tail = text[:start], text[end:]
    before_words, after_words = head.split(), tail.split()
    before = " ".join(before_words[-words:]) if before_words else ""
    after = " ".join(after_words[:words]) if after_words else ""
    if len(before_words) > words:
        before = "… " + before
    if len(after_words) > words:
        after += " …"
    # Keep the space between the context and the passage where the text has one.
    if before and head[-1:].isspace():
        before += " "
    if after and tail[:1].isspace():
        after = " " + after
    return Context(before=before, after=after)
