"""The only door for writes to consultations, drafts and rounds."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from consult import permissions
from consult.models import ROLE_PERMISSIONS, Consultation, DocumentVersion, Role, Round
from consult.rounds import services as rounds
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from stakeholders.accounts.services import api_tokens_revoke_unless_staff

User = get_user_model()


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60].strip("-") or "consultation"
    slug, n = base, 2
    while Consultation.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def consultation_create(
    *,
    actor,
    title: str,
    summary: str,
    goals: str = "",
    ground_rules: str = "",
    slug: str = "",
    code_of_conduct: str = "",
    premoderate_first: int | None = 0,
    decision_process: str = "",
) -> Consultation:
    """Create a consultation in preparation; its creator becomes its secretariat."""
    permissions.require_can_create_consultation(actor)
    consultation = Consultation(
        title=title.strip(),
        summary=summary.strip(),
        goals=goals.strip(),
        ground_rules=ground_rules.strip(),
        code_of_conduct=code_of_conduct.strip(),
        decision_process=decision_process.strip(),
        premoderate_first=premoderate_first or 0,
        slug=slugify(slug) if slug else _unique_slug(title),
        created_by=actor,
    )
    consultation.full_clean()
    consultation.save()
    _grant(consultation=consultation, user=actor, role=Role.SECRETARIAT)
    return consultation


@transaction.atomic
def consultation_update(
    *,
    actor,
    consultation: Consultation,
    title: str,
    summary: str,
    goals: str,
    ground_rules: str,
    code_of_conduct: str | None = None,
    premoderate_first: int | None = None,
    decision_process: str | None = None,
    policy_signatures: str | None = None,
    policy_copies: str | None = None,
    policy_generated: str | None = None,
    policy_disputes: str | None = None,
    policy_redaction: str | None = None,
) -> Consultation:
    """Change the consultation's text and settings.  ``policy_*`` are its written
    integrity policies (consult.consultations.policies; blank shows the default
    text); None leaves one as it is, like the moderation settings."""
    permissions.require_can_run(actor, consultation)
    policies = {
        "policy_signatures": policy_signatures,
        "policy_copies": policy_copies,
        "policy_generated": policy_generated,
        "policy_disputes": policy_disputes,
        "policy_redaction": policy_redaction,
    }
    consultation.title = title.strip()
    consultation.summary = summary.strip()
    consultation.goals = goals.strip()
    consultation.ground_rules = ground_rules.strip()
    # None: left as it is (callers that do not edit moderation settings).
    if code_of_conduct is not None:
        consultation.code_of_conduct = code_of_conduct.strip()
    if premoderate_first is not None:
        consultation.premoderate_first = premoderate_first
    if decision_process is not None:
        consultation.decision_process = decision_process.strip()
    for field, text in policies.items():
        if text is not None:
            setattr(consultation, field, text.strip())
    consultation.full_clean()
    consultation.save(
        update_fields=[
            *policies,
            "title",
            "summary",
            "goals",
            "ground_rules",
            "code_of_conduct",
            "premoderate_first",
            "decision_process",
        ]
    )
    return consultation


def _grant(*, consultation: Consultation, user, role: str) -> None:
    for codename in ROLE_PERMISSIONS[role]:
        assign_perm(f"consult.{codename}", user, consultation)


@transaction.atomic
def consultation_role_grant(*, actor, consultation: Consultation, user, role: str) -> None:
    """Give ``user`` a role on the consultation (secretariat, moderator or analyst)."""
    permissions.require_can_run(actor, consultation)
    if role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": _("Unknown role.")})
    _grant(consultation=consultation, user=user, role=role)
    audit_record(
        event=Event.ROLE_GRANTED,
        actor=actor,
        consultation=consultation,
        target=user.email,
        role=role,
    )


@transaction.atomic
def consultation_role_revoke(*, actor, consultation: Consultation, user, role: str) -> None:
    permissions.require_can_run(actor, consultation)
    if role not in ROLE_PERMISSIONS:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.SECRETARIAT and user == actor:
        raise ValidationError({"role": _("You cannot remove yourself from the secretariat.")})
    # The secretariat's powers include moderating and analysing: taking the
    # moderator role from a secretariat member leaves those powers in place.
    kept: set[str] = set()
    if role != Role.SECRETARIAT and permissions.can_run(user, consultation):
        kept = set(ROLE_PERMISSIONS[Role.SECRETARIAT])
    for codename in ROLE_PERMISSIONS[role]:
        if codename not in kept:
            remove_perm(f"consult.{codename}", user, consultation)
    audit_record(
        event=Event.ROLE_REVOKED,
        actor=actor,
        consultation=consultation,
        target=user.email,
        role=role,
    )
    api_tokens_revoke_unless_staff(user=user, actor=actor)


@transaction.atomic
def round_open(
    *,
    actor,
    consultation: Consultation,
    closes_at: datetime,
    opens_at: datetime | None = None,
    title: str = "",
    kind: str = Round.Kind.DRAFT_REVIEW,
    document_version: DocumentVersion | None = None,
    background: str = "",
    short_window_reason: str = "",
) -> Round:
    """Schedule (or open now) the next round; publishes the consultation and its draft.

    The window rules (minimum length or a public reason, no overlap) are
    ``consult.rounds.services.window_errors``, shared with ``round_update``.
    """
    permissions.require_can_run(actor, consultation)
    now = timezone.now()
    opens_at = opens_at or now
    errors: dict[str, str] = {}
    if kind == Round.Kind.DRAFT_REVIEW:
        if document_version is None:
            document_version = consultation.versions.order_by("-number").first()
        if document_version is None:
            errors["document_version"] = _("Import a draft before opening a review round.")
        elif document_version.consultation_id != consultation.pk:
            errors["document_version"] = _("This draft belongs to another consultation.")
    errors.update(
        rounds.window_errors(
            consultation=consultation,
            opens_at=opens_at,
            closes_at=closes_at,
            short_window_reason=short_window_reason,
            now=now,
        )
    )
    if errors:
        raise ValidationError(errors)
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    number = (consultation.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
    round_ = Round(
        consultation=consultation,
        number=number,
        kind=kind,
        title=title.strip(),
        document_version=document_version,
        opens_at=opens_at,
        closes_at=closes_at,
        background=background.strip(),
        short_window_reason=short_window_reason.strip(),
        created_by=actor,
    )
    round_.full_clean()
    round_.save()
    audit_record(
        event="round_scheduled",
        actor=actor,
        consultation=consultation,
        target=f"round {number}",
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
        short_window_reason=round_.short_window_reason,
    )
    if document_version and document_version.published_at is None:
        document_version.published_at = now
        document_version.save(update_fields=["published_at"])
    if consultation.status != Consultation.Status.PUBLISHED:
        consultation.status = Consultation.Status.PUBLISHED
        consultation.published_at = now
        consultation.save(update_fields=["status", "published_at"])
    return round_
