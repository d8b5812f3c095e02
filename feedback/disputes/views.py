"""The secretariat's dispute pages: the disputes of a consultation by status, and one
dispute with the decision form (``feedback.disputes.services.dispute_decide``)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from comments.disputes import selectors
from comments.models import Dispute
from consult.access import consultation_for
from feedback import permissions
from feedback.disputes import services
from feedback.disputes.forms import DisputeDecisionForm, DisputeFilterForm
from plenary.forms import NOT_DONE, submit

PER_PAGE = 50


@login_required
def disputes(request, slug: str):
    consultation = consultation_for(request, slug, require=permissions.require_can_decide_dispute)
    form = DisputeFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(
        selectors.disputes_of(consultation=consultation, status=status), PER_PAGE
    ).get_page(request.GET.get("page"))
    counts = selectors.dispute_counts(consultation=consultation)
    return render(
        request,
        "feedback/disputes/list.html",
        {
            "consultation": consultation,
            "form": form,
            "status": status,
            "query": urlencode({"status": status}) if status else "",
            "page": page,
            "status_rows": [
                (value, label, counts[value]) for value, label in Dispute.Status.choices
            ],
        },
    )


@login_required
def dispute_detail(request, slug: str, pk: int):
    consultation = consultation_for(request, slug, require=permissions.require_can_decide_dispute)
    dispute = get_object_or_404(
        selectors.disputes_of(consultation=consultation).select_related(
            "comment__author__participant__group", "comment__on_behalf_of"
        ),
        pk=pk,
    )
    form = DisputeDecisionForm(request.POST or None)
    decided = submit(
        request,
        form,
        lambda data: services.dispute_decide(
            actor=request.user, dispute=dispute, decision=data["decision"], reason=data["reason"]
        ),
    )
    if decided is not NOT_DONE:
        messages.success(
            request,
            _("Dispute on %(r)s decided: %(status)s.")
            % {"r": dispute.comment.receipt, "status": decided.get_status_display()},
        )
        return redirect("staff_disputes", slug=consultation.slug)
    return render(
        request,
        "feedback/disputes/detail.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "consultation": consultation,
            "dispute": dispute,
            "comment": dispute.comment,
            "form": form,
            "open": bool(services.TRANSITIONS[dispute.status]),
        },
    )
