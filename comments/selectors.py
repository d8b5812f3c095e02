"""Reads of comments.  Lists carry their current disposition and cost one query."""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from consult import permissions as consult_permissions
from consult.models import Consultation, Section
from feedback.models import DispositionEntry
from feedback.selectors import with_disposition, with_disposition_detail

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


def comments_of_author_with_history(*, user) -> QuerySet[Comment]:
    """Everything ``user`` wrote, grouped by consultation and round, with every decision.

    The consultation the user wrote in most recently comes first; inside it the
    latest round, then the newest comment.  ``published_history`` lists the
    comment's ledger entries oldest first (the ledger holds published decisions
    only: the secretariat's drafts are a separate table and never shown here).
    Two queries per page, plus the paginator's count.
    """
    if not user.is_authenticated:
        return Comment.objects.none()
    latest_here = (
        Comment.objects.filter(author=user, consultation=OuterRef("consultation"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    history = DispositionEntry.objects.select_related("target_section", "duplicate_of").order_by(
        "sequence"
    )
    return (
        _with_related(Comment.objects.filter(author=user))
        .annotate(last_in_consultation=Subquery(latest_here))
        .prefetch_related(Prefetch("dispositions", queryset=history, to_attr="published_history"))
        .order_by(
            "-last_in_consultation", "consultation_id", "-round__number", "-created_at", "-pk"
        )
    )


def author_summary(*, user) -> dict[str, int]:
    """How many comments ``user`` wrote and how many still await a response, in one query."""
    if not user.is_authenticated:
        return {"total": 0, "awaiting": 0}
    return with_disposition(Comment.objects.filter(author=user)).aggregate(
        total=Count("pk"), awaiting=Count("pk", filter=Q(disposition_status__isnull=True))
    )


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
