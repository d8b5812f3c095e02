"""``{% comment_byline comment %}``: see ``comments.byline``."""

from django import template

from comments import byline

register = template.Library()


@register.simple_tag
def comment_byline(comment) -> str:
    return byline.comment_byline(comment)
