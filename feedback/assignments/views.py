"""Pages of assignments: "my queue" (any member of the team) and the workload per
person (the secretariat).  Assigning itself is on the triage page
(feedback/assignments/forms.py, drawn by feedback/ledger/views.py)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from consult.access import team_consultation
from feedback import permissions
from feedback.assignments import selectors

PER_PAGE = 50


@login_required
def my_queue(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_see_queue(request.user, consultation)
    page = Paginator(
        selectors.my_queue(consultation=consultation, user=request.user), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/assignments/queue.html",
        {
            "consultation": consultation,
            "page": page,
            "query": "",
            "drafts_assigned": permissions.drafts_assigned(request.user, consultation),
            "can_assign": permissions.can_assign(request.user, consultation),
        },
    )


@login_required
def workload(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_assign(request.user, consultation)
    return render(
        request,
        "feedback/assignments/workload.html",
        {
            "consultation": consultation,
            "rows": selectors.workload(consultation=consultation),
        },
    )
