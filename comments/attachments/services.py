"""Attachments (position papers, case studies, images) carried by a comment.

Two steps, so that a refused file stores nothing:

1. ``attachments_check(files, already=0)`` reads every uploaded file, decides
   its type from its content (never from its name or the browser's
   Content-Type), checks that the name's extension agrees, the size and the
   count, that a PDF opens without a password (its cross-reference table
   only: no page is read), and reads the text of plain-text files.  It
   writes nothing and raises ``ValidationError({"attachments": ...})``.
2. ``attachments_store(actor, comment, checked)`` writes the checked files
   through Django's storage API under an unguessable name
   (``comments.models.attachment_path``), one ``Attachment`` row each, and
   refreshes ``Comment.search_text`` (what search and duplicate detection
   read).  Called inside the transaction of ``comment_create`` (and of
   ``attachments_add``); if anything fails after a file was written, the
   files written so far are deleted again.  A PDF, DOCX or ODT is stored
   with its text not yet read (``Attachment.Extraction.PENDING``) and the
   task ``comments.tasks.extract_attachment_text`` is enqueued in the same
   transaction.
3. ``attachment_text_extract(attachment_id)`` (the task's body) reads the
   text within the bounds of ``comments.attachments.extract`` (pages,
   seconds, characters), records how it went on the row, and refreshes the
   comment's search text: the file becomes searchable then (issue 21: a
   20,000-page PDF used to hold the upload request 34 s).

Files are served only by ``comments.attachments.views.attachment_download``,
which applies the comment's visibility: never from MEDIA_URL.
"""

import hashlib
import io
import logging
import os
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.amendments.services import searchable_body
from comments.attachments import extract
from comments.attachments.kinds import DOCX, GIF, JPEG, LABELS, ODT, PDF, PNG, TEXT, WEBP
from comments.models import Amendment, Attachment, Comment, attachment_path
from plenary.outbox.services import enqueue

logger = logging.getLogger(__name__)

# The types accepted, each with the extensions its name may carry.
ALLOWED: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    ODT: (".odt",),
    TEXT: (".txt", ".text", ".md"),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    GIF: (".gif",),
    WEBP: (".webp",),
}
ACCEPT = ",".join(ext for exts in ALLOWED.values() for ext in exts)

# A zip (DOCX, ODT) may not unpack to more than this, nor hold more members:
# python-docx and odfpy read whole members into memory.
ZIP_MAX_UNPACKED = 100 * 1024 * 1024
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_RATIO = 200  # uncompressed / compressed, per member: a deflate bomb goes far beyond
# Text that begins like markup is refused even when named .txt: a browser that
# ignored our headers must never find HTML or SVG in a file we serve.
MARKUP_STARTS = ("<!doctype", "<html", "<svg", "<?xml", "<script", "<head", "<body", "<iframe")

# Comment.search_text: PostgreSQL refuses a tsvector above 1 MB, so the text
# indexed per comment is capped well below that.
SEARCH_TEXT_MAX_CHARS = 250_000


