"""Who may comment and who may see what.  Services call ``require_*``."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from consult import permissions as consult_permissions
from consult.models import Consultation

from .models import Comment


def has_profile(user) -> bool:
    return bool(user.is_authenticated and hasattr(user, "participant"))


def require_can_comment(user, consultation: Consultation) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to comment."))
    if not has_profile(user):
        raise PermissionDenied(_("Complete your profile (display name, group, country) first."))
    consult_permissions.require_can_view(user, consultation)


def can_see_text(user, comment: Comment, *, is_staff: bool | None = None) -> bool:
    """Whether ``user`` may read the comment's text and author.

    ``is_staff`` may be passed when the caller already knows it for the
    comment's consultation, to avoid a permission query per comment.
    """
    if comment.is_public:
        return True
    if user.is_authenticated and comment.author_id == user.pk:
        return True
    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(user, comment.consultation)
    return is_staff


def can_view_receipt(user, comment: Comment) -> bool:
    """A receipt resolves only in a published consultation, except for its staff."""
    if comment.consultation.status == comment.consultation.Status.PUBLISHED:
        return True
    return consult_permissions.is_staff_of(user, comment.consultation)
