"""Consultation set-up rules: who may do it, and bad input that changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consult import permissions
from consult.consultations import services
from consult.models import Consultation, DocumentVersion, Role, Round
from consult.versions import services as version_services
from tests.stakeholders.factories import UserFactory


def test_stakeholder_cannot_create_consultation(stakeholder):
    with pytest.raises(PermissionDenied):
        services.consultation_create(actor=stakeholder, title="Mine", summary="No")
    assert Consultation.objects.count() == 0


def test_creator_becomes_secretariat_and_only_secretariat_grants_roles(
    secretariat, consultation, stakeholder, other_stakeholder
):
    assert permissions.can_run(secretariat, consultation)
    with pytest.raises(PermissionDenied):
        services.consultation_role_grant(
            actor=stakeholder, consultation=consultation, user=stakeholder, role=Role.SECRETARIAT
        )
    assert not permissions.can_run(stakeholder, consultation)
    services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=other_stakeholder, role=Role.MODERATOR
    )
    assert permissions.can_moderate(other_stakeholder, consultation)
    assert not permissions.can_run(other_stakeholder, consultation)


def test_revoking_moderator_from_secretariat_keeps_secretariat_powers(
    secretariat, consultation, stakeholder
):
    services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=stakeholder, role=Role.SECRETARIAT
    )
    services.consultation_role_revoke(
        actor=secretariat, consultation=consultation, user=stakeholder, role=Role.MODERATOR
    )
    stakeholder = type(stakeholder).objects.get(pk=stakeholder.pk)  # fresh permission cache
    assert permissions.can_run(stakeholder, consultation)
    assert permissions.can_moderate(stakeholder, consultation)


def test_roles_do_not_leak_to_other_consultations(secretariat, consultation, other_secretariat):
    other = Consultation.objects.exclude(pk=consultation.pk).get()
    assert permissions.can_run(other_secretariat, other)
    assert not permissions.is_staff_of(other_secretariat, consultation)
    assert not permissions.is_staff_of(secretariat, other)


@pytest.mark.parametrize("source", ["", "   \n\n", "---\n\n***\n"], ids=["empty", "blank", "rules"])
def test_draft_without_paragraphs_is_refused(secretariat, consultation, source):
    before = DocumentVersion.objects.count()
    with pytest.raises(ValidationError) as exc:
        version_services.draft_import(actor=secretariat, consultation=consultation, source=source)
    assert "source" in exc.value.message_dict
    assert DocumentVersion.objects.count() == before


def test_sections_keep_exact_text_and_stable_keys(secretariat):
    consultation = services.consultation_create(actor=secretariat, title="Keys", summary="s")
    source = "Intro paragraph.\n\n## Scope\nFirst.\n\nSecond <b>raw</b>.\n\n## Scope\nThird."
    version = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=source
    )
    rows = list(version.sections.values_list("key", "heading", "body"))
    assert rows == [
        ("para-1", "", "Intro paragraph."),
        ("scope-1", "Scope", "First."),
        ("scope-2", "Scope", "Second <b>raw</b>."),
        ("scope-3", "Scope", "Third."),
    ]
    assert "<b>" not in version.sections.get(key="scope-2").body_html


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        (0, -1, "closes_at"),  # closes before it opens
        (-10, -1, "closes_at"),  # already closed
        (5, 40, "opens_at"),  # overlaps the open round
    ],
)
def test_bad_round_dates_are_refused(secretariat, consultation, opens, closes, field):
    now = timezone.now()
    before = Round.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.round_open(
            actor=secretariat,
            consultation=consultation,
            opens_at=now + timedelta(days=opens),
            closes_at=now + timedelta(days=closes),
        )
    assert field in exc.value.message_dict
    assert Round.objects.count() == before


def test_review_round_needs_a_draft(secretariat):
    consultation = services.consultation_create(actor=secretariat, title="Empty", summary="s")
    with pytest.raises(ValidationError) as exc:
        services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=21),
        )
    assert "document_version" in exc.value.message_dict
    assert consultation.rounds.count() == 0
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT


def test_unpublished_consultation_is_hidden_from_the_public(client, secretariat):
    consultation = services.consultation_create(actor=secretariat, title="Hidden", summary="s")
    assert client.get(f"/c/{consultation.slug}/").status_code == 403
    client.force_login(UserFactory())
    assert client.get(f"/c/{consultation.slug}/").status_code == 403
    client.force_login(secretariat)
    assert client.get(f"/c/{consultation.slug}/").status_code == 200
