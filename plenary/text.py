"""Safe rich text: Markdown rendered by markdown-it-py, sanitised by nh3.

One renderer serves drafts and comments, so what a participant previews is
what everyone sees.  Raw HTML in the source is escaped by markdown-it (html
disabled) and nh3 strips anything unsafe that remains; links get
``rel="nofollow ugc noopener"``.
"""

import re

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


def markdown_tokens(source: str) -> list:
    """markdown-it tokens of ``source``, parsed with the same rules as ``render_markdown``
    (for writers of other formats: consult/versions/exports.py)."""
    return _md.parse(source)


def render_markdown(source: str) -> str:
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="nofollow ugc noopener",
        url_schemes={"http", "https", "mailto"},
    )


def markdown_blocks(source: str) -> list[tuple[str, str]]:
    """Split Markdown into top-level blocks, each paired with the heading above it.

    Returns ``[(heading, block_source), ...]``.  Headings themselves are not
    blocks; horizontal rules are dropped.  Block sources are exact slices of
    the input lines, so nothing the author wrote is rewritten.
    """
    lines = source.splitlines()
    tokens = _md.parse(source)
    blocks: list[tuple[str, str]] = []
    heading = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.level != 0 or token.nesting == -1:
            i += 1
            continue
        if token.type == "heading_open":
            heading = tokens[i + 1].content.strip()
            i += 3
            continue
        if token.type == "hr" or token.map is None:
            i += 1
            continue
        start, end = token.map
        text = "\n".join(lines[start:end]).strip("\n")
        if text.strip():
            blocks.append((heading, text))
        i += 1
    return blocks


# What a spreadsheet reads as the start of a formula (CSV injection).
FORMULA_START = frozenset("=+-@\t\r")


def spreadsheet_safe(value):
    """A CSV cell a spreadsheet would run as a formula, with a leading ``'``.

    Strings starting with ``= + - @``, a tab or a carriage return get the
    quote; anything else (other strings, numbers, None) is returned as it is.
    Every CSV export passes its free-text cells through here.
    """
    if isinstance(value, str) and value and value[0] in FORMULA_START:
        return "'" + value
    return value


# Control characters: C0 (U+0000-U+001F) and DEL, and C1 (U+0080-U+009F).  Tab,
# newline and carriage return are text; everything else here is not, and XML
# (DOCX, ODT, the PDF's HTML) cannot carry most of it at all.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What XML 1.0 cannot carry (its Char production), for writers of stored text.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def control_character(value: str) -> str | None:
    """The first control character in ``value`` (other than tab, newline, CR), or None."""
    found = CONTROL_CHARACTERS.search(value)
    return found.group() if found else None


def control_character_message(character: str) -> str:
    """What a person is told when a text they sent carries ``character``."""
    return _(
        "This text contains an invisible control character (U+%(code)04X), "
        "often pasted along from another program; remove it and send again."
    ) % {"code": ord(character)}


def refuse_control_characters(value) -> None:
    """Validator: refuse a string carrying a control character (tab and newlines pass)."""
    if isinstance(value, str):
        character = control_character(value)
        if character is not None:
            raise ValidationError(control_character_message(character), code="control_character")


def xml_safe(value: str) -> str:
    """``value`` without what XML cannot carry (text stored before the door refused it).

    The DOCX, ODT and PDF writers pass stored text through here, so one old
    comment with a U+0001 cannot make a report fail for everyone.
    """
    return NOT_XML.sub("", value) if value else value
