"""Reading the text out of an attached file, within bounds (issue 21, finding 7).

A PDF of 20,000 pages (2.8 MB) held the upload request 34 s when its text was
extracted there.  Now ``comments.attachments.services.attachment_text_extract``
calls ``extract`` from a background task (``comments.tasks.extract_attachment_text``)
and every read is bounded three ways:

- **pages**: at most ``PLENARY_EXTRACT_MAX_PAGES`` pages of a PDF are read;
- **seconds**: the clock is checked between pages (paragraphs for DOCX and
  ODT) and reading stops past ``PLENARY_EXTRACT_MAX_SECONDS``; a single page
  that takes longer is stopped by the task's Celery soft time limit, and a
  worker stuck past the hard limit is killed (``comments/tasks.py``);
- **characters**: at most ``PLENARY_ATTACHMENT_TEXT_MAX_CHARS`` are kept.

What was read up to a bound is kept, and the bound is recorded
(``Extracted.stopped``), so the file is searchable by its first pages and the
staff see that it was cut.  An unreadable file raises ``Unreadable`` with the
reason for them.
"""

import io
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from comments.attachments.kinds import DOCX, ODT, PDF, TEXT

# Why reading stopped early (Attachment.extraction_stopped).
PAGES, SECONDS, CHARS = "pages", "seconds", "chars"


def max_pages() -> int:
    return settings.PLENARY_EXTRACT_MAX_PAGES


def max_seconds() -> float:
    return settings.PLENARY_EXTRACT_MAX_SECONDS


def max_chars() -> int:
    return settings.PLENARY_ATTACHMENT_TEXT_MAX_CHARS


class Unreadable(Exception):
    """Why a file's text cannot be read (a message for the staff)."""


@dataclass(frozen=True)
class Extracted:
    text: str
    # Pages (PDF) or paragraphs (DOCX, ODT) read; None for plain text.
    units: int | None
    # "" when the whole file was read, else PAGES, SECONDS or CHARS.
    stopped: str


# A page (or paragraph) not yet read: reading it is the call.
Part = Callable[[], str]


def _bounded(
    parts: Iterable[Part], *, unit_limit: int | None, clock: Callable[[], float]
) -> Extracted:
    """Read ``parts`` one by one until the first bound: units, seconds, then characters.

    Each part is read only when its turn comes (a callable), so finding that
    there is a next one, to say whether a bound cut the file, reads nothing.
    """
    deadline = clock() + max_seconds()
    limit = max_chars()
    kept: list[str] = []
    total = units = 0
    stopped = ""
    remaining: Iterator[Part] = iter(parts)
    for part in remaining:
        if unit_limit is not None and units >= unit_limit:
            stopped = PAGES
            break
        if units and clock() >= deadline:  # between pages: what was read is kept
            stopped = SECONDS
            break
        text = part()
        units += 1
        kept.append(text)
        total += len(text) + 1
        if total > limit:
            stopped = CHARS
            break
    text = "\n".join(kept).replace("\x00", "")[:limit]  # PostgreSQL text holds no NUL
    return Extracted(text=text, units=units, stopped=stopped)


def _guarded(read: Part, message: str) -> Part:
    def part() -> str:
        try:
            return read() or ""
        except Exception as exc:  # the readers raise many kinds on a damaged file
            raise Unreadable(message) from exc

    return part


def _pdf_pages(data: bytes) -> Iterator[Part]:
    # loaded on demand: pypdf is heavy and only a PDF needs it
    from pypdf import PdfReader

    message = _("it cannot be read as a PDF")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted and not reader.decrypt("")
        pages = iter(reader.pages)  # walked lazily, one page at a time
    except Exception as exc:
        raise Unreadable(message) from exc
    if encrypted:
        raise Unreadable(_("it is protected by a password"))
    while True:
        try:
            page = next(pages, None)
        except Exception as exc:
            raise Unreadable(message) from exc
        if page is None:
            return
        yield _guarded(page.extract_text, message)


def _docx_paragraphs(data: bytes) -> Iterator[Part]:
    # loaded on demand: python-docx is heavy and only a DOCX needs it
    import docx

    message = _("it cannot be read as a Word document")
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = list(document.paragraphs)
        rows = [row for table in document.tables for row in table.rows]
    except Exception as exc:
        raise Unreadable(message) from exc
    for paragraph in paragraphs:
        yield _guarded(lambda paragraph=paragraph: paragraph.text, message)
    for row in rows:
        yield _guarded(lambda row=row: "\n".join(cell.text for cell in row.cells), message)


def _odt_paragraphs(data: bytes) -> Iterator[Part]:
    # loaded on demand: odfpy is heavy and only an ODT needs it
    from odf import teletype
    from odf import text as odf_text
    from odf.opendocument import load

    message = _("it cannot be read as an OpenDocument text")
    try:
        document = load(io.BytesIO(data))
        elements = document.getElementsByType(odf_text.H) + document.getElementsByType(odf_text.P)
    except Exception as exc:
        raise Unreadable(message) from exc
    for element in elements:
        yield _guarded(lambda element=element: teletype.extractText(element), message)


def extract(
    content_type: str, data: bytes, *, clock: Callable[[], float] = time.monotonic
) -> Extracted:
    """The text of a file of ``content_type`` within the bounds above (raises Unreadable)."""
    if content_type == PDF:
        return _bounded(_pdf_pages(data), unit_limit=max_pages(), clock=clock)
    if content_type == DOCX:
        return _bounded(_docx_paragraphs(data), unit_limit=None, clock=clock)
    if content_type == ODT:
        return _bounded(_odt_paragraphs(data), unit_limit=None, clock=clock)
    if content_type == TEXT:  # decoding is fast whatever the size: read at upload
        text = data.decode("utf-8-sig").replace("\x00", "")
        return Extracted(
            text=text[: max_chars()], units=None, stopped=CHARS if len(text) > max_chars() else ""
        )
    return Extracted(text="", units=None, stopped="")  # images: no text
