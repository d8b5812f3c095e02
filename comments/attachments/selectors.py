"""Reads of attachments: the files of the comments a page shows, and of the public record.

The checks and writes are ``comments.attachments.services``.
"""

from django.conf import settings
from django.db.models.functions import Substr
from django.urls import reverse

from comments import permissions
from comments.attachments.kinds import LABELS
from comments.models import Attachment

PREVIEW_CHARS = 500


def attachment_lists_set(comments) -> None:
    """Set ``attachment_list`` on each comment (one query for all of them).

    Each attachment carries ``preview`` (the first PREVIEW_CHARS characters of
    its text; the whole text is not loaded) and ``type_label``.  Pages call it
    for the comments they show; templates/comments/_attachments.html lists them.
    """
    comments = [comment for comment in comments if comment is not None]
    if not comments:
        return
    by_comment: dict[int, list[Attachment]] = {comment.pk: [] for comment in comments}
    rows = (
        Attachment.objects.filter(comment_id__in=list(by_comment))
        .defer("extracted_text", "sha256")
        .annotate(preview=Substr("extracted_text", 1, PREVIEW_CHARS))
        .order_by("comment_id", "pk")
    )
    for row in rows:
        row.type_label = LABELS.get(row.content_type, row.content_type)  # type: ignore[attr-defined]  # for the template
        by_comment[row.comment_id].append(row)
    for comment in comments:
        comment.attachment_list = by_comment[comment.pk]


def public_attachments_by_receipt(*, consultation) -> dict[str, list[dict]]:
    """The files of the consultation's public comments, by receipt: one query.

    For the ledger exports and the outcome report: ``{"name", "size", "url"}``
    per file.  Files of private, hidden, pending or withdrawn comments are left
    out, like their text.
    """
    rows = (
        Attachment.objects.filter(
            permissions.public_q("comment__"), comment__consultation=consultation
        )
        .order_by("comment_id", "pk")
        .values_list("comment__receipt", "pk", "original_name", "size")
    )
    index: dict[str, list[dict]] = {}
    for receipt, pk, name, size in rows:
        index.setdefault(receipt, []).append(
            {
                "name": name,
                "size": size,
                "url": settings.SITE_URL + reverse("attachment", args=[pk, name]),
            }
        )
    return index
