"""Where a quoted passage sits in a section, and how new wording replaces it (issue 24).

A participant proposes a change by quoting a passage of a paragraph as they
read it: rendered, without Markdown's asterisks, brackets or line breaks.  So
passages are compared in the section's *plain text*: the rendered text of its
Markdown (``plenary.text.render_markdown``), tags removed, entities decoded,
every run of whitespace folded to one space.  A quote must occur there exactly
once (``locate``).

Composing the next version (feedback's compose) writes the adopted wording
into the Markdown source, not into the plain text, so ``PlainText`` also maps
each plain character back to the source character it came from: the rendered
text is aligned with the source, skipping what the renderer consumed
(emphasis markers, backslashes, link destinations, block markers such as
``>``, ``-``, ``1.``, ``#`` and table pipes).  ``replace`` swaps a plain span
for new wording in the source and keeps the inline markup inside the span
(a closing ``**``, a link's ``](url)``), so a replacement never breaks the
markup around it.

Offsets are Python string indexes (code points), like every offset in Plenary.
"""

import html
import itertools
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from plenary.text import render_markdown

_WHITESPACE = re.compile(r"\s+")
# Tags after which the rendered text has a boundary a reader sees as a space.
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|td|th|tr|h[1-6]|blockquote|pre|ul|ol|table)>", re.I)
_TAG = re.compile(r"<[^>]+>")
# Block markers at the start of a line: indentation, quote markers, a list item's
# bullet or number, a heading's hashes.
_LINE_START = re.compile(r"[ \t]{0,3}(?:>[ \t]?)*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+|#{1,6}[ \t]+)?")
# A table's delimiter row (| --- | :-: |).
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
# A link's or image's destination: consumed by the renderer, never shown.
_LINK_DESTINATION = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
# A character reference: the renderer shows one character for all of it.
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# What ``_syntax`` says of a source character the reader never sees.
_TEXT, _DROPPED, _LINK = 0, 1, 2
_DELIMITERS = "*_~`"

QUOTE_MAX_CHARS = 2000
REPLACEMENT_MAX_CHARS = 5000


def fold(text: str) -> str:
    """Whitespace folded: every run of whitespace one space, none at the ends."""
    return _WHITESPACE.sub(" ", text).strip()


def rendered_text(source: str) -> str:
    """The text a reader sees of Markdown ``source``, whitespace folded."""
    return html_text(render_markdown(source))


def html_text(rendered: str) -> str:
    """The text a reader sees of ``rendered`` (``render_markdown``'s output, such as a
    section's ``body_html``), whitespace folded: ``rendered_text`` without the render."""
    return fold(html.unescape(_TAG.sub("", _BLOCK_END.sub(" ", rendered))))


