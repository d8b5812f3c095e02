"""Who may decide dispositions.  The rule lives in consult.permissions (secretariat)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from consult import permissions as consult_permissions
from consult.models import Consultation


def can_decide(user, consultation: Consultation) -> bool:
    return consult_permissions.can_run(user, consultation)


def require_can_decide(user, consultation: Consultation) -> None:
    if not can_decide(user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat can record dispositions."))
