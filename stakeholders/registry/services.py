"""The only door for writes to the stakeholder registry."""

from collections.abc import Iterable
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from plenary import site_data
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.outbox import services as outbox
from stakeholders import permissions
from stakeholders.models import (
    Affiliation,
    InterestTag,
    Organisation,
    Participant,
    StakeholderGroup,
    User,
)
from stakeholders.names import name_key, name_problem

WITHDRAWN_NAME = "Withdrawn participant"


def check_display_name(*, display_name: str, exclude_participant_id: int | None) -> str:
    """The display name, tidied, unless it equals or imitates a name already in use.

    "Imitates" is ``names.name_key``: case, accents, spacing, punctuation,
    look-alike digits (0/o, 1/l) and look-alike letters of other scripts (the
    TR39 skeleton) do not tell two names apart.  Before that, ``names.name_problem``
    refuses bidi controls, invisible and filler characters, words mixing
    scripts, and the reserved words (``PLENARY_RESERVED_NAMES``) and their look-alikes.  Verified
    organisations (not merged away), other participants and the placeholder
    of erased accounts are protected.  The keys are stored and indexed
    (``names.NameKeyField``), so each check is one index lookup.
    """
    name = " ".join(display_name.split())
    if not name:
        raise ValidationError({"display_name": _("Choose a display name or pseudonym.")})
    problem = name_problem(name)
    if problem is not None:
        raise ValidationError({"display_name": problem})
    key = name_key(name)
    if not key:
        raise ValidationError(
            {"display_name": _("A display name needs at least one letter or digit.")}
        )
    if key.startswith(name_key(WITHDRAWN_NAME)):
        raise ValidationError(
            {"display_name": _("This name is kept for withdrawn participants; choose another.")}
        )
    # One index lookup each (NameKeyField): the keys are stored with the names.
    organisation_name = (
        Organisation.objects.filter(
            name_key=key, verified_at__isnull=False, merged_into__isnull=True
        )
        .values_list("name", flat=True)
        .first()
    )
    if organisation_name is not None:
        raise ValidationError(
            {
                "display_name": _(
                    "This name is too close to that of the verified organisation "
                    "“%(organisation)s”; choose another. To speak for it, ask for an "
                    "affiliation instead."
                )
                % {"organisation": organisation_name}
            }
        )
    others = Participant.objects.filter(name_key=key)
    if exclude_participant_id:
        others = others.exclude(pk=exclude_participant_id)
    other_name = others.values_list("display_name", flat=True).first()
    if other_name is not None:
        raise ValidationError(
            {
                "display_name": _(
                    "This name is too close to that of another participant "
                    "(“%(name)s”); choose another."
                )
                % {"name": other_name}
            }
        )
    return name


def optional_profile_fields() -> list[str]:
    """The optional profile fields this site asks for (PLENARY_PROFILE_OPTIONAL_FIELDS)."""
    return [f for f in settings.PLENARY_PROFILE_OPTIONAL_FIELDS if f in OPTIONAL_FIELDS]


OPTIONAL_FIELDS = ("gender", "age_range")


def _check_country(country: str) -> str:
    code = (country or "").strip().upper()
    if code not in dict(countries):
        raise ValidationError(
            {
                "country": _("“%(country)s” is not a country on our list; choose one from it.")
                % {"country": country}
                if country
                else _("Choose your country.")
            }
        )
    return code


@transaction.atomic
def participant_save_profile(
    *,
    user: User,
    display_name: str,
    group: StakeholderGroup,
    country: str,
    gender: str = "",
    age_range: str = "",
    interests: Iterable[InterestTag] = (),
    mail_outreach: bool | None = None,
) -> Participant:
    """Create or update the signed-in user's profile.

    Public: display name, group, country.  Seen by the secretariat only (for
    balance statistics): gender, age range and interests.  The optional fields
    the site does not ask for (PLENARY_PROFILE_OPTIONAL_FIELDS) are stored
    empty: what is not asked for is not kept.  Interests must be tags of the
    chosen group.  ``mail_outreach`` (None: unchanged) is the opt-in to
    invitations for under-represented groups (feedback.outreach.services).
    """
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Sign in first."))
    participant = Participant.objects.filter(user=user).first()
    name = check_display_name(
        display_name=display_name, exclude_participant_id=participant.pk if participant else None
    )
    code = _check_country(country)
    enabled = optional_profile_fields()
    tags = list(interests)
    stray = [tag.name for tag in tags if tag.group_id != group.pk]
    if stray:
        raise ValidationError(
            {
                "interests": _("Not interests of the group “%(group)s”: %(tags)s.")
                % {"group": group.name, "tags": ", ".join(stray)}
            }
        )
    if participant is None:
        participant = Participant(user=user)
    participant.display_name = name
    participant.group = group
    participant.country = code
    participant.gender = gender.strip() if "gender" in enabled else ""
    participant.age_range = age_range if "age_range" in enabled else ""
    participant.full_clean()
    participant.save()
    participant.interests.set(tags)
    if mail_outreach is not None and user.mail_outreach != bool(mail_outreach):
        user.mail_outreach = bool(mail_outreach)
        user.save(update_fields=["mail_outreach"])
    return participant


