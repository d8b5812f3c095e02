"""The only door for writes to assignments: who on the team drafts which comments.

One call assigns (or unassigns) a whole scope, set-based: a selection of comments,
everything in a section, a theme or a campaign cluster, or everything one member
holds (reassignment).  Its queries do not grow with the scope but for one INSERT
per ``BATCH`` rows of each table.  Every call is one audit event; every comment
whose assignee changed gets one append-only ``AssignmentChange``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult.models import Consultation, Section
from feedback import permissions
from feedback.models import Assignment, AssignmentChange, CampaignCluster, Theme
from plenary.audit.models import Event
from plenary.audit.services import audit_record

BATCH = 5000  # rows per INSERT: 6 columns, under PostgreSQL's 65,535 parameters


@dataclass(frozen=True)
class Scope:
    """What a call covers: exactly one of its fields is set."""

    comments: tuple[Comment, ...] | None = None
    section_key: str | None = None
    theme: Theme | None = None
    cluster: CampaignCluster | None = None
    held_by: Any = None  # a user: everything they hold (reassignment)

    @classmethod
    def of(
        cls,
        *,
        comments: Iterable[Comment] | None = None,
        section_key: str | None = None,
        theme: Theme | None = None,
        cluster: CampaignCluster | None = None,
        held_by=None,
    ) -> "Scope":
        return cls(
            comments=tuple(comments) if comments is not None else None,
            section_key=section_key or None,
            theme=theme,
            cluster=cluster,
            held_by=held_by,
        )

    def describe(self) -> dict:
        """For the audit event's detail."""
        if self.comments is not None:
            return {"comments": len(self.comments)}
        if self.section_key is not None:
            return {"section": self.section_key}
        if self.theme is not None:
            return {"theme": self.theme.pk}
        if self.cluster is not None:
            return {"cluster": self.cluster.pk}
        return {"held_by": getattr(self.held_by, "email", "")}


def scope_comments(*, consultation: Consultation, scope: Scope) -> QuerySet[Comment]:
    """The consultation's comments ``scope`` names; ValidationError naming the field
    when it names nothing, several things, or something of another consultation."""
    given = [
        name
        for name in ("comments", "section_key", "theme", "cluster", "held_by")
        if getattr(scope, name) is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            {
                "comments": _(
                    "Choose what to assign: selected comments, a section, a theme or a "
                    "campaign cluster (one of them)."
                )
            }
        )
    comments = Comment.objects.filter(consultation=consultation)
    if scope.comments is not None:
        if not scope.comments:
            raise ValidationError({"comments": _("Select at least one comment in the list.")})
        elsewhere = [c.receipt for c in scope.comments if c.consultation_id != consultation.pk]
        if elsewhere:
            raise ValidationError(
                {
                    "comments": _("These comments belong to another consultation: %(r)s.")
                    % {"r": ", ".join(elsewhere)}
                }
            )
        return comments.filter(pk__in=[c.pk for c in scope.comments])
    # A whole section, theme or cluster: its input, not the team's own replies
    # (feedback.permissions.team_response_q, the rule triage and the desk use).
    held_by = scope.held_by
    comments = (
        comments
        if held_by is not None
        else comments.exclude(permissions.team_response_q(consultation))
    )
    if scope.section_key is not None:
        if not Section.objects.filter(
            version__consultation=consultation, key=scope.section_key
        ).exists():
            raise ValidationError({"section": _("This consultation has no such section.")})
        return comments.filter(section__key=scope.section_key)
    if scope.theme is not None:
        if scope.theme.consultation_id != consultation.pk:
            raise ValidationError({"theme": _("This theme belongs to another consultation.")})
        return comments.filter(theme_tags__theme=scope.theme)
    if scope.cluster is not None:
        if scope.cluster.consultation_id != consultation.pk:
            raise ValidationError(
                {"cluster": _("This campaign cluster belongs to another consultation.")}
            )
        return comments.filter(campaign__cluster=scope.cluster)
    return comments.filter(assignment__assignee=scope.held_by)


def _nothing_matched() -> ValidationError:
    return ValidationError({"comments": _("No comment matches: nothing was changed.")})


@transaction.atomic
def assignments_assign(*, actor, consultation: Consultation, assignee, scope: Scope) -> int:
    """Give the comments ``scope`` names to ``assignee`` (a member of the consultation's
    team); return how many changed hands (those already theirs are left as they were)."""
    permissions.require_can_assign(actor, consultation)
    if assignee is None or not permissions.can_be_assigned(assignee, consultation):
        raise ValidationError(
            {
                "assignee": _(
                    "Only people holding a role on this consultation can be assigned comments."
                )
            }
        )
    rows = list(
        scope_comments(consultation=consultation, scope=scope)
        .order_by("pk")
        .values_list("pk", "assignment__assignee_id")
    )
    if not rows:
        raise _nothing_matched()
    changed = [(pk, previous) for pk, previous in rows if previous != assignee.pk]
    now = timezone.now()
    Assignment.objects.bulk_create(
        [
            Assignment(
                comment_id=pk,
                consultation=consultation,
                assignee=assignee,
                assigned_by=actor,
                assigned_at=now,
            )
            for pk, _previous in changed
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["comment"],
        update_fields=["assignee", "assigned_by", "assigned_at"],
    )
    _history(consultation=consultation, actor=actor, assignee=assignee, changed=changed, now=now)
    audit_record(
        event=Event.ASSIGNMENT_CHANGED,
        actor=actor,
        consultation=consultation,
        target=assignee.email,
        action="assign",
        count=len(changed),
        **scope.describe(),
    )
    return len(changed)


@transaction.atomic
def assignments_unassign(*, actor, consultation: Consultation, scope: Scope) -> int:
    """Take the comments ``scope`` names from whoever holds them; return how many."""
    permissions.require_can_assign(actor, consultation)
    targets = scope_comments(consultation=consultation, scope=scope)
    held = Assignment.objects.filter(consultation=consultation, comment__in=targets)
    changed = list(held.order_by("comment_id").values_list("comment_id", "assignee_id"))
    if not changed:
        raise ValidationError({"comments": _("None of these comments is assigned to anyone.")})
    now = timezone.now()
    Assignment.objects.filter(comment_id__in=[pk for pk, _previous in changed]).delete()
    _history(consultation=consultation, actor=actor, assignee=None, changed=changed, now=now)
    audit_record(
        event=Event.ASSIGNMENT_CHANGED,
        actor=actor,
        consultation=consultation,
        action="unassign",
        count=len(changed),
        **scope.describe(),
    )
    return len(changed)


def _history(
    *, consultation, actor, assignee, changed: Sequence[tuple[int, int | None]], now
) -> None:
    AssignmentChange.objects.bulk_create(
        [
            AssignmentChange(
                consultation=consultation,
                comment_id=pk,
                assignee=assignee,
                previous_id=previous,
                changed_by=actor,
                changed_at=now,
            )
            for pk, previous in changed
        ],
        batch_size=BATCH,
    )
