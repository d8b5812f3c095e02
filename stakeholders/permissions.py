"""Who may do what in the stakeholder registry.  Services call ``require_*``."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def can_verify(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("stakeholders.verify_organisation"))


def require_can_verify(user) -> None:
    if not can_verify(user):
        raise PermissionDenied(_("Only the site's secretariat can verify organisations."))
