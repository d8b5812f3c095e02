"""The secretariat's page composing the next version from the adopted amendments
(issue 24): a form with one button (no script needed), then the result: the
amendments applied, the conflicts per section, those skipped, and links to review
the composed draft."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from consult import permissions
from consult.access import consultation_for
from feedback.compose import selectors, services
from feedback.compose.forms import ComposeForm
from plenary.forms import NOT_DONE, submit


@login_required
def compose(request, slug: str):
    consultation = consultation_for(request, slug, require=permissions.require_can_run)
    form = ComposeForm(request.POST or None)
    composition = submit(
        request,
        form,
        lambda data: services.version_compose(
            actor=request.user, consultation=consultation, changelog=data["changelog"]
        ),
    )
    done = composition is not NOT_DONE
    return render(
        request,
        "feedback/compose.html",
        {
            "consultation": consultation,
            "form": form,
            "composition": composition if done else None,
            "current": selectors.current_version(consultation=consultation),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
