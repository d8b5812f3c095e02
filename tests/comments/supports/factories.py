"""Amendments for the supports tests.

Part 24a writes amendments through ``comment_create(amendment=...)``; until that is
merged, ``propose`` writes the comment through the real service and then its
``Amendment`` row.  Swap its body for the service call at the merge.
"""

from comments.models import Amendment, Comment
from comments.supports.preview import plain_text
from comments.threads import services as comment_services

SECTION = (
    "1-purpose-2"  # "Open data supports accountability and lets people build useful services."
)


def propose(
    *,
    actor,
    consultation,
    quote: str = "accountability",
    replacement: str = "public accountability",
    section_key: str = SECTION,
    body: str = "Say whose accountability.",
    **kwargs,
) -> Comment:
    """A comment proposing to replace ``quote`` (which must occur in the section) by
    ``replacement``."""
    comment = comment_services.comment_create(
        actor=actor, consultation=consultation, section_key=section_key, body=body, **kwargs
    )
    text = plain_text(comment.section.body_html)
    start = text.index(quote)
    Amendment.objects.create(
        comment=comment, quote=quote, replacement=replacement, start=start, end=start + len(quote)
    )
    return Comment.objects.select_related("amendment", "round", "consultation", "section").get(
        pk=comment.pk
    )
