"""The public ledger and the secretariat's triage and decision pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from comments import selectors as comment_selectors
from comments.models import Comment
from consult import permissions as consult_permissions
from consult.models import Consultation
from plenary.forms import NOT_DONE, submit

from . import permissions, selectors, services
from .forms import DispositionForm
from .models import DispositionDraft, Status

PER_PAGE = 50


def ledger(request, slug: str):
    consultation = get_object_or_404(Consultation, slug=slug)
    consult_permissions.require_can_view(request.user, consultation)
    status = request.GET.get("status", "")
    comments = selectors.with_disposition(
        Comment.objects.filter(consultation=consultation).select_related(
            "author__participant__group", "on_behalf_of", "section"
        )
    ).order_by("created_at", "pk")
    if status == "awaiting":
        comments = comments.filter(disposition_status__isnull=True)
    elif status in Status.values:
        comments = comments.filter(disposition_status=status)
    else:
        status = ""
    page = Paginator(comments, PER_PAGE).get_page(request.GET.get("page"))
    is_staff = consult_permissions.is_staff_of(request.user, consultation)
    counts = selectors.status_counts(consultation=consultation)
    status_rows = [
        (value, label, counts.get(value, 0))
        for value, label in [("awaiting", _("awaiting response")), *Status.choices]
    ]
    return render(
        request,
        "feedback/ledger.html",
        {
            "consultation": consultation,
            "page": page,
            "status": status,
            "status_rows": status_rows,
            "counts": counts,
            "is_staff": is_staff,
        },
    )


@login_required
def triage(request, slug: str):
    consultation = get_object_or_404(Consultation, slug=slug)
    if not consult_permissions.is_staff_of(request.user, consultation):
        raise PermissionDenied(_("Only this consultation's team can open the triage list."))
    show = request.GET.get("show", "awaiting")
    comments = selectors.with_disposition(
        Comment.objects.filter(consultation=consultation).select_related(
            "author__participant__group", "on_behalf_of", "section", "draft"
        )
    ).order_by("created_at", "pk")
    if show == "awaiting":
        comments = comments.filter(disposition_status__isnull=True)
    elif show == "drafted":
        comments = comments.filter(draft__isnull=False)
    else:
        show = "all"
    page = Paginator(comments, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/triage.html",
        {
            "consultation": consultation,
            "page": page,
            "show": show,
            "counts": selectors.status_counts(consultation=consultation),
            "can_decide": permissions.can_decide(request.user, consultation),
        },
    )


@login_required
def decide(request, receipt: str):
    comment = comment_selectors.comment_by_receipt(receipt=receipt)
    if comment is None:
        raise Http404(_("No comment has this receipt number."))
    permissions.require_can_decide(request.user, comment.consultation)
    draft = DispositionDraft.objects.filter(comment=comment).first()
    initial = {}
    if draft:
        initial = {
            "status": draft.status,
            "rationale": draft.rationale,
            "duplicate_of": draft.duplicate_of.receipt if draft.duplicate_of else "",
        }
    form = DispositionForm(request.POST or None, initial=initial)
    publish = "publish" in request.POST
    decision = submit(
        request,
        form,
        lambda data: services.disposition_record(
            actor=request.user, comment=comment, publish=publish, **data
        ),
    )
    if decision is not NOT_DONE:
        if publish:
            messages.success(
                request,
                _("Decision on %(receipt)s published; the commenter is notified.")
                % {"receipt": comment.receipt},
            )
            return redirect("staff_triage", slug=comment.consultation.slug)
        messages.success(request, _("Draft decision saved. It is not public yet."))
        return redirect("staff_decide", receipt=comment.receipt)
    return render(
        request,
        "feedback/decide.html",
        {
            "comment": comment,
            "form": form,
            "draft": draft,
            "history": selectors.disposition_history(comment=comment),
        },
    )
