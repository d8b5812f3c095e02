"""Reads of comments.  Lists carry their current disposition and cost one query."""

from django.db.models import Prefetch, Q, QuerySet

from consult import permissions as consult_permissions
from consult.models import Consultation, Section
from feedback.selectors import with_disposition_detail

from .models import Comment
from .receipts import normalise

_RELATED = (
    "consultation",
    "round",
    "section",
    "parent",
    "author__participant__group",
    "on_behalf_of",
)


def _with_related(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return with_disposition_detail(comments.select_related(*_RELATED))


def comment_list_for_viewer(
    *, consultation: Consultation, viewer, is_staff: bool
) -> QuerySet[Comment]:
    """The consultation's comments ``viewer`` may read, oldest first.

    Everyone sees public, visible comments; authors also see their own private
    or hidden ones; the consultation's staff see all.
    """
    comments = Comment.objects.filter(consultation=consultation)
    if not is_staff:
        readable = Q(visibility=Comment.Visibility.PUBLIC, moderation=Comment.Moderation.VISIBLE)
        if viewer.is_authenticated:
            readable |= Q(author=viewer)
        comments = comments.filter(readable)
    return _with_related(comments).order_by("created_at", "pk")


def comment_by_receipt(*, receipt: str) -> Comment | None:
    """A comment by its receipt, as people type it (case, spaces, O/0 and I/1 forgiven)."""
    return _with_related(Comment.objects.filter(receipt=normalise(receipt))).first()


def comments_of_author(*, user) -> QuerySet[Comment]:
    """Everything ``user`` wrote, in every consultation, newest first."""
    if not user.is_authenticated:
        return Comment.objects.none()
    return _with_related(Comment.objects.filter(author=user)).order_by("-created_at", "-pk")


def visible_to(*, viewer, consultation: Consultation, is_staff: bool | None = None) -> Q:
    """The filter for the comments of ``consultation`` that ``viewer`` may read."""
    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(viewer, consultation)
    if is_staff:
        return Q()
    readable = Q(visibility=Comment.Visibility.PUBLIC, moderation=Comment.Moderation.VISIBLE)
    if viewer.is_authenticated:
        readable |= Q(author=viewer)
    return readable


def section_threads(*, section: Section, viewer, is_staff: bool) -> QuerySet[Comment]:
    """Top-level comments on a section, each with ``reply_list`` prefetched.

    Two queries per page of threads (plus the paginator's count), whatever
    the number of comments or replies.
    """
    readable = visible_to(
        viewer=viewer, consultation=section.version.consultation, is_staff=is_staff
    )
    replies = _with_related(Comment.objects.filter(readable)).order_by("created_at", "pk")
    return (
        _with_related(Comment.objects.filter(readable, section=section, root__isnull=True))
        .prefetch_related(Prefetch("thread", queryset=replies, to_attr="reply_list"))
        .order_by("created_at", "pk")
    )
