"""Attachments (position papers, case studies, images) carried by a comment.

Two steps, so that a refused file stores nothing:

1. ``attachments_check(files, already=0)`` reads every uploaded file, decides
   its type from its content (never from its name or the browser's
   Content-Type), checks that the name's extension agrees, the size and the
   count, and extracts the text of PDF, DOCX, ODT and plain-text files.  It
   writes nothing and raises ``ValidationError({"attachments": ...})``.
2. ``attachments_store(actor, comment, checked)`` writes the checked files
   through Django's storage API under an unguessable name
   (``comments.models.attachment_path``), one ``Attachment`` row each, and
   refreshes ``Comment.search_text`` (what search and duplicate detection
   read).  Called inside the transaction of ``comment_create`` (and of
   ``attachments_add``); if anything fails after a file was written, the
   files written so far are deleted again.

Files are served only by ``comments.attachments.views.attachment_download``,
which applies the comment's visibility: never from MEDIA_URL.
"""

import hashlib
import io
import os
import zipfile
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
from comments.attachments.kinds import DOCX, GIF, JPEG, LABELS, ODT, PDF, PNG, TEXT, WEBP
from comments.models import Attachment, Comment, attachment_path

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


def text_max_chars() -> int:
    return getattr(settings, "PLENARY_ATTACHMENT_TEXT_MAX_CHARS", 100_000)


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


def _cap(text: str) -> str:
    # PostgreSQL text cannot hold NUL; extracted text sometimes carries it.
    return text.replace("\x00", "")[: text_max_chars()]


def _pdf_text(data: bytes) -> str:
    # loaded on demand: pypdf is heavy and only a PDF upload needs it
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused(_("it is protected by a password"))
        parts, total = [], 0
        for page in reader.pages:
            part = page.extract_text() or ""
            parts.append(part)
            total += len(part)
            if total >= text_max_chars():
                break
    except Refused:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise Refused(_("it cannot be read as a PDF")) from exc
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    # loaded on demand: python-docx is heavy and only a DOCX upload needs it
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        parts = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.extend(cell.text for cell in row.cells)
    except Exception as exc:
        raise Refused(_("it cannot be read as a Word document")) from exc
    return "\n".join(parts)


def _odt_text(data: bytes) -> str:
    # loaded on demand: odfpy is heavy and only an ODT upload needs it
    from odf import teletype
    from odf import text as odf_text
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
        elements = document.getElementsByType(odf_text.H) + document.getElementsByType(odf_text.P)
        return "\n".join(teletype.extractText(element) for element in elements)
    except Exception as exc:
        raise Refused(_("it cannot be read as an OpenDocument text")) from exc


def extract_text(content_type: str, data: bytes) -> str:
    if content_type == PDF:
        return _cap(_pdf_text(data))
    if content_type == DOCX:
        return _cap(_docx_text(data))
    if content_type == ODT:
        return _cap(_odt_text(data))
    if content_type == TEXT:
        return _cap(data.decode("utf-8-sig"))
    return ""  # images: no text


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
    return CheckedFile(
        name=name,
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        text=extract_text(content_type, data),
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
    comment.search_text = search_text_of(comment.body, texts)
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
            row = Attachment(
                comment=comment,
                original_name=item.name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                extracted_text=item.text,
                uploaded_by=actor,
            )
            name = default_storage.save(attachment_path(row, item.name), ContentFile(item.data))
            stored.append(name)
            row.file.name = name
            row.save()
            rows.append(row)
        search_text_refresh(comment=comment)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    # If the surrounding transaction rolls back later (its commit fails), the
    # files stay on disk without a row: unreachable, since only the download
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
