"""What the author and the team see of a comment's redactions (issue 25)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from comments.models import Comment, Redaction


def redactions_of(*, comment: Comment) -> QuerySet[Redaction]:
    return Redaction.objects.filter(comment=comment).order_by("start")


@dataclass(frozen=True)
class Segment:
    """A run of the original text; ``redaction`` set where it was redacted."""

    text: str
    redaction: Redaction | None


def body_segments(*, comment: Comment, redactions) -> list[Segment]:
    """The original text cut at the redacted passages, for the author's view, which
    highlights each passage with its reason (the template escapes the text)."""
    segments, at = [], 0
    for redaction in sorted(redactions, key=lambda r: r.start):
        if redaction.start > at:
            segments.append(Segment(comment.body[at : redaction.start], None))
        segments.append(Segment(comment.body[redaction.start : redaction.end], redaction))
        at = redaction.end
    if at < len(comment.body):
        segments.append(Segment(comment.body[at:], None))
    return segments


def public_body(comment: Comment) -> str:
    """The text as the public reads it: redacted passages replaced by their markers."""
    return comment.redacted_body or comment.body
