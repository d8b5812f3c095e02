"""``amendment|amendment_change``: what ``comments/amendments/_change.html`` shows of
an amendment (issue 24): the passage struck, the wording inserted and, unless
``amendment|amendment_change:"brief"``, a few words of its paragraph either side."""

from django import template

from comments.amendments.selectors import Change, change_of
from comments.models import Amendment

register = template.Library()


@register.filter
def amendment_change(amendment: Amendment, mode: str = "") -> Change:
    if mode == "brief":
        return change_of(amendment)
    # The amendment's comment and section are the list's (joined or the page's).
    section = amendment.comment.section
    return change_of(amendment, section_body=section.body if section else None)
