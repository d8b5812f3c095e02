"""Reads of moderation: the queue, its counts, hidden comments, blocks and a comment's history.

The writes (flags, actions, blocks) are ``comments.moderation.services``.
"""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
)

from comments.models import Comment, ConsultationBlock, Flag, ModerationAction
from consult.models import Consultation

Moderation = Comment.Moderation


def moderation_queue(*, consultation: Consultation) -> QuerySet[Comment]:
    """Comments waiting for a moderator, oldest first: open flags, or pre-moderation.

    Each carries ``open_flag_count``, ``first_flagged_at``, ``waiting_since``
    and ``open_flags`` (prefetched, with who flagged).  Two queries per page,
    plus the paginator's count.
    """
    is_open = Q(flags__resolved_at__isnull=True)
    open_flags = Flag.objects.filter(resolved_at__isnull=True).select_related(
        "flagged_by__participant"
    )
    return (
        Comment.objects.filter(consultation=consultation)
        .annotate(
            open_flag_count=Count("flags", filter=is_open),
            first_flagged_at=Min("flags__created_at", filter=is_open),
        )
        .filter(Q(moderation=Moderation.PENDING) | Q(open_flag_count__gt=0))
        .annotate(
            waiting_since=Case(
                When(moderation=Moderation.PENDING, then=F("created_at")),
                default=F("first_flagged_at"),
            )
        )
        .select_related(
            "section", "author__participant__group", "on_behalf_of__merged_into", "consultation"
        )
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("waiting_since", "pk")
    )


def moderation_counts(*, consultation: Consultation) -> dict[str, int]:
    """How many comments have an open report and how many await pre-moderation (one query).

    "Open report" is an ``EXISTS`` on the flags, not a condition over a LEFT
    JOIN: there, a comment without any flag has a NULL ``resolved_at`` too and
    was counted as reported (every comment of the consultation).
    """
    open_flag = Exists(Flag.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True))
    return Comment.objects.filter(consultation=consultation).aggregate(
        pending=Count("pk", filter=Q(moderation=Moderation.PENDING)),
        flagged=Count("pk", filter=Q(open_flag)),
    )


def comments_hidden(*, consultation: Consultation, limit: int = 20) -> QuerySet[Comment]:
    """The most recently hidden comments (to restore one), newest first: one query."""
    return (
        Comment.objects.filter(consultation=consultation, moderation=Moderation.HIDDEN)
        .select_related("author__participant__group", "on_behalf_of__merged_into")
        .order_by("-updated_at", "-pk")[:limit]
    )


def blocks_active(*, consultation: Consultation) -> QuerySet[ConsultationBlock]:
    """Participants blocked from the consultation now, most recent first (one query)."""
    return (
        ConsultationBlock.objects.filter(consultation=consultation, lifted_at__isnull=True)
        .select_related("user__participant", "blocked_by__participant")
        .order_by("-created_at", "-pk")
    )


def actions_of_comment(*, comment: Comment) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(comment=comment).select_related("actor__participant")
