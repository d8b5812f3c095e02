"""Who may comment and who may see what.  Services call ``require_*``."""

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from consult import permissions as consult_permissions
from consult.models import Consultation

from .models import Comment


def has_profile(user) -> bool:
    return bool(user.is_authenticated and hasattr(user, "participant"))


def has_verified_email(user) -> bool:
    """Whether the address the account signs in with (and gets receipts at) is
    confirmed (allauth's EmailAddress.verified).  One query."""
    if not user.is_authenticated or not user.email:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def needs_email_verification(user) -> bool:
    """Signed in, but the address is not confirmed yet: pages say so instead of a form."""
    return bool(user.is_authenticated and not has_verified_email(user))


def require_can_comment(user, consultation: Consultation) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to comment."))
    if not has_profile(user):
        raise PermissionDenied(_("Complete your profile (display name, group, country) first."))
    if not has_verified_email(user):
        raise PermissionDenied(
            _(
                "Confirm your email address before commenting: follow the link in the mail "
                "we sent you, or ask for a new one on your account's email page."
            )
        )
    consult_permissions.require_can_view(user, consultation)
    from .moderation import require_not_blocked  # moderation imports this module

    require_not_blocked(user, consultation)


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


def is_author(user, comment: Comment) -> bool:
    return bool(user.is_authenticated and comment.author_id == user.pk)


def can_change(user, comment: Comment) -> bool:
    """Whether to offer ``user`` the edit and withdraw links: the author, while the
    comment's round is open and the comment is not withdrawn.  The services decide."""
    return is_author(user, comment) and comment.withdrawn_at is None and comment.round.is_open()


def require_is_author(user, comment: Comment) -> None:
    """Only a comment's author edits or withdraws it (not even the secretariat)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to change your comment."))
    if comment.author_id != user.pk:
        raise PermissionDenied(_("Only its author can change or withdraw a comment."))
    require_can_comment(user, comment.consultation)
