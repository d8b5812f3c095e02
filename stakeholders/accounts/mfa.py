"""Staff pages require a TOTP authenticator when PLENARY_STAFF_REQUIRE_MFA is on.

allauth's MFA (``allauth.mfa``, TOTP) is always available to every account at
/accounts/2fa/.  With the setting on, a user who holds any staff power (a role
on some consultation, a site-wide permission, or Django's staff/superuser
flags) is sent from /staff/… to /accounts/2fa/totp/activate/ until they have
set one up; allauth then asks for the code at every sign-in.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission


def _holds_staff_powers(user) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    if user.has_perm("consult.add_consultation") or user.has_perm(
        "stakeholders.verify_organisation"
    ):
        return True
    return UserObjectPermission.objects.filter(user=user).exists()


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PLENARY_STAFF_REQUIRE_MFA
            and request.path_info.startswith("/staff/")
            and request.user.is_authenticated
            and _holds_staff_powers(request.user)
            and not _has_totp(request.user)
        ):
            messages.warning(
                request,
                _("Staff pages need two-factor authentication: set up an authenticator app."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
