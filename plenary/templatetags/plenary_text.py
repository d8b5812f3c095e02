from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from plenary.text import render_markdown

register = template.Library()


@register.filter
def markdown(source: str) -> str:
    """Render Markdown safely (markdown-it-py + nh3), for charter texts written by staff."""
    return mark_safe(render_markdown(source or ""))  # noqa: S308 - nh3-sanitised


@register.filter
def isolate(value) -> str:
    """``value`` (a name somebody chose) escaped inside ``<bdi>``: its direction is
    its own, so right-to-left letters or a bidi control left in old data cannot
    reorder the text around it.  Empty stays empty."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)
