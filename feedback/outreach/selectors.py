"""Outreach's reads: who an invitation reaches, how many were sent lately, the history
(written by ``feedback.outreach.services``, whose docstring says who is invited)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from comments.models import Comment
from consult.models import Consultation, OutreachInvitation
from stakeholders.accounts.unsubscribe import Kind, reachable
from stakeholders.models import StakeholderGroup, User


def outreach_recipients(
    *, consultation: Consultation, groups: Iterable[StakeholderGroup]
) -> QuerySet[User]:
    """The people an invitation to ``groups`` goes to (see the module docstring)."""
    commented = Comment.objects.filter(consultation=consultation, author=OuterRef("pk"))
    return (
        reachable(User.objects.filter(participant__group__in=groups), Kind.OUTREACH)
        .exclude(Exists(commented))
        .order_by("pk")
    )


def outreach_reachable(*, consultation: Consultation) -> dict[int, int]:
    """How many people an invitation would reach, per group id (one query)."""
    rows = (
        outreach_recipients(consultation=consultation, groups=StakeholderGroup.objects.all())
        .order_by()
        .values("participant__group_id")
        .annotate(n=Count("pk"))
    )
    return {row["participant__group_id"]: row["n"] for row in rows}


def outreach_sent_recently(*, consultation: Consultation, now=None) -> int:
    now = now or timezone.now()
    return OutreachInvitation.objects.filter(
        consultation=consultation, created_at__gt=now - timedelta(days=1)
    ).count()


def outreach_history(*, consultation: Consultation, limit: int = 20):
    """The consultation's latest invitations with their groups (two queries)."""
    return (
        OutreachInvitation.objects.filter(consultation=consultation)
        .select_related("sent_by")
        .prefetch_related("groups")
        .order_by("-created_at", "-pk")[:limit]
    )
