"""Reads of the input staff entered (the entry and import are ``comments.offline.services``)."""

from comments.models import Comment
from consult.models import Consultation


def entered_comments(*, consultation: Consultation):
    """The comments staff entered for this consultation, newest first: one query."""
    return (
        Comment.objects.filter(consultation=consultation, entered_by__isnull=False)
        .select_related("section", "question", "entered_by", "round", "meeting")
        .order_by("-created_at", "-pk")
    )
