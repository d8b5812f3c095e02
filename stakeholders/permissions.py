"""Who may do what in the stakeholder registry, and the staff two-factor rule.
Services call ``require_*``."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

# The second factors that count for staff: an authenticator app (recovery
# codes only exist beside one), or a security key where allauth offers them.
STAFF_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def holds_staff_powers(user) -> bool:
    """A role on some consultation, a site-wide staff permission, or Django's
    staff/superuser flags (up to three queries)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.has_perm("consult.add_consultation") or user.has_perm(
        "stakeholders.verify_organisation"
    ):
        return True
    return UserObjectPermission.objects.filter(user=user).exists()


def staff_mfa_satisfied(user) -> bool:
    """False when PLENARY_STAFF_REQUIRE_MFA is on and ``user`` holds staff powers
    without a second factor: then those powers are void everywhere, pages and API.

    The one place the rule is written; the permission functions that read a
    staff power (``consult.permissions``, ``can_verify`` here) ask it only after
    the power is found, so participants pay nothing, and staff one query.
    """
    if not settings.PLENARY_STAFF_REQUIRE_MFA or not user.is_authenticated:
        return True
    return is_mfa_enabled(user, STAFF_FACTORS) or not holds_staff_powers(user)


def staff_mfa_message() -> str:
    return _(
        "Staff powers need two-factor authentication: set up an authenticator app "
        "at /accounts/2fa/ first."
    )


def can_verify(user) -> bool:
    return bool(
        user.is_authenticated
        and user.has_perm("stakeholders.verify_organisation")
        and staff_mfa_satisfied(user)
    )


def require_can_verify(user) -> None:
    if not can_verify(user):
        raise PermissionDenied(_("Only the site's secretariat can verify organisations."))
