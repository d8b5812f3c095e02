from django import template
from django.utils.safestring import mark_safe

from plenary.text import render_markdown

register = template.Library()


@register.filter
def markdown(source: str) -> str:
    """Render Markdown safely (markdown-it-py + nh3), for charter texts written by staff."""
    return mark_safe(render_markdown(source or ""))  # noqa: S308 - nh3-sanitised
