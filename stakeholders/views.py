from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from plenary.forms import NOT_DONE, submit

from . import services
from .forms import ProfileForm


@login_required
def profile(request):
    participant = getattr(request.user, "participant", None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    initial = {}
    if participant:
        initial = {
            "display_name": participant.display_name,
            "group": participant.group_id,
            "country": participant.country.code,
            "gender": participant.gender,
        }
    form = ProfileForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: services.participant_save_profile(user=request.user, **data),
    )
    if saved is not NOT_DONE:
        messages.success(request, _("Your profile is saved."))
        return redirect(next_url or "home")
    return render(
        request,
        "stakeholders/profile.html",
        {"form": form, "participant": participant, "next": next_url},
    )
