"""The process evaluation's pages: the participant's form and the secretariat's results."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult.access import consultation_for, team_consultation
from feedback import permissions
from feedback.evaluation import selectors as evaluation_selectors
from feedback.evaluation import services as evaluation
from plenary.forms import NOT_DONE, posted, submit

_SCALE_CHOICES = [
    (1, gettext_lazy("1: not at all")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, gettext_lazy("5: fully")),
]


class EvaluationForm(forms.Form):
    clarity = forms.TypedChoiceField(
        label=evaluation_selectors.QUESTION_LABELS["clarity"],
        choices=_SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    safety = forms.TypedChoiceField(
        label=evaluation_selectors.QUESTION_LABELS["safety"],
        choices=_SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    feedback = forms.TypedChoiceField(
        label=evaluation_selectors.QUESTION_LABELS["feedback"],
        choices=_SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(
        label=gettext_lazy("Anything else? (optional)"),
        required=False,
        strip=False,
        max_length=evaluation.COMMENTS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Read by the secretariat only."),
    )


@login_required
def evaluation_form(request, slug: str):
    """Participants of the consultation only; once; from the last round's close."""
    consultation = consultation_for(request, slug)
    permissions.require_participant(request.user, consultation)
    answered = evaluation_selectors.already_answered(user=request.user, consultation=consultation)
    closed = permissions.is_closed(consultation=consultation)
    form = EvaluationForm(posted(request))
    if answered or not closed:  # nothing to fill in; a POST changes nothing
        return render(
            request,
            "feedback/evaluation.html",
            {"consultation": consultation, "answered": answered, "closed": closed, "form": form},
            status=400 if request.method == "POST" else 200,
        )
    response = submit(
        request,
        form,
        lambda data: evaluation.evaluation_submit(
            actor=request.user, consultation=consultation, **data
        ),
    )
    if response is not NOT_DONE:
        messages.success(request, _("Thank you: your evaluation is recorded."))
        return redirect("consultation", slug=consultation.slug)
    return render(
        request,
        "feedback/evaluation.html",
        {"consultation": consultation, "answered": False, "closed": True, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def evaluation_results(request, slug: str):
    consultation = team_consultation(request, slug)
    results = evaluation_selectors.evaluation_results_for(
        actor=request.user, consultation=consultation
    )
    return render(
        request,
        "feedback/evaluation_results.html",
        {"consultation": consultation, "results": results},
    )
