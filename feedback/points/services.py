"""Long comments answered point by point (issue 23): the only door for writes.

A point is a passage of a comment's body, or of the text extracted from its
attached paper, with a sub-receipt ``<receipt>-<n>``.  Its decision is
drafted and published like a comment's (feedback.ledger.services: the same
statuses, transitions, rationale rules and hash chain).

Re-splitting: points can be added at any time; a point is removed only while
it has no published decision (its ledger entries protect it, and its
sub-receipt stays what the author was told).
"""

import itertools
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from comments.models import Attachment, Comment
from consult.models import Section
from feedback import permissions
from feedback.ledger.services import (
    disposition_publish_drafts,
    disposition_validate,
    rationale_or_snippet,
)
from feedback.models import (
    CommentPoint,
    DispositionDraft,
    DispositionEntry,
    PointSource,
    PublicationBatch,
    RationaleSnippet,
)
from feedback.points import passages
from plenary.audit.models import Event
from plenary.audit.services import audit_record

# A comment split into more points than this is a mistake, not a reading.
MAX_POINTS = 200


def point_source_text(*, comment: Comment, attachment: Attachment | None) -> str:
    """The text a point's offsets index: the comment's body as stored, or the
    attachment's extracted text."""
    if attachment is None:
        return comment.body
    if attachment.comment_id != comment.pk:
        raise ValidationError({"attachment": _("This file is attached to another comment.")})
    if not attachment.extracted_text.strip():
        raise ValidationError({"attachment": _("No text could be read from this file yet.")})
    return attachment.extracted_text


@transaction.atomic
def points_split(
    *,
    actor,
    comment: Comment,
    spans: Iterable[tuple[int, int]],
    attachment: Attachment | None = None,
) -> list[CommentPoint]:
    """Add points to ``comment``, one per ``(start, end)`` passage of its source text.

    Each passage is tidied to its words (whitespace at its ends is left out)
    and kept exactly as written in ``quote``.  Passages may not be empty,
    leave the text, or overlap each other or the comment's existing points
    on the same text.  New points are numbered after the existing ones, in
    reading order.  All or nothing.
    """
    permissions.require_can_split_points(actor, comment.consultation)
    # Serialise splits of one comment: numbers have no forks.
    Comment.objects.select_for_update().filter(pk=comment.pk).first()
    text = point_source_text(comment=comment, attachment=attachment)
    tidied: list[tuple[int, int]] = []
    for start, end in spans:
        if not (0 <= start < end <= len(text)):
            raise ValidationError(
                {"passages": _("A passage must lie within the text and not be empty.")}
            )
        span = passages.trimmed(text, start, end)
        if span is None:
            raise ValidationError({"passages": _("A passage has no words in it.")})
        tidied.append(span)
    if not tidied:
        raise ValidationError({"passages": _("Select at least one passage.")})
    existing = CommentPoint.objects.filter(comment=comment, attachment=attachment)
    taken = sorted([*existing.values_list("start", "end"), *tidied])
    for (_start, end), (next_start, _end) in itertools.pairwise(taken):
        if next_start < end:
            raise ValidationError(
                {"passages": _("Passages may not overlap each other or an existing point.")}
            )
    count = CommentPoint.objects.filter(comment=comment).count()
    if count + len(tidied) > MAX_POINTS:
        raise ValidationError(
            {"passages": _("A comment has at most %(max)d points.") % {"max": MAX_POINTS}}
        )
    number = CommentPoint.objects.filter(comment=comment).aggregate(n=Max("number"))["n"] or 0
    points = []
    for start, end in sorted(tidied):
        number += 1
        points.append(
            CommentPoint(
                comment=comment,
                number=number,
                source=PointSource.ATTACHMENT if attachment else PointSource.BODY,
                attachment=attachment,
                start=start,
                end=end,
                quote=text[start:end],
                created_by=actor,
            )
        )
    made = CommentPoint.objects.bulk_create(points)
    audit_record(
        event=Event.POINTS_SPLIT,
        actor=actor,
        consultation=comment.consultation_id,
        target=comment.receipt,
        points=[point.receipt for point in made],
        source=(PointSource.ATTACHMENT if attachment else PointSource.BODY).value,
        attachment=attachment.pk if attachment else None,
        spans=[[point.start, point.end] for point in made],
    )
    return made


@transaction.atomic
def points_split_paragraphs(
    *,
    actor,
    comment: Comment,
    selected: list[int],
    breaks: Iterable[int] = (),
    attachment: Attachment | None = None,
) -> list[CommentPoint]:
    """Split by paragraph (the page without JavaScript): consecutive ``selected``
    paragraphs (0-based) make one point, unless a paragraph is in ``breaks``."""
    text = point_source_text(comment=comment, attachment=attachment)
    paragraphs = passages.paragraph_spans(text)
    if any(not 0 <= index < len(paragraphs) for index in selected):
        raise ValidationError({"passages": _("Choose paragraphs of this text.")})
    groups = passages.paragraph_groups(selected, list(breaks))
    return points_split(
        actor=actor,
        comment=comment,
        spans=[(paragraphs[group[0]][0], paragraphs[group[-1]][1]) for group in groups],
        attachment=attachment,
    )


@transaction.atomic
def point_remove(*, actor, point: CommentPoint) -> None:
    """Remove a point that has no published decision (its draft goes with it)."""
    permissions.require_can_split_points(actor, point.comment.consultation)
    if DispositionEntry.objects.filter(point=point).exists():
        raise ValidationError(
            {
                "point": _("Point %(receipt)s has a published decision: it stays.")
                % {"receipt": point.receipt}
            }
        )
    audit_record(
        event=Event.POINT_REMOVED,
        actor=actor,
        consultation=point.comment.consultation_id,
        target=point.comment.receipt,
        point=point.receipt,
        spans=[[point.start, point.end]],
    )
    point.delete()


@transaction.atomic
def point_draft_save(
    *,
    actor,
    point: CommentPoint,
    status: str,
    rationale: str = "",
    target_section: Section | None = None,
    duplicate_of: Comment | None = None,
    snippet: RationaleSnippet | None = None,
) -> DispositionDraft:
    """Save (or replace) the unpublished decision on one point: the rules of a
    comment's decision (feedback.ledger.services.disposition_validate)."""
    comment = point.comment
    permissions.require_can_decide(actor, comment.consultation)
    rationale = rationale_or_snippet(
        rationale=rationale, snippet=snippet, consultation=comment.consultation
    )
    disposition_validate(
        comment=comment,
        status=status,
        rationale=rationale,
        target_section=target_section,
        duplicate_of=duplicate_of,
    )
    draft, _created = DispositionDraft.objects.update_or_create(
        point=point,
        defaults={
            "status": status,
            "rationale": rationale.strip(),
            "target_section": target_section,
            "duplicate_of": duplicate_of,
            "drafted_by": actor,
        },
    )
    return draft


@transaction.atomic
def points_publish(*, actor, comment: Comment) -> PublicationBatch:
    """Publish every drafted decision on the comment's points, as one batch."""
    return disposition_publish_drafts(
        actor=actor,
        consultation=comment.consultation,
        points=CommentPoint.objects.filter(comment=comment),
    )


@transaction.atomic
def point_publish(*, actor, point: CommentPoint) -> DispositionEntry:
    """Publish one point's drafted decision (a batch of one)."""
    batch = disposition_publish_drafts(
        actor=actor, consultation=point.comment.consultation, points=[point]
    )
    return batch.entries.get()
