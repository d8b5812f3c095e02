"""Threads on a section, the receipt page and "my input".  Each write is one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from consult import permissions as consult_permissions
from consult.models import Consultation, Section
from consult.selectors import round_current
from feedback import permissions as feedback_permissions
from feedback import services as feedback_services
from feedback.forms import AppealForm
from feedback.selectors import (
    appeal_window_closes_at,
    current_disposition,
    disposition_history_with_appeals,
)
from plenary.forms import NOT_DONE, submit
from stakeholders.selectors import organisations_for_behalf

from . import permissions, selectors, services
from .forms import CommentForm, ReceiptLookupForm
from .models import Comment
from .receipts import RECEIPT_RE, normalise

THREADS_PER_PAGE = 50
MY_INPUT_PER_PAGE = 50


def section_thread(request, slug: str, key: str):
    consultation = get_object_or_404(Consultation, slug=slug)
    consult_permissions.require_can_view(request.user, consultation)
    current_round = round_current(consultation=consultation)
    round_is_open = bool(current_round and current_round.is_open())
    version_id = current_round.document_version_id if current_round else None
    section = get_object_or_404(
        Section.objects.select_related("version__consultation"),
        version__consultation=consultation,
        key=key,
        **({"version_id": version_id} if version_id else {}),
    )
    organisations = list(organisations_for_behalf(user=request.user))
    form = CommentForm(request.POST or None, organisations=organisations)

    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        comment = submit(
            request,
            form,
            lambda data: services.comment_create(
                actor=request.user,
                consultation=consultation,
                section_key=None if data["parent"] else section.key,
                channel=Comment.Channel.WEB,
                **data,
            ),
        )
        if comment is not NOT_DONE:
            messages.success(
                request,
                _("Thank you. Your comment is recorded with receipt number %(receipt)s.")
                % {"receipt": comment.receipt},
            )
            return redirect("receipt", receipt=comment.receipt)

    is_staff = consult_permissions.is_staff_of(request.user, consultation)
    threads = selectors.section_threads(section=section, viewer=request.user, is_staff=is_staff)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    reply_to = request.POST.get("parent") if request.method == "POST" else ""
    return render(
        request,
        "comments/section_thread.html",
        {
            "consultation": consultation,
            "section": section,
            "round": current_round,
            "round_is_open": round_is_open,
            "page": page,
            "form": form,
            "reply_to": reply_to,
            "has_profile": permissions.has_profile(request.user),
            "organisations": organisations,
        },
    )


def receipt_lookup(request):
    form = ReceiptLookupForm(request.GET or None)
    if form.is_valid():
        receipt = normalise(form.cleaned_data["receipt"])
        if RECEIPT_RE.match(receipt) and Comment.objects.filter(receipt=receipt).exists():
            return redirect("receipt", receipt=receipt)
        form.add_error("receipt", _("No comment has this receipt number. Check it and try again."))
    return render(request, "comments/receipt_lookup.html", {"form": form})


def receipt_detail(request, receipt: str, appeal_form: AppealForm | None = None):
    normalised = normalise(receipt)
    if normalised != receipt:
        return redirect("receipt", receipt=normalised)
    comment = selectors.comment_by_receipt(receipt=receipt)
    if comment is None or not permissions.can_view_receipt(request.user, comment):
        raise Http404(_("No comment has this receipt number."))
    return render(
        request,
        "comments/receipt_detail.html",
        {
            "comment": comment,
            "can_see_text": permissions.can_see_text(request.user, comment),
            "history": disposition_history_with_appeals(comment=comment),
            **_appeal_context(request, comment, appeal_form),
        },
    )


def _appeal_context(request, comment: Comment, appeal_form: AppealForm | None) -> dict:
    """The appeal form for the author within the window; the window's end for everyone."""
    current = current_disposition(comment=comment)
    closes_at = appeal_window_closes_at(entry=current) if current else None
    if appeal_form is None and feedback_permissions.can_appeal(request.user, comment):
        appeal_form = AppealForm()
    return {
        "appeal_form": appeal_form,
        "appeal_closes_at": closes_at,
        "appeal_window_open": bool(closes_at and timezone.now() <= closes_at),
    }


@login_required
def receipt_appeal(request, receipt: str):
    """POST: the author appeals the comment's current decision (feedback.services.appeal_file)."""
    comment = selectors.comment_by_receipt(receipt=receipt)
    if comment is None or not permissions.can_view_receipt(request.user, comment):
        raise Http404(_("No comment has this receipt number."))
    if request.method != "POST":
        return redirect("receipt", receipt=comment.receipt)
    form = AppealForm(request.POST)
    appeal = submit(
        request,
        form,
        lambda data: feedback_services.appeal_file(
            actor=request.user, comment=comment, reason=data["reason"]
        ),
    )
    if appeal is NOT_DONE:
        return receipt_detail(request, comment.receipt, appeal_form=form)
    messages.success(
        request,
        _("Your appeal is recorded. The secretariat must answer it by %(date)s.")
        % {"date": formats.date_format(timezone.localtime(appeal.answer_due_at), "j F Y")},
    )
    return redirect("receipt", receipt=comment.receipt)


@login_required
def my_input(request):
    page = Paginator(
        selectors.comments_of_author_with_history(user=request.user), MY_INPUT_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "comments/my_input.html",
        {"page": page, "summary": selectors.author_summary(user=request.user)},
    )
