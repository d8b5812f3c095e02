"""Reads of assignments: "my queue", the workload per person, the team to assign to,
and a comment's assignment history."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from comments.models import Comment
from comments.threads.selectors import with_disposition
from consult.models import ROLE_PERMISSIONS, Consultation
from feedback.models import Assignment, AssignmentChange, DispositionEntry

if TYPE_CHECKING:
    from stakeholders.models import User

ROLE_CODENAMES = sorted({codename for perms in ROLE_PERMISSIONS.values() for codename in perms})


def team_members(*, consultation: Consultation) -> "QuerySet[User]":
    """Active people holding any role on the consultation: who may be assigned comments.
    One query (guardian's user and group object permissions)."""
    users = cast(
        "QuerySet[User]",
        get_users_with_perms(
            consultation, only_with_perms_in=ROLE_CODENAMES, with_group_users=True
        ),
    )
    return users.filter(is_active=True).select_related("participant").order_by("email")


def overdue_before(*, now: datetime | None = None) -> datetime:
    """Comments made before this moment and still undecided are past the response target."""
    return (now or timezone.now()) - timedelta(days=settings.PLENARY_RESPONSE_TARGET_DAYS)


def my_queue(*, consultation: Consultation, user) -> QuerySet[Comment]:
    """The comments of ``consultation`` assigned to ``user``: those awaiting a draft
    first (no draft, no published decision), then drafted, then decided; oldest first
    within each.  One query for the page, whatever its length."""
    decided = DispositionEntry.objects.filter(comment=OuterRef("pk"))
    return (
        with_disposition(
            Comment.objects.filter(consultation=consultation, assignment__assignee=user)
        )
        .select_related("section", "draft", "assignment", "author__participant__group")
        .annotate(
            stage=Case(
                When(Exists(decided), then=Value(2)),
                When(draft__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("stage", "created_at", "pk")
    )


@dataclass(frozen=True)
class Workload:
    assignee_id: int
    email: str
    display_name: str
    assigned: int
    drafted: int
    published: int
    overdue: int


def workload(*, consultation: Consultation, now: datetime | None = None) -> list[Workload]:
    """Per person holding assignments: how many comments, how many with a draft, with a
    published decision, and still undecided past the response target.  One query."""
    decided = DispositionEntry.objects.filter(comment=OuterRef("comment"))
    rows = (
        Assignment.objects.filter(consultation=consultation)
        .values("assignee_id", "assignee__email", "assignee__participant__display_name")
        .annotate(
            assigned=Count("pk"),
            drafted=Count("pk", filter=Q(comment__draft__isnull=False)),
            published=Count("pk", filter=Q(Exists(decided))),
            overdue=Count(
                "pk",
                filter=Q(~Exists(decided), comment__created_at__lt=overdue_before(now=now)),
            ),
        )
        .order_by("assignee__email")
    )
    return [
        Workload(
            assignee_id=row["assignee_id"],
            email=row["assignee__email"],
            display_name=row["assignee__participant__display_name"] or "",
            assigned=row["assigned"],
            drafted=row["drafted"],
            published=row["published"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def assignments_of(*, consultation: Consultation) -> QuerySet[Assignment]:
    """The current assignments, for the API's list (one query)."""
    return (
        Assignment.objects.filter(consultation=consultation)
        .select_related("comment", "assignee", "assigned_by")
        .order_by("comment__created_at", "comment_id")
    )


def assignment_history(*, comment: Comment) -> QuerySet[AssignmentChange]:
    return (
        AssignmentChange.objects.filter(comment=comment)
        .select_related("assignee", "previous", "changed_by")
        .order_by("changed_at", "pk")
    )