def _check_organisation_name(*, name: str) -> str:
    """The name, tidied, unless it is unfit (``names.name_problem``, reserved words
    aside: the site's secretariat registers real bodies, such as "Secretariat of
    the Pacific Community") or it equals or imitates (``name_key``) one in the registry."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the organisation's name.")})
    problem = name_problem(name, reserved=False)
    if problem is not None:
        raise ValidationError({"name": problem})
    key = name_key(name)
    same = (
        Organisation.objects.filter(name_key=key)
        if key
        else Organisation.objects.filter(name__iexact=name)
    )
    existing = same.select_related("merged_into").first()
    if existing is not None:
        raise ValidationError(
            {
                "name": _("“%(name)s” is already in the registry.") % {"name": existing.name}
                if existing.merged_into is None
                else _("“%(name)s” is already in the registry, merged into “%(into)s”.")
                % {"name": existing.name, "into": existing.merged_into.name}
            }
        )
    return name


@transaction.atomic
def organisation_create(
    *,
    actor: User,
    name: str,
    group: StakeholderGroup,
    country: str = "",
    website: str = "",
) -> Organisation:
    """The site's secretariat adds an organisation to the registry (not yet verified)."""
    permissions.require_can_verify(actor)
    organisation = Organisation(
        name=_check_organisation_name(name=name),
        group=group,
        country=_check_country(country) if country else "",
        website=website.strip(),
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def _merged_message(organisation: Organisation) -> str:
    return _("“%(name)s” was merged into “%(into)s”: choose “%(into)s” instead.") % {
        "name": organisation.name,
        "into": cast(Organisation, organisation.merged_into).name,  # called once merged
    }


@transaction.atomic
def organisation_verify(*, actor: User, organisation: Organisation, note: str) -> Organisation:
    """The site's secretariat verifies an organisation, recording the evidence it rests on."""
    permissions.require_can_verify(actor)
    if organisation.merged_into_id is not None:
        raise ValidationError({"note": _merged_message(organisation)})
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


# Which of two affiliations of one person survives a merge: the stronger status.
_STRENGTH: dict[str, int] = {
    Affiliation.Status.VERIFIED: 2,
    Affiliation.Status.REQUESTED: 1,
    Affiliation.Status.REFUSED: 0,
}


@transaction.atomic
def organisation_merge(*, actor: User, duplicate: Organisation, into: Organisation) -> Organisation:
    """Merge a duplicate organisation into another, losing no history.

    The duplicate's row stays (comments made on its behalf keep pointing at
    it, and every display follows ``merged_into``), but it is no longer
    offered.  Its affiliations move to ``into``; a person affiliated with
    both keeps one, with the stronger status (verified, then requested, then
    refused).  Organisations merged earlier into the duplicate now point at
    ``into``, so a display follows one step at most.
    """
    permissions.require_can_verify(actor)
    # Lock both rows: two merges at once cannot cross (A into B, B into A).
    locked = {
        o.pk: o
        for o in Organisation.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, into.pk])
        .order_by("pk")
    }
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    if duplicate.pk == into.pk:
        raise ValidationError({"into": _("An organisation cannot be merged into itself.")})
    if duplicate.merged_into is not None:
        raise ValidationError(
            {
                "into": _("“%(name)s” was already merged into “%(into)s”.")
                % {"name": duplicate.name, "into": duplicate.merged_into.name}
            }
        )
    if into.merged_into_id is not None:
        raise ValidationError({"into": _merged_message(into)})
    kept = {a.participant_id: a for a in Affiliation.objects.filter(organisation=into)}
    moved = 0
    for affiliation in Affiliation.objects.filter(organisation=duplicate).order_by("pk"):
        other = kept.get(affiliation.participant_id)
        if other is None:
            affiliation.organisation = into
            affiliation.save(update_fields=["organisation"])
            moved += 1
            continue
        if _STRENGTH[affiliation.status] > _STRENGTH[other.status]:
            other.status = affiliation.status
            other.decided_by_id = affiliation.decided_by_id
            other.decided_at = affiliation.decided_at
            other.reason = affiliation.reason
            other.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        affiliation.delete()
    Organisation.objects.filter(merged_into=duplicate).update(merged_into=into)
    duplicate.merged_into = into
    duplicate.merged_at = timezone.now()
    duplicate.save(update_fields=["merged_into", "merged_at"])
    audit_record(
        event="organisation_merged",
        actor=actor,
        target=f"{duplicate.name} → {into.name}"[:500],
        organisation=duplicate.pk,
        into=into.pk,
        affiliations_moved=moved,
    )
    return duplicate


