"""The staff page that redacts a passage of a comment (works without JavaScript)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.redaction import selectors as redactions
from comments.threads import selectors as comment_selectors
from feedback.redaction import services
from feedback.redaction.forms import RedactionForm
from plenary.forms import NOT_DONE, submit


@login_required
def comment_redact(request, receipt: str):
    comment = comment_selectors.comment_by_receipt(receipt=receipt)
    if comment is None:
        raise Http404(_("No comment has this receipt number."))
    comment_permissions.require_can_redact(request.user, comment.consultation)
    form = RedactionForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.comment_redact(actor=request.user, comment=comment, **data),
    )
    if done is not NOT_DONE:
        messages.success(
            request, _("The passage is redacted and the redaction recorded in the ledger.")
        )
        return redirect("staff_comment_redact", receipt=comment.receipt)
    existing = list(redactions.redactions_of(comment=comment))
    return render(
        request,
        "feedback/redaction/redact.html",
        {
            "comment": comment,
            "consultation": comment.consultation,
            "form": form,
            "segments": redactions.body_segments(comment=comment, redactions=existing),
            "redactions": existing,
        },
    )
