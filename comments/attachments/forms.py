"""The file field of comment forms: ``<input type=file multiple>``.

Only shape is checked here (a list of uploaded files); the types, sizes and
count are the service's rules (comments/attachments/services.py), so the page, the
API and staff entry refuse the same files with the same messages.  Staff
offline entry (comments.offline.services) can add ``AttachmentsField()`` to its form
and pass ``attachments=cleaned_data["attachments"]`` to its service, which
calls ``attachments_check`` before writing and ``attachments_store`` after.
"""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comments.attachments import services as attachments


def _help_text() -> str:
    return gettext(
        "PDF, Word (DOCX), OpenDocument (ODT), plain text, PNG, JPEG, GIF or WebP; "
        "up to %(n)d files of at most %(size)s each. Their text becomes searchable."
    ) % {"n": attachments.max_per_comment(), "size": filesizeformat(attachments.max_bytes())}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files; the cleaned value is a list of UploadedFile."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Attach files (optional)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"multiple": True, "accept": attachments.ACCEPT})
        )
        super().__init__(**kwargs)
        # Lazy: the field is built once, at import; the language and limits are the request's.
        self.help_text = lazy(_help_text, str)()

    def clean(self, data, initial=None):
        if not data:
            return []
        if not isinstance(data, (list, tuple)):
            data = [data]
        # A file the browser sent without a name or content is the service's to refuse
        # (an empty file gets "it is empty"); only non-files are rejected here.
        return [f for f in data if hasattr(f, "read")]
