"""The file types an attachment may have, and what pages call them.

Read by ``comments.attachments.services`` (which decides a file's type from
its content) and ``comments.attachments.selectors`` (which labels the files
a page lists).
"""

from django.utils.translation import gettext_lazy

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
PNG, JPEG, GIF, WEBP = "image/png", "image/jpeg", "image/gif", "image/webp"

LABELS = {
    PDF: gettext_lazy("PDF document"),
    DOCX: gettext_lazy("Word document (DOCX)"),
    ODT: gettext_lazy("OpenDocument text (ODT)"),
    TEXT: gettext_lazy("plain text"),
    PNG: gettext_lazy("PNG image"),
    JPEG: gettext_lazy("JPEG image"),
    GIF: gettext_lazy("GIF image"),
    WEBP: gettext_lazy("WebP image"),
}
