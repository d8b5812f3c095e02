"""The audit log, read-only: /staff/audit/ (whole site) and /staff/c/<slug>/audit/."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from consult import permissions
from consult.access import consultation_for
from plenary.audit import selectors
from plenary.audit.models import Event

PER_PAGE = 50


def _render(request, *, consultation=None):
    event = request.GET.get("event", "")
    events = selectors.audit_events(consultation=consultation, event=event)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/events.html",
        {
            "consultation": consultation,
            "page": page,
            "events": page.object_list,
            "event_choices": Event.choices,
            "selected_event": event if event in Event.values else "",
            "query": urlencode({"event": event}) if event in Event.values else "",
        },
    )


@login_required
def audit_site(request):
    permissions.require_can_read_audit_log(request.user)
    return _render(request)


@login_required
def audit_consultation(request, slug: str):
    consultation = consultation_for(
        request, slug, require=permissions.require_can_read_consultation_audit_log
    )
    return _render(request, consultation=consultation)
