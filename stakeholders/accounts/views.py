"""The participant's own pages: profile, affiliations, their data, erasure, API
tokens, the time zone dates are shown in, and the one-click unsubscribe from
reminder mails."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from feedback.privacy import selectors as privacy_selectors
from feedback.privacy import services as privacy
from plenary.forms import NOT_DONE, posted, safe_next, submit
from stakeholders.accounts import selectors as account_selectors
from stakeholders.accounts import services as account_services
from stakeholders.accounts.forms import AffiliationRequestForm, EraseForm, ProfileForm
from stakeholders.accounts.timezone import COOKIE, COOKIE_MAX_AGE, TimezoneForm
from stakeholders.accounts.unsubscribe import KINDS, read_token, reminder_opt_out
from stakeholders.registry import selectors, services


@login_required
def profile(request):
    participant = getattr(request.user, "participant", None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    initial = {"mail_outreach": request.user.mail_outreach}
    if participant:
        initial |= {
            "display_name": participant.display_name,
            "group": participant.group_id,
            "country": participant.country.code,
            "gender": participant.gender,
            "age_range": participant.age_range,
            "interests": list(participant.interests.values_list("pk", flat=True)),
        }
    optional = services.optional_profile_fields()
    form = ProfileForm(posted(request), initial=initial, optional=optional)
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


@login_required
def my_affiliations(request):
    """The organisations I asked to speak for, their status and reasons; ask for another."""
    participant = getattr(request.user, "participant", None)
    form = AffiliationRequestForm(posted(request))
    if participant is not None:
        done = submit(
            request,
            form,
            lambda data: services.affiliation_request(
                participant=participant, organisation=data["organisation"]
            ),
        )
        if done is not NOT_DONE:
            messages.success(
                request,
                _("Your request is recorded: the secretariat will confirm or refuse it."),
            )
            return redirect("my_affiliations")
    return render(
        request,
        "stakeholders/my_affiliations.html",
        {
            "form": form,
            "participant": participant,
            "affiliations": selectors.affiliations_of(user=request.user),
        },
    )


@login_required
def my_data(request):
    """All my data as one JSON download (feedback.privacy.selectors.personal_data_export)."""
    if request.GET.get("download") != "1":
        return render(request, "stakeholders/my_data.html")
    data = privacy_selectors.personal_data_export(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="plenary-my-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def erase(request):
    """Erase my account, after a password (or a typed phrase) confirms it."""
    has_password = request.user.has_usable_password()
    form = EraseForm(posted(request), has_password=has_password)
    erased = submit(
        request,
        form,
        lambda data: privacy.account_erase(
            actor=request.user,
            password=data.get("password", ""),
            phrase=data.get("phrase", ""),
        ),
    )
    if erased is not NOT_DONE:
        logout(request)
        messages.success(
            request,
            _("Your account is erased. Your personal data is gone; thank you for taking part."),
        )
        return redirect("home")
    return render(
        request,
        "stakeholders/erase.html",
        {
            "form": form,
            "has_password": has_password,
            "phrase": privacy.ERASE_PHRASE,
            "withdraw": settings.PLENARY_ERASURE_POLICY == "withdraw",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_tokens(request):
    """My API tokens (never their secrets); POST ``token``: revoke one, or ``all``."""
    tokens = account_selectors.api_tokens_of(user=request.user)
    if request.method == "POST":
        chosen = request.POST.get("token", "")
        if chosen == "all":
            account_services.api_tokens_revoke_all(
                user=request.user, reason=account_services.REVOKED_BY_OWNER, request=request
            )
            messages.success(request, _("All your API tokens are revoked."))
            return redirect("my_tokens")
        token = tokens.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if token is None:
            messages.error(request, _("No such token: nothing was revoked."))
            return render(
                request,
                "stakeholders/my_tokens.html",
                {"tokens": tokens, "idle_days": settings.PLENARY_API_TOKEN_IDLE_DAYS},
                status=400,
            )
        account_services.api_token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, _("The token is revoked."))
        return redirect("my_tokens")
    return render(
        request,
        "stakeholders/my_tokens.html",
        {"tokens": tokens, "idle_days": settings.PLENARY_API_TOKEN_IDLE_DAYS},
    )


def timezone_settings(request) -> HttpResponse:
    """GET: the choice of zone.  POST: remember it in the ``tz`` cookie and go back."""
    current = timezone.get_current_timezone_name()
    form = TimezoneForm(
        posted(request), initial={"tz": current, "next": request.GET.get("next", "")}
    )
    if request.method == "POST":
        if form.is_valid():
            response = redirect(safe_next(request, form.cleaned_data["next"], "/"))
            response.set_cookie(
                COOKIE,
                form.cleaned_data["tz"],
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
            )
            return response
        return render(
            request,
            "timezone.html",
            {"form": form, "current": current, "error": _("Nothing was changed.")},
            status=400,
        )
    return render(request, "timezone.html", {"form": form, "current": current})


@csrf_exempt  # RFC 8058: the mail client POSTs without a CSRF token; the signed token suffices
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str) -> HttpResponse:
    """GET: confirm with a button (no change).  POST (the button or one-click): turn it off."""
    if request.method == "POST":
        try:
            _user, kind = reminder_opt_out(token=token)
        except ValidationError as exc:
            return render(
                request, "reminders/unsubscribe.html", {"error": exc.messages[0]}, status=400
            )
        return render(
            request,
            "reminders/unsubscribe.html",
            {"done": True, "what": KINDS[kind][1]},
        )
    try:
        _user_id, kind = read_token(token)
    except ValidationError as exc:
        return render(request, "reminders/unsubscribe.html", {"error": exc.messages[0]}, status=400)
    return render(request, "reminders/unsubscribe.html", {"what": KINDS[kind][1]})
