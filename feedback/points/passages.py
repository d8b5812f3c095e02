"""Passages of a text as offsets: paragraphs, and a selection tidied to its words.

Offsets are Python string indexes (code points) into the text exactly as
stored; nothing here changes the text.
"""

import re
from typing import NamedTuple

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n\s*")  # "\r\n\r\n" too: browsers post CRLF


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph (text between blank lines), without the
    whitespace around it."""
    spans = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        span = trimmed(text, position, end)
        if span is not None:
            spans.append(span)
        if match:
            position = match.end()
    return spans


def trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without leading and trailing whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def paragraph_groups(selected: list[int], breaks: list[int]) -> list[list[int]]:
    """Group selected paragraph indexes into points: consecutive paragraphs make one
    point, unless a paragraph is marked to start a new one."""
    groups: list[list[int]] = []
    for index in sorted(set(selected)):
        if groups and groups[-1][-1] == index - 1 and index not in breaks:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Segment(NamedTuple):
    start: int
    end: int
    text: str
    is_break: bool


def source_segments(text: str) -> list[Segment]:
    """The text cut into lines and line breaks, each with its offsets, for the page
    where a passage is selected with the mouse (static/js/points.js).

    Each segment carries its own offsets, so the script reads a selection's offsets
    from the segment it falls in: the HTML parser turns ``\\r\\n`` into one
    character, and a browser counts UTF-16 units, so counting characters over the
    whole rendered text would drift from Python's indexes.
    """
    segments = []
    position = 0
    for match in _LINE_BREAK.finditer(text):
        if match.start() > position:
            segments.append(Segment(position, match.start(), text[position : match.start()], False))
        segments.append(Segment(match.start(), match.end(), match.group(), True))
        position = match.end()
    if position < len(text):
        segments.append(Segment(position, len(text), text[position:], False))
    return segments
