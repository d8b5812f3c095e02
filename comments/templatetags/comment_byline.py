"""``{% comment_byline comment %}``: see ``comments.threads.byline``;
``{% author_shown comment as shown %}``: whether the page may name the author
(``comments.permissions.can_see_author``: not when the author published without
their name, except to them and the consultation's team)."""

from django import template

from comments import permissions
from comments.threads import byline

register = template.Library()


@register.simple_tag
def comment_byline(comment) -> str:
    return byline.comment_byline(comment)


@register.simple_tag(takes_context=True)
def author_shown(context, comment) -> bool:
    return permissions.can_see_author(
        context.get("user"), comment, is_staff=context.get("is_staff")
    )
