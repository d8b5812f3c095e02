"""Round pages: edit a scheduled round, extend an open one (staff), the public charter.

Each write is one service call (consult/rounds/services.py, consult/charter/services.py).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import permissions
from consult.access import consultation_for, team_consultation
from consult.charter import selectors as charter_reads
from consult.charter import services as charter
from consult.rounds import selectors as round_selectors
from consult.rounds import services as rounds
from consult.rounds.forms import CharterAcceptForm, RoundEditForm, RoundExtendForm
from feedback.participation import selectors as participation
from plenary.forms import NOT_DONE, posted, submit


def _round_of(consultation, number: int):
    return get_object_or_404(consultation.rounds, number=number)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@login_required
def staff_round_edit(request, slug: str, number: int):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    round_ = _round_of(consultation, number)
    form = RoundEditForm(
        posted(request),
        initial={
            "title": round_.title,
            "opens_at": _local(round_.opens_at),
            "closes_at": _local(round_.closes_at),
            "background": round_.background,
            "short_window_reason": round_.short_window_reason,
        },
    )
    updated = submit(
        request,
        form,
        lambda data: rounds.round_update(actor=request.user, round_=round_, **data),
    )
    if updated is not NOT_DONE:
        messages.success(request, _("The round is updated."))
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request,
        "consult/staff/round_edit.html",
        {
            "consultation": consultation,
            "round": round_,
            "form": form,
            "has_opened": round_.opens_at <= timezone.now(),
            "min_days": settings.PLENARY_MIN_ROUND_DAYS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def staff_round_extend(request, slug: str, number: int):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    round_ = _round_of(consultation, number)
    form = RoundExtendForm(posted(request), initial={"new_closes_at": _local(round_.closes_at)})
    extension = submit(
        request,
        form,
        lambda data: rounds.round_extend(actor=request.user, round_=round_, **data),
    )
    if extension is not NOT_DONE:
        messages.success(request, _("The extension is recorded and announced."))
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request,
        "consult/staff/round_extend.html",
        {"consultation": consultation, "round": round_, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def consultation_charter(request, slug: str):
    """Goals, ground rules, code of conduct, how decisions are made, and the timeline.

    A signed-in participant who has not yet accepted the code of conduct can
    accept it here (POST); the comment form also offers it with the first comment.
    """
    consultation = consultation_for(request, slug)
    needed = charter_reads.charter_needed(user=request.user, consultation=consultation)
    form = CharterAcceptForm(posted(request) if needed else None)
    if request.method == "POST" and needed:
        if form.is_valid() and form.cleaned_data["accept_code_of_conduct"]:
            charter.charter_accept(actor=request.user, consultation=consultation)
            messages.success(request, _("Thank you: you accepted the code of conduct."))
            return redirect("consultation_charter", slug=consultation.slug)
        form.add_error("accept_code_of_conduct", _("Tick the box to accept the code of conduct."))
    counts = participation.page_counts(consultation=consultation)
    return render(
        request,
        "consult/charter.html",
        {
            "consultation": consultation,
            "timeline": round_selectors.round_timeline(
                consultation=consultation, round_counts=counts["rounds"]
            ),
            "charter_needed": needed,
            "charter_accepted": charter_reads.charter_accepted(
                user=request.user, consultation=consultation
            ),
            "form": form,
            "min_days": settings.PLENARY_MIN_ROUND_DAYS,
        },
        status=400 if request.method == "POST" and needed else 200,
    )