@transaction.atomic
def stakeholder_group_update(
    *,
    actor: User,
    group: StakeholderGroup,
    name: str,
    description: str,
    ordinal: int,
    translations: dict | None = None,
) -> StakeholderGroup:
    """The site's secretariat renames, describes or reorders a stakeholder group, and
    gives its name and description in the other interface languages
    (``{"fr": {"name": ..., "description": ...}}``; plenary.site_data); ``None``
    keeps the translations as they are, an empty text drops that one."""
    permissions.require_can_verify(actor)
    group.name = " ".join(name.split())
    group.description = description.strip()
    group.ordinal = ordinal
    if not group.name:
        raise ValidationError({"name": _("Give the group a name.")})
    if translations is not None:
        group.translations = site_data.translations_clean(translations, ["name", "description"])
        too_long = [
            language
            for language, texts in group.translations.items()
            if len(texts.get("name", "")) > 100  # StakeholderGroup.name's max_length
        ]
        if too_long:
            raise ValidationError(
                {
                    f"name_{language}": _("Keep the name under 100 characters.")
                    for language in too_long
                }
            )
    group.full_clean()
    group.save(update_fields=["name", "description", "ordinal", "translations"])
    return group


@transaction.atomic
def interest_tag_create(*, actor: User, group: StakeholderGroup, name: str) -> InterestTag:
    """The site's secretariat adds an interest tag inside a stakeholder group."""
    permissions.require_can_verify(actor)
    name = " ".join(name.split())
    slug = slugify(name)[:60]
    if not slug:
        raise ValidationError({"name": _("Give the interest a name (letters or digits).")})
    if InterestTag.objects.filter(group=group, slug=slug).exists():
        raise ValidationError(
            {"name": _("The group “%(group)s” already has this interest.") % {"group": group}}
        )
    tag = InterestTag(group=group, slug=slug, name=name)
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def affiliation_request(*, participant: Participant, organisation: Organisation) -> Affiliation:
    """A participant asks the secretariat to confirm they belong to an organisation.

    Refused: an organisation merged into another (the message names it), and
    a second request for the same organisation, whatever became of the first.
    """
    if participant.user.erased_at is not None or not participant.user.is_active:
        raise PermissionDenied(_("This account can no longer ask for affiliations."))
    if organisation.merged_into_id is not None:
        raise ValidationError({"organisation": _merged_message(organisation)})
    existing = Affiliation.objects.filter(
        participant=participant, organisation=organisation
    ).first()
    if existing is not None:
        messages: dict[str, str] = {
            Affiliation.Status.REQUESTED: _(
                "You already asked to be affiliated with “%(name)s”; the secretariat will decide."
            ),
            Affiliation.Status.VERIFIED: _("You are already affiliated with “%(name)s”."),
            Affiliation.Status.REFUSED: _(
                "The secretariat refused your affiliation with “%(name)s”; its reason is on "
                "your affiliations page. Write to the secretariat if something has changed."
            ),
        }
        raise ValidationError(
            {"organisation": messages[existing.status] % {"name": organisation.name}}
        )
    return Affiliation.objects.create(participant=participant, organisation=organisation)


@transaction.atomic
def affiliation_decide(
    *, actor: User, affiliation: Affiliation, approve: bool, reason: str = ""
) -> Affiliation:
    """The site's secretariat approves or refuses (with a reason) an affiliation.

    The participant is mailed the decision (owed to them: no unsubscribe),
    through the outbox, once per decision.
    """
    permissions.require_can_verify(actor)
    if not approve and not reason.strip():
        raise ValidationError({"reason": _("Say why the affiliation is refused.")})
    if affiliation.organisation.merged_into_id is not None:
        raise ValidationError({"organisation": _merged_message(affiliation.organisation)})
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
    outbox.enqueue(
        "stakeholders.tasks.send_affiliation_decision",
        affiliation_id=affiliation.pk,
        decided_at=affiliation.decided_at.isoformat(),
    )
    return affiliation


def affiliation_decision_send(*, affiliation_id: int, decided_at: str) -> bool:
    """Mail the participant the decision on their affiliation; True if a mail went.

    Keyed per decision (``decided_at``), so a re-run sends nothing twice and
    a later, different decision is mailed too.  Nothing is sent to an erased
    account, nor for a decision that has since been replaced.
    """
    affiliation = (
        Affiliation.objects.select_related("participant__user", "organisation")
        .filter(pk=affiliation_id)
        .first()
    )
    if affiliation is None or affiliation.decided_at is None:
        return False
    user = affiliation.participant.user
    if user.erased_at is not None or affiliation.decided_at.isoformat() != decided_at:
        return False
    approved = affiliation.status == Affiliation.Status.VERIFIED
    subject = (
        _("Your affiliation with %(name)s is confirmed")
        if approved
        else _("Your affiliation with %(name)s was not confirmed")
    ) % {"name": affiliation.organisation.name[:120]}
    return outbox.send_mail_once(
        key=f"affiliation-{affiliation.pk}-{decided_at}",
        to=user.email,
        subject=subject,
        text=render_to_string(
            "stakeholders/email/affiliation_decision.txt",
            {
                "affiliation": affiliation,
                "approved": approved,
                "link": settings.SITE_URL + reverse("my_affiliations"),
            },
        ),
    )
