"""Serving attachments: only through this view, which applies the comment's visibility.

Every file is sent as a download (``Content-Disposition: attachment``), images
and PDFs included: nothing a participant uploaded is rendered by the browser
in our origin.  ``X-Content-Type-Options: nosniff`` and a sandboxing
``Content-Security-Policy`` are belt and braces for a browser that would
render it anyway.  A file the viewer may not see is a 404 (as if it did not
exist), like the receipt of a comment in an unpublished consultation.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from comments import permissions
from comments.access import comment_or_404
from comments.attachments import services as attachment_files
from comments.attachments.forms import AttachmentsField
from comments.models import Attachment
from plenary.forms import NOT_DONE, submit


@require_safe
def attachment_download(request, pk: int, name: str):
    attachment = get_object_or_404(
        Attachment.objects.select_related("comment__consultation"), pk=pk
    )
    if not permissions.can_download(request.user, attachment):
        raise Http404(_("No file here."))
    if name != attachment.original_name:
        return redirect("attachment", pk=attachment.pk, name=attachment.original_name)
    try:
        handle = default_storage.open(attachment.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("No file here.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    # A public comment can be hidden or withdrawn later: no shared cache keeps
    # its files, and private ones are not kept at all.
    response["Cache-Control"] = (
        "private, max-age=300" if permissions.is_public(attachment.comment) else "private, no-store"
    )
    return response


class AddFilesForm(forms.Form):
    attachments = AttachmentsField(required=False)


@login_required
def attachments_add(request, receipt: str):
    """POST: the author adds files to their comment while its round is open (receipt page)."""
    comment = comment_or_404(receipt, request.user)
    if request.method != "POST":
        return redirect("receipt", receipt=comment.receipt)
    form = AddFilesForm(request.POST, request.FILES)
    added = submit(
        request,
        form,
        lambda data: attachment_files.attachments_add(
            actor=request.user, comment=comment, files=data["attachments"]
        ),
    )
    if added is NOT_DONE:
        for message in form.errors.get("attachments", []) + form.non_field_errors():
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext("%(n)d file added.", "%(n)d files added.", len(added)) % {"n": len(added)},
        )
    return redirect(f"{reverse('receipt', args=[comment.receipt])}#files")
