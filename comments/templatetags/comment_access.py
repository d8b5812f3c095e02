"""``{% comment_access comment as access %}``: what the page may show of a comment.

The flags come from ``comments.permissions.comment_access`` (the one rule for a
comment's text, author, files and history); templates read them and never
restate the rule.  ``is_staff`` is the view's, from the context: every page that
lists comments passes it; elsewhere the rule asks it, when it needs it.
"""

from django import template

from comments import permissions
from comments.models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_access(context, comment: Comment) -> permissions.CommentAccess:
    user = context.get("user")
    is_staff = context.get("is_staff")
    if is_staff is None and (
        permissions.is_public(comment) or permissions.is_author(user, comment)
    ):
        is_staff = False  # not asked: the rule reads no further
    return permissions.comment_access(user, comment, is_staff=is_staff)
