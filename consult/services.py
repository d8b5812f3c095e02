"""The only door for writes to consultations, drafts and rounds."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.text import markdown_blocks, render_markdown

from . import permissions
from .models import ROLE_PERMISSIONS, Consultation, DocumentVersion, Role, Round, Section

User = get_user_model()

DRAFT_MAX_CHARS = 500_000


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
) -> Consultation:
    """Create a consultation in preparation; its creator becomes its secretariat."""
    permissions.require_can_create_consultation(actor)
    consultation = Consultation(
        title=title.strip(),
        summary=summary.strip(),
        goals=goals.strip(),
        ground_rules=ground_rules.strip(),
        code_of_conduct=code_of_conduct.strip(),
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
) -> Consultation:
    permissions.require_can_run(actor, consultation)
    consultation.title = title.strip()
    consultation.summary = summary.strip()
    consultation.goals = goals.strip()
    consultation.ground_rules = ground_rules.strip()
    # None: left as it is (callers that do not edit moderation settings).
    if code_of_conduct is not None:
        consultation.code_of_conduct = code_of_conduct.strip()
    if premoderate_first is not None:
        consultation.premoderate_first = premoderate_first
    consultation.full_clean()
    consultation.save(
        update_fields=[
            "title",
            "summary",
            "goals",
            "ground_rules",
            "code_of_conduct",
            "premoderate_first",
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


def _section_keys(blocks: list[tuple[str, str]]) -> list[str]:
    """Readable keys: the heading's slug and the block's position under it."""
    keys: list[str] = []
    seen: set[str] = set()
    counters: dict[str, int] = {}
    for heading, _body in blocks:
        base = slugify(heading)[:48].strip("-") or "para"
        counters[base] = counters.get(base, 0) + 1
        key = f"{base}-{counters[base]}"
        while key in seen:
            counters[base] += 1
            key = f"{base}-{counters[base]}"
        seen.add(key)
        keys.append(key)
    return keys


@transaction.atomic
def draft_import(
    *, actor, consultation: Consultation, source: str, changelog: str = ""
) -> DocumentVersion:
    """Import a Markdown draft as the next version, split into keyed sections."""
    permissions.require_can_run(actor, consultation)
    if len(source) > DRAFT_MAX_CHARS:
        raise ValidationError(
            {"source": _("The draft is longer than %(max)d characters.") % {"max": DRAFT_MAX_CHARS}}
        )
    blocks = markdown_blocks(source)
    if not blocks:
        raise ValidationError({"source": _("The draft has no paragraphs to comment on.")})
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    number = (consultation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion.objects.create(
        consultation=consultation,
        number=number,
        source=source,
        changelog=changelog.strip(),
        created_by=actor,
    )
    Section.objects.bulk_create(
        Section(
            version=version,
            key=key,
            ordinal=ordinal,
            heading=heading[:300],
            body=body,
            body_html=render_markdown(body),
        )
        for ordinal, ((heading, body), key) in enumerate(
            zip(blocks, _section_keys(blocks), strict=True), start=1
        )
    )
    return version


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
) -> Round:
    """Schedule (or open now) the next round; publishes the consultation and its draft."""
    permissions.require_can_run(actor, consultation)
    now = timezone.now()
    opens_at = opens_at or now
    errors: dict[str, str] = {}
    if closes_at <= opens_at:
        errors["closes_at"] = _("The closing date must be after the opening date.")
    elif closes_at <= now:
        errors["closes_at"] = _("The closing date must be in the future.")
    if kind == Round.Kind.DRAFT_REVIEW:
        if document_version is None:
            document_version = consultation.versions.order_by("-number").first()
        if document_version is None:
            errors["document_version"] = _("Import a draft before opening a review round.")
        elif document_version.consultation_id != consultation.pk:
            errors["document_version"] = _("This draft belongs to another consultation.")
    if (
        not errors
        and consultation.rounds.filter(
            Q(opens_at__lt=closes_at) & Q(closes_at__gt=opens_at)
        ).exists()
    ):
        errors["opens_at"] = _("This round would overlap another round of the consultation.")
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
        created_by=actor,
    )
    round_.full_clean()
    round_.save()
    if document_version and document_version.published_at is None:
        document_version.published_at = now
        document_version.save(update_fields=["published_at"])
    if consultation.status != Consultation.Status.PUBLISHED:
        consultation.status = Consultation.Status.PUBLISHED
        consultation.published_at = now
        consultation.save(update_fields=["status", "published_at"])
    return round_
