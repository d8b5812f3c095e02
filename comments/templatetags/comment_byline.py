"""``{% comment_byline comment %}``: see ``comments.threads.byline``."""

from django import template

from comments.threads import byline

register = template.Library()


@register.simple_tag
def comment_byline(comment) -> str:
    return byline.comment_byline(comment)