@dataclass(frozen=True)
class PlainText:
    """The plain text of a Markdown source, and where each character came from.

    ``source_index[i]`` is the index in ``source`` of ``text[i]``, or None where
    the alignment lost its way (a rare construct: an entity, say); a span with
    an unmapped end cannot be written back (``replace`` refuses it).
    """

    source: str
    text: str
    source_index: tuple[int | None, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The source span ``[s, e)`` holding plain ``[start, end)``: from the first
        character's source index to just after the last one's."""
        if not 0 <= start < end <= len(self.text):
            return None
        first, last = self.source_index[start], self.source_index[end - 1]
        if first is None or last is None:
            return None
        if first > 0 and self.source[first - 1] == "\\":  # the escape goes with its character
            first -= 1
        return first, last + 1


def _syntax(source: str) -> list[int]:
    """For each source character: ``_DROPPED`` for block syntax (markers at a line's
    start, table pipes and rules) and an entity's tail, ``_LINK`` for a link's
    destination, ``_TEXT`` otherwise (text, or inline markers the alignment skips)."""
    mask = [_TEXT] * len(source)
    position = 0
    for line in source.splitlines(keepends=True):
        if _TABLE_RULE.match(line):
            for i in range(position, position + len(line.rstrip("\r\n"))):
                mask[i] = _DROPPED
        else:
            marker = _LINE_START.match(line)
            for i in range(position, position + (marker.end() if marker else 0)):
                mask[i] = _DROPPED
            if line.lstrip().startswith("|"):  # a table row: its pipes separate cells
                for offset, character in enumerate(line):
                    if character == "|":
                        mask[position + offset] = _DROPPED
        position += len(line)
    for match in _LINK_DESTINATION.finditer(source):
        for i in range(match.start() + 1, match.end()):  # keep "]" itself inline syntax
            mask[i] = _LINK
    for match in _ENTITY.finditer(source):
        for i in range(match.start() + 1, match.end()):  # "&" stands for the character
            mask[i] = _DROPPED
    return mask


def plain_text(source: str) -> PlainText:
    """Render ``source`` to plain text and align it with the source (see the module)."""
    text = rendered_text(source)
    syntax = _syntax(source)
    index: list[int | None] = []
    j = 0
    for character in text:
        found = None
        k = j
        while k < len(source):
            candidate = source[k]
            if syntax[k]:
                k += 1
                continue
            if character == " " and (candidate.isspace() or candidate == "|"):
                found = k
                break
            if candidate == character:
                found = k
                break
            k += 1
        if found is None:
            index.append(None)
            continue
        index.append(found)
        j = found + 1
        if character == " ":  # the rest of a folded run of whitespace
            while j < len(source) and source[j].isspace():
                j += 1
    return PlainText(source=source, text=text, source_index=tuple(index))


def occurrences(text: str, passage: str) -> list[int]:
    """Every start of ``passage`` in ``text``, overlapping ones included."""
    starts = []
    position = text.find(passage)
    while position != -1:
        starts.append(position)
        position = text.find(passage, position + 1)
    return starts


def locate(section_source: str, quote: str) -> tuple[int, int]:
    """The plain-text span ``(start, end)`` of ``quote`` in a section, where it
    must occur exactly once; otherwise a ValidationError on ``amendment``.

    The quote is compared whitespace folded; a quote pasted from the Markdown
    source (with its asterisks or brackets) is also tried as rendered."""
    return locate_in(rendered_text(section_source), quote)


def locate_in(text: str, quote: str) -> tuple[int, int]:
    """``locate`` in a section's plain ``text`` already rendered (``rendered_text``):
    only the text is needed here, not ``plain_text``'s map to the source."""
    folded = fold(quote)
    if not folded:
        raise ValidationError({"amendment": _("Give the passage you propose to change.")})
    if len(folded) > QUOTE_MAX_CHARS:
        raise ValidationError(
            {
                "amendment": _("The passage to change is too long (at most %(max)d characters).")
                % {"max": QUOTE_MAX_CHARS}
            }
        )
    starts = occurrences(text, folded)
    if not starts:
        as_rendered = rendered_text(quote)
        if as_rendered and as_rendered != folded:
            folded, starts = as_rendered, occurrences(text, as_rendered)
    if not starts:
        raise ValidationError(
            {
                "amendment": _(
                    "The passage to change was not found in this paragraph. Copy it exactly "
                    "as it reads in the current draft."
                )
            }
        )
    if len(starts) > 1:
        raise ValidationError(
            {
                "amendment": _(
                    "The passage to change occurs %(count)d times in this paragraph: "
                    "quote a few more words so that it occurs only once."
                )
                % {"count": len(starts)}
            }
        )
    return starts[0], starts[0] + len(folded)


def replace(plain: PlainText, changes: list[tuple[int, int, str]]) -> str:
    """The source with each plain span ``(start, end)`` replaced by its wording.

    Spans must not overlap (composition lists overlapping ones as conflicts
    before calling this); adjacent spans are fine.  Inline markup inside a span
    (emphasis markers, a link's brackets and destination) is kept, so the markup
    around the passage stays well formed: an opening marker before the new
    wording, a closing one after it.  Block markers, escapes, entities and
    whitespace inside the span go with the passage.  ValueError when spans
    overlap or one cannot be mapped to the source.
    """
    syntax = _syntax(plain.source)
    source = plain.source
    mapped = {i for i in plain.source_index if i is not None}
    spans = []
    for start, end, wording in changes:
        span = plain.source_span(start, end)
        if span is None:
            raise ValueError(f"plain span {start}-{end} cannot be mapped to the source")
        spans.append((span[0], span[1], wording))
    spans.sort()
    for (_s1, e1, _w1), (s2, _e2, _w2) in itertools.pairwise(spans):
        if s2 < e1:
            raise ValueError("overlapping changes")
    out = []
    position = 0
    for start, end, wording in spans:
        opening, closing = [], []
        for i in range(start, end):
            character = source[i]
            if i in mapped or syntax[i] == _DROPPED or character.isspace() or character == "\\":
                continue
            if syntax[i] == _TEXT and _opens(source, i):
                opening.append(character)
            else:
                closing.append(character)
        out.append(source[position:start])
        out.append("".join(opening) + wording + "".join(closing))
        position = end
    out.append(source[position:])
    return "".join(out)


def _opens(source: str, i: int) -> bool:
    """Whether inline marker ``source[i]`` opens (a link's ``[``, or a run of
    emphasis or code markers after whitespace or an opening bracket) rather than
    closes."""
    character = source[i]
    if character == "[":
        return True
    if character not in _DELIMITERS:
        return False
    first = i
    while first > 0 and source[first - 1] == character:  # the start of the run
        first -= 1
    return first == 0 or source[first - 1].isspace() or source[first - 1] in "[("


def excerpt(text: str, start: int, end: int, *, words: int = 6) -> tuple[str, str, str]:
    """``(before, passage, after)``: the passage with up to ``words`` words of
    context each side (an ellipsis where more was left out), for a struck-and-
    inserted preview."""
    before, after = text[:start], text[end:]
    lead_words, tail_words = before.split(), after.split()
    lead = " ".join(lead_words[-words:])
    tail = " ".join(tail_words[:words])
    if lead and before.endswith(" "):
        lead += " "
    if tail and after.startswith(" "):
        tail = " " + tail
    prefix = "… " if len(lead_words) > words else ""
    suffix = " …" if len(tail_words) > words else ""
    return prefix + lead, text[start:end], tail + suffix
