"""Staff need a second factor when PLENARY_STAFF_REQUIRE_MFA is on: where it is enforced.

allauth's MFA (``allauth.mfa``: TOTP, recovery codes) is available to every
account at /accounts/2fa/.  The rule itself is
``stakeholders.permissions.staff_mfa_satisfied``: with the setting on, a person
who holds staff powers (a role on some consultation, a site-wide permission,
Django's staff/superuser flags) but has no authenticator has none of those
powers, because every permission function that reads one asks it.  Here:

* ``StaffMFAMiddleware`` sends such a person from the staff pages (/staff/…)
  and the admin (/admin/…) to /accounts/2fa/totp/activate/, with a message;
  allauth then asks for the code at every sign-in.
* ``api_exception_handler`` (DRF's EXCEPTION_HANDLER) keeps plenary.api's
  error format, and answers a 403 caused by the rule with a JSON body that
  says to set up two-factor authentication.
* The token endpoint issues no token to such a person (``services.api_token_issue``).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from rest_framework import status

from plenary.api import exception_handler
from stakeholders.permissions import staff_mfa_message, staff_mfa_satisfied

GUARDED_PREFIXES = ("/staff/", "/admin/")


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PLENARY_STAFF_REQUIRE_MFA
            and request.path_info.startswith(GUARDED_PREFIXES)
            and request.user.is_authenticated
            and not staff_mfa_satisfied(request.user)
        ):
            messages.warning(request, staff_mfa_message())
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def api_exception_handler(exc, context):
    """plenary.api.exception_handler; a refusal due to the staff rule says so."""
    response = exception_handler(exc, context)
    request = context.get("request")
    if (
        response is not None
        and response.status_code == status.HTTP_403_FORBIDDEN
        and request is not None
        and request.user.is_authenticated
        and not staff_mfa_satisfied(request.user)
    ):
        response.data = {"detail": staff_mfa_message(), "code": "staff_mfa_required"}
    return response