def max_bytes() -> int:
    return getattr(settings, "PLENARY_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def max_per_comment() -> int:
    return getattr(settings, "PLENARY_ATTACHMENTS_PER_COMMENT", 5)


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed every check: ready to store."""

    name: str
    content_type: str
    data: bytes
    sha256: str
    # Read at upload for plain text only; a PDF, DOCX or ODT is read by the task.
    text: str

    @property
    def size(self) -> int:
        return len(self.data)


class Refused(Exception):
    """Why one file is refused (a message for its author)."""


def _zip_type(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(_("it cannot be read (a damaged archive)")) from exc
    if len(members) > ZIP_MAX_MEMBERS or sum(m.file_size for m in members) > ZIP_MAX_UNPACKED:
        raise Refused(_("it unpacks to far more than its size"))
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > ZIP_MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise Refused(_("it unpacks to far more than its size"))
    names = {m.filename for m in members}
    if "word/document.xml" in names and "[Content_Types].xml" in names:
        return DOCX
    if "mimetype" in names and "content.xml" in names:
        mimetype = archive.read("mimetype")[:100].strip().decode("ascii", "replace")
        if mimetype == ODT:
            return ODT
    raise Refused(_("its type is not one of those accepted"))


def detect_type(data: bytes) -> str:
    """The type of ``data`` from its content alone (raises Refused)."""
    if data.startswith(b"%PDF-"):
        return PDF
    kind = filetype.guess(data[:8192])
    if kind is not None:
        if kind.mime in (PNG, JPEG, GIF, WEBP):
            return kind.mime
        if kind.extension in ("zip", "docx", "odt") or data.startswith(b"PK\x03\x04"):
            return _zip_type(data)
        raise Refused(_("its type is not one of those accepted"))
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(_("its type is not one of those accepted")) from exc
    if "\x00" in text:
        raise Refused(_("its type is not one of those accepted"))
    if text.lstrip().lower().startswith(MARKUP_STARTS):
        raise Refused(_("it is HTML, SVG or XML, which is not accepted"))
    return TEXT


# Read later, by comments.tasks.extract_attachment_text; images have no text.
EXTRACTED_LATER = frozenset({PDF, DOCX, ODT})


def _pdf_check(data: bytes) -> None:
    """Refuse a PDF that does not open or asks for a password.

    Reads the cross-reference table and trailer only, never a page: cheap
    whatever the number of pages (the pages are the task's).
    """
    # loaded on demand: pypdf is heavy and only a PDF upload needs it
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        locked = reader.is_encrypted and not reader.decrypt("")
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise Refused(_("it cannot be read as a PDF")) from exc
    if locked:
        raise Refused(_("it is protected by a password"))


def _clean_name(name: str) -> str:
    """The file's own name, without any directory, control characters or path tricks."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return base[:200] or "file"


def check_one(upload) -> CheckedFile:
    """Check one uploaded file (raises Refused with the reason)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise Refused(
            _("it is %(size)s; the limit is %(limit)s")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())}
        )
    upload.seek(0)
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise Refused(
            _("it is larger than the limit of %(limit)s") % {"limit": filesizeformat(max_bytes())}
        )
    if not data:
        raise Refused(_("it is empty"))
    name = _clean_name(upload.name)
    content_type = detect_type(data)
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED[content_type]:
        raise Refused(
            _("its name ends in “%(ext)s” but it is a %(type)s")
            % {"ext": extension or _("(nothing)"), "type": LABELS[content_type]}
        )
    if content_type == PDF:
        _pdf_check(data)
    return CheckedFile(
        name=name,
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        text=extract.extract(TEXT, data).text if content_type == TEXT else "",
    )


def attachments_check(files, *, already: int = 0) -> list[CheckedFile]:
    """Check every file; ``already`` is how many the comment carries now.

    Raises ``ValidationError({"attachments": [...]})`` naming each refused file
    and why; writes nothing.
    """
    files = list(files or [])
    limit = max_per_comment()
    if already + len(files) > limit:
        raise ValidationError(
            {
                "attachments": _(
                    "A comment can carry at most %(limit)d files; this one would carry %(n)d."
                )
                % {"limit": limit, "n": already + len(files)}
            }
        )
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(check_one(upload))
        except Refused as reason:
            errors.append(
                _("“%(name)s” is refused: %(reason)s.")
                % {"name": _clean_name(getattr(upload, "name", "")), "reason": reason}
            )
    if errors:
        raise ValidationError({"attachments": errors})
    return checked


def search_text_of(body: str, texts) -> str:
    """What ``Comment.search_text`` holds: the body, then each attachment's text."""
    return "\n\n".join([body, *(text for text in texts if text)])[:SEARCH_TEXT_MAX_CHARS]


def search_text_refresh(*, comment: Comment) -> None:
    """Recompute ``comment.search_text`` from its body and its attachments (one query + save)."""
    texts = comment.attachments.order_by("pk").values_list("extracted_text", flat=True)
    # The public text: a redacted passage (comments.redaction) stays out of search;
    # an amendment's passage and wording are searched with its body (issue 24).
    proposed = Amendment.objects.filter(comment=comment).first()
    comment.search_text = search_text_of(
        searchable_body(comment.redacted_body or comment.body, proposed), texts
    )
    # updated_at moves too: duplicate detection re-clusters when it changes
    # (feedback.clusters.services._fingerprints).
    Comment.objects.filter(pk=comment.pk).update(
        search_text=comment.search_text, updated_at=timezone.now()
    )


def attachments_store(*, actor, comment: Comment, checked: list[CheckedFile]) -> list[Attachment]:
    """Write checked files and their rows; refresh the comment's search text.

    Not a door: callers checked permissions and ran ``attachments_check``,
    inside their transaction.  A failure after a file is written deletes the
    files written so far, so no file outlives a refused write.
    """
    if not checked:
        return []
    stored: list[str] = []
    rows: list[Attachment] = []
    try:
        for item in checked:
            later = item.content_type in EXTRACTED_LATER
            row = Attachment(
                comment=comment,
                original_name=item.name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                extracted_text=item.text,
                extraction=(
                    Attachment.Extraction.PENDING
                    if later
                    else Attachment.Extraction.DONE
                    if item.content_type == TEXT
                    else Attachment.Extraction.NONE
                ),
                extracted_at=None if later else timezone.now(),
                uploaded_by=actor,
            )
            name = default_storage.save(attachment_path(row, item.name), ContentFile(item.data))
            stored.append(name)
            row.file.name = name
            row.save()
            rows.append(row)
            if later:  # in this transaction: the task runs once the upload committed
                enqueue("comments.tasks.extract_attachment_text", attachment_id=row.pk)
        search_text_refresh(comment=comment)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    # If the surrounding transaction rolls back later (its commit fails), the
    # files stay in storage without a row: unreachable, since only the download
    # view serves them, by row.  Nothing else is left behind.
    return rows


@transaction.atomic
def attachments_add(*, actor, comment: Comment, files) -> list[Attachment]:
    """The author adds files to their comment while its round is open.

    The same gate as an edit (``comments.permissions.locked_for_change``: the
    author only, not withdrawn, round open); the same checks as on creation.
    """

    locked = comment_permissions.locked_for_change(actor=actor, comment=comment)
    checked = attachments_check(files, already=locked.attachments.count())
    if not checked:
        raise ValidationError({"attachments": _("Choose at least one file.")})
    return attachments_store(actor=actor, comment=locked, checked=checked)


# A run of the task that started this many times without finishing was killed
# each time (the hard time limit, or the worker's memory): the file is not tried again.
EXTRACTION_MAX_ATTEMPTS = 2


def _extraction_claim(attachment_id: int) -> Attachment | None:
    """The pending attachment, its attempt counted (None when there is nothing to do)."""
    with transaction.atomic():
        row = (
            Attachment.objects.select_for_update()
            .filter(pk=attachment_id, extraction=Attachment.Extraction.PENDING)
            .first()
        )
        if row is None:
            return None  # already read, or gone: the task is idempotent
        if row.extraction_attempts >= EXTRACTION_MAX_ATTEMPTS:
            _extraction_record(
                row,
                extraction=Attachment.Extraction.FAILED,
                error=_("reading it stopped the worker %(n)d times")
                % {"n": row.extraction_attempts},
            )
            return None
        row.extraction_attempts += 1
        row.save(update_fields=["extraction_attempts"])
        return row


def _extraction_record(
    row: Attachment, *, extraction: str, text: str = "", units=None, stopped: str = "", error=""
) -> None:
    """Write the outcome on the row and the comment's search text, in one transaction."""
    with transaction.atomic():
        # The comment first, as an edit locks it (comment_edit), so the two never interleave.
        comment = Comment.objects.select_for_update().get(pk=row.comment_id)
        Attachment.objects.filter(pk=row.pk).update(
            extraction=extraction,
            extracted_text=text,
            extracted_units=units,
            extraction_stopped=stopped,
            extraction_error=str(error)[:300],
            extracted_at=timezone.now(),
        )
        if text:
            search_text_refresh(comment=comment)


def attachment_text_extract(
    *, attachment_id: int, clock: Callable[[], float] = time.monotonic
) -> str:
    """Read a stored file's text within bounds; record it; return the outcome.

    The body of ``comments.tasks.extract_attachment_text``.  Idempotent: a
    file already read is left alone.  A bound that cuts the text keeps what
    was read (``truncated``, with the bound and the pages read); a file that
    cannot be read is ``failed`` with the reason.  ``SoftTimeLimitExceeded``
    (one page slower than the whole allowance) is the task's to record.
    """
    row = _extraction_claim(attachment_id)
    if row is None:
        return ""
    try:
        with row.file.open("rb") as stream:
            data = stream.read()
        extracted = extract.extract(row.content_type, data, clock=clock)
    except extract.Unreadable as reason:
        _extraction_record(row, extraction=Attachment.Extraction.FAILED, error=reason)
        return Attachment.Extraction.FAILED
    outcome = Attachment.Extraction.TRUNCATED if extracted.stopped else Attachment.Extraction.DONE
    _extraction_record(
        row,
        extraction=outcome,
        text=extracted.text,
        units=extracted.units,
        stopped=extracted.stopped,
    )
    return outcome


def attachment_extraction_timed_out(*, attachment_id: int) -> None:
    """Record that reading took longer than the task's soft time limit (one slow page)."""
    row = Attachment.objects.filter(pk=attachment_id).first()
    if row is not None and row.extraction == Attachment.Extraction.PENDING:
        _extraction_record(
            row,
            extraction=Attachment.Extraction.FAILED,
            error=_("reading it took longer than %(seconds)d seconds")
            % {"seconds": extract.max_seconds()},
        )
