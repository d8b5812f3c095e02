"""How the API reaches a comment by its receipt, with the check that goes with it."""

from django.http import Http404
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.models import Comment
from comments.threads import selectors


def comment_or_404(receipt: str, user) -> Comment:
    comment = selectors.comment_by_receipt(receipt=receipt)
    if comment is None or not comment_permissions.can_view_receipt(user, comment):
        raise Http404(_("No comment has the receipt “%(receipt)s”.") % {"receipt": receipt})
    return comment
