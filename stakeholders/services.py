"""The only door for writes to the stakeholder registry."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plenary.audit.models import Event
from plenary.audit.services import audit_record

from . import permissions
from .models import Affiliation, Organisation, Participant, StakeholderGroup, User


def _check_display_name(*, display_name: str, exclude_participant_id: int | None) -> str:
    name = " ".join(display_name.split())
    if not name:
        raise ValidationError({"display_name": _("Choose a display name or pseudonym.")})
    if Organisation.objects.filter(name__iexact=name, verified_at__isnull=False).exists():
        raise ValidationError(
            {"display_name": _("This name belongs to a verified organisation; choose another.")}
        )
    clash = Participant.objects.filter(display_name__iexact=name)
    if exclude_participant_id:
        clash = clash.exclude(pk=exclude_participant_id)
    if clash.exists():
        raise ValidationError({"display_name": _("Another participant already uses this name.")})
    return name


@transaction.atomic
def participant_save_profile(
    *, user: User, display_name: str, group: StakeholderGroup, country: str, gender: str = ""
) -> Participant:
    """Create or update the signed-in user's public profile."""
    if not user.is_authenticated:
        raise ValidationError(_("Sign in first."))
    participant = Participant.objects.filter(user=user).first()
    name = _check_display_name(
        display_name=display_name, exclude_participant_id=participant.pk if participant else None
    )
    if participant is None:
        participant = Participant(user=user)
    participant.display_name = name
    participant.group = group
    participant.country = country
    participant.gender = gender.strip()
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def organisation_create(
    *, name: str, group: StakeholderGroup, country: str = "", website: str = ""
) -> Organisation:
    organisation = Organisation(
        name=" ".join(name.split()), group=group, country=country, website=website
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def organisation_verify(*, actor: User, organisation: Organisation, note: str) -> Organisation:
    permissions.require_can_verify(actor)
    if not note.strip():
        raise ValidationError({"note": _("Record the evidence the verification rests on.")})
    organisation.verified_at = timezone.now()
    organisation.verified_by = actor
    organisation.verification_note = note.strip()
    organisation.save(update_fields=["verified_at", "verified_by", "verification_note"])
    audit_record(
        event=Event.ORGANISATION_VERIFIED,
        actor=actor,
        target=organisation.name,
        organisation=organisation.pk,
    )
    return organisation


@transaction.atomic
def affiliation_request(*, participant: Participant, organisation: Organisation) -> Affiliation:
    affiliation, _created = Affiliation.objects.get_or_create(
        participant=participant, organisation=organisation
    )
    return affiliation


@transaction.atomic
def affiliation_decide(
    *, actor: User, affiliation: Affiliation, approve: bool, reason: str = ""
) -> Affiliation:
    permissions.require_can_verify(actor)
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Say why the affiliation is refused.")})
    affiliation.status = Affiliation.Status.VERIFIED if approve else Affiliation.Status.REFUSED
    affiliation.decided_by = actor
    affiliation.decided_at = timezone.now()
    affiliation.reason = reason.strip()
    affiliation.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        event=Event.AFFILIATION_DECIDED,
        actor=actor,
        target=f"{affiliation.participant_id} / {affiliation.organisation_id}",
        affiliation=affiliation.pk,
        status=affiliation.status,
    )
    return affiliation
