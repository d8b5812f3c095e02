"""Meeting pages: the public page and calendar files, and the secretariat's pages.

Each write is one service call in ``consult.meetings.services``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from comments.threads import selectors as comment_selectors
from consult import permissions
from consult.access import consultation_for, team_consultation
from consult.meetings import selectors
from consult.meetings import services as meetings
from consult.meetings.forms import MeetingForm, MeetingSummaryForm
from consult.models import Meeting
from plenary.forms import NOT_DONE, posted, submit


def _meeting_of(consultation, pk: int) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.prefetch_related("groups"), consultation=consultation, pk=pk
    )
    meeting.consultation = consultation
    return meeting


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def meeting_detail(request, slug: str, pk: int):
    """A meeting: when (its zone and the viewer's), where, for whom; its summary and input."""
    consultation = consultation_for(request, slug)
    meeting = _meeting_of(consultation, pk)
    can_run = permissions.can_run(request.user, consultation)
    return render(
        request,
        "consult/meeting_detail.html",
        {
            "consultation": consultation,
            "meeting": meeting,
            "comments": comment_selectors.meeting_comments(meeting=meeting),
            "can_run": can_run,
        },
    )


def meeting_ics(request, slug: str, pk: int):
    consultation = consultation_for(request, slug)
    meeting = _meeting_of(consultation, pk)
    return _calendar_response(selectors.meeting_ics(meeting=meeting), f"meeting-{meeting.pk}.ics")


def meetings_ics(request, slug: str):
    consultation = consultation_for(request, slug)
    return _calendar_response(
        selectors.meetings_ics(consultation=consultation), f"{consultation.slug}-meetings.ics"
    )


# --- the secretariat's pages ---------------------------------------------------------


@login_required
def staff_meetings(request, slug: str):
    consultation = team_consultation(request, slug)
    return render(
        request,
        "consult/staff/meetings.html",
        {
            "consultation": consultation,
            "meetings": selectors.meetings_of(consultation=consultation),
            "can_run": permissions.can_run(request.user, consultation),
        },
    )


@login_required
def staff_meeting_new(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    form = MeetingForm(posted(request))
    meeting = submit(
        request,
        form,
        lambda data: meetings.meeting_create(actor=request.user, consultation=consultation, **data),
    )
    if meeting is not NOT_DONE:
        messages.success(request, _("The meeting is announced on the consultation's page."))
        return redirect("meeting", slug=consultation.slug, pk=meeting.pk)
    return render(
        request,
        "consult/staff/meeting_form.html",
        {"consultation": consultation, "form": form, "meeting": None},
    )


@login_required
def staff_meeting_edit(request, slug: str, pk: int):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    meeting = _meeting_of(consultation, pk)
    form = MeetingForm(posted(request), initial=MeetingForm.initial_for(meeting))
    updated = submit(
        request,
        form,
        lambda data: meetings.meeting_update(actor=request.user, meeting=meeting, **data),
    )
    if updated is not NOT_DONE:
        messages.success(request, _("Saved."))
        return redirect("meeting", slug=consultation.slug, pk=meeting.pk)
    return render(
        request,
        "consult/staff/meeting_form.html",
        {"consultation": consultation, "form": form, "meeting": meeting},
    )


@login_required
def staff_meeting_cancel(request, slug: str, pk: int):
    """GET: confirm.  POST: cancel (refused once comments were entered from it)."""
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    meeting = _meeting_of(consultation, pk)
    form = forms.Form(posted(request))
    done = submit(
        request, form, lambda _data: meetings.meeting_cancel(actor=request.user, meeting=meeting)
    )
    if done is not NOT_DONE:
        messages.success(request, _("The meeting “%(title)s” is cancelled.") % {"title": meeting})
        return redirect("staff_meetings", slug=consultation.slug)
    return render(
        request,
        "consult/staff/meeting_cancel.html",
        {"consultation": consultation, "form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


@login_required
def staff_meeting_summary(request, slug: str, pk: int):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    meeting = _meeting_of(consultation, pk)
    form = MeetingSummaryForm(posted(request), initial={"summary": meeting.summary})
    published = submit(
        request,
        form,
        lambda data: meetings.meeting_summary_publish(
            actor=request.user, meeting=meeting, summary=data["summary"]
        ),
    )
    if published is not NOT_DONE:
        messages.success(request, _("The summary is published on the meeting's page."))
        return redirect("meeting", slug=consultation.slug, pk=meeting.pk)
    return render(
        request,
        "consult/staff/meeting_summary.html",
        {"consultation": consultation, "form": form, "meeting": meeting},
    )
