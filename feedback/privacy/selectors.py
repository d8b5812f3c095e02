"""A participant's own data, all of it, for them to download: ``personal_data_export``
(erasing it is ``feedback.privacy.services.account_erase``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from comments.models import Attachment, Comment, CommentRevision, Flag, Signature
from comments.threads.selectors import with_disposition
from consult.models import Answer, Follow
from feedback.models import Appeal, EvaluationResponse
from plenary.audit.models import AuditEvent
from stakeholders.accounts.unsubscribe import KINDS
from stakeholders.models import Affiliation, InterestTag, Participant, User

# The User fields that switch each kind of mail (stakeholders.accounts.unsubscribe.KINDS): exported,
# and all turned off by erasure, so a new kind of mail cannot be missed here.
MAIL_SWITCHES = tuple(field for field, _label in KINDS.values())

FORMAT = "plenary-personal-data-v1"


def _rows(queryset, *fields: str) -> list[dict[str, Any]]:
    return list(queryset.values(*fields))


def personal_data_export(user: User) -> dict[str, Any]:
    """Everything Plenary holds about ``user``, as JSON-ready data, in a fixed number of
    queries whatever the number of comments: every part is one ``.values()`` query."""
    row = (
        Participant.objects.filter(user=user)
        .values("id", "display_name", "group__name", "country", "gender", "age_range", "created_at")
        .first()
    )
    # A plain dict: keys are added, renamed and removed below.
    participant: dict[str, Any] | None = dict(row) if row is not None else None
    if participant is not None:
        participant["interests"] = list(
            InterestTag.objects.filter(participants__id=participant["id"]).values_list(
                "name", flat=True
            )
        )
        participant["country"] = str(participant["country"])
        participant["group"] = participant.pop("group__name")
        del participant["id"]
    comments = with_disposition(Comment.objects.filter(author=user)).order_by("created_at")
    addresses = []
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress  # an optional app: only if installed

        addresses = _rows(EmailAddress.objects.filter(user=user), "email", "verified", "primary")
    return {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_addresses": addresses,
            **{switch: getattr(user, switch) for switch in MAIL_SWITCHES},
        },
        "profile": participant,
        "affiliations": _rows(
            Affiliation.objects.filter(participant__user=user).order_by("created_at"),
            "organisation__name",
            "status",
            "reason",
            "created_at",
            "decided_at",
        ),
        "comments": _rows(
            comments,
            "receipt",
            "consultation__slug",
            "round__title",
            "section__key",
            "question__text",
            "parent__receipt",
            "on_behalf_of__name",
            "body",
            # Issue 24: an amendment's passage and proposed wording (null otherwise).
            "amendment__quote",
            "amendment__replacement",
            "visibility",
            "moderation",
            "moderation_reason",
            "channel",
            "created_at",
            "edited_at",
            "withdrawn_at",
            "disposition_status",
            "disposition_rationale",
            "disposition_published_at",
        ),
        "revisions": _rows(
            CommentRevision.objects.filter(comment__author=user).order_by(
                "comment__created_at", "number"
            ),
            "comment__receipt",
            "number",
            "body",
            "quote",
            "replacement",
            "created_at",
        ),
        "attachments": _rows(
            Attachment.objects.filter(Q(uploaded_by=user) | Q(comment__author=user))
            .distinct()
            .order_by("created_at"),
            "comment__receipt",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "created_at",
        ),
        "flags_filed": _rows(
            Flag.objects.filter(flagged_by=user).order_by("created_at"),
            "comment__receipt",
            "reason",
            "note",
            "created_at",
            "resolved_at",
        ),
        "appeals": _rows(
            Appeal.objects.filter(appellant=user).order_by("created_at"),
            "comment__receipt",
            "reason",
            "created_at",
            "answer_due_at",
        ),
        "follows": _rows(
            Follow.objects.filter(user=user).order_by("created_at"),
            "consultation__slug",
            "created_at",
        ),
        # Co-signatures (issue 25, part 25a): one's own, and those collected under one's address.
        "signatures": _rows(
            Signature.objects.filter(Q(user=user) | Q(email__iexact=user.email or "-")).order_by(
                "created_at", "pk"
            ),
            "comment__receipt",
            "name",
            "email",
            "group__name",
            "source",
            "converted_from__receipt",
            "created_at",
            "confirmed_at",
            "withdrawn_at",
        ),
        "answers": _rows(
            Answer.objects.filter(respondent=user).order_by("created_at"),
            "question__text",
            "choice__label",
            "scale_value",
            "created_at",
        ),
        "evaluations": _rows(
            EvaluationResponse.objects.filter(respondent=user).order_by("created_at"),
            "consultation__slug",
            "clarity",
            "safety",
            "feedback",
            "comments",
            "created_at",
        ),
        "audit_events": _rows(
            AuditEvent.objects.filter(
                Q(actor=user) | Q(actor_email=user.email.lower()) | Q(target=user.email.lower())
            ).order_by("created_at", "id"),
            "created_at",
            "event",
            "consultation__slug",
            "target",
            "ip",
        ),
    }
