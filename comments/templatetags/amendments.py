"""``amendment|amendment_change``: what ``comments/amendments/_change.html`` shows of
an amendment (issue 24): the passage struck, the wording inserted and a few words
of its paragraph either side.  Given a ``CommentRevision`` of an amendment (the
history page), its quote and wording as they were, without context."""

from django import template

from comments.amendments.selectors import Change, change_of
from comments.models import Amendment, CommentRevision

register = template.Library()


@register.filter
def amendment_change(amendment: Amendment | CommentRevision) -> Change:
    if not isinstance(amendment, Amendment):
        return Change("", amendment.quote or "", amendment.replacement or "", "")
    # The amendment's comment and section are the list's (joined or the page's).
    section = amendment.comment.section
    return change_of(amendment, section_body=section.body if section else None)
