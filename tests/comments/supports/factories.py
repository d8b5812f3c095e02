"""Amendments for the supports tests, proposed through the real door:
``comment_create(amendment=...)`` (issue 24)."""

from comments.models import Comment
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
    """A comment proposing to replace ``quote`` (which must occur once in the section)
    by ``replacement``."""
    comment = comment_services.comment_create(
        actor=actor,
        consultation=consultation,
        section_key=section_key,
        body=body,
        amendment={"quote": quote, "replacement": replacement},
        **kwargs,
    )
    return Comment.objects.select_related("amendment", "round", "consultation", "section").get(
        pk=comment.pk
    )
