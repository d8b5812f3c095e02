from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from consult import permissions as consult_permissions


def can_view_all(user) -> bool:
    """Superusers and site staff given ``audit.view_auditevent`` read the whole log."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm("audit.view_auditevent")))
    )


def require_can_view_all(user) -> None:
    if not can_view_all(user):
        raise PermissionDenied(_("Only site administrators can read the audit log."))


def require_can_view_consultation(user, consultation) -> None:
    """A consultation's secretariat reads that consultation's events."""
    if not (can_view_all(user) or consult_permissions.can_run(user, consultation)):
        raise PermissionDenied(_("Only this consultation's secretariat can read its audit log."))
