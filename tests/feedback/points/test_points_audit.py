"""Splitting a comment into points and removing a point are in the audit log:
who, which comment, which sub-receipts and offsets (never the quoted text); a
refused split or removal leaves no row."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feedback.models import Status
from feedback.points import services
from plenary.audit.models import AuditEvent, Event
from tests.feedback.ledger.test_chain import comment_on

pytestmark = pytest.mark.django_db

LETTER = "Name the licence.\r\n\r\nCover the regulators.\r\n\r\nPublish every quarter."


@pytest.fixture
def letter(consultation, stakeholder):
    return comment_on(consultation, stakeholder, LETTER)


def test_a_split_through_the_team_page_is_audited_with_receipts_and_offsets(
    letter, secretariat, client
):
    client.force_login(secretariat)
    url = f"/staff/comments/{letter.receipt}/points/"
    response = client.post(url, {"paragraphs": ["0", "1"], "breaks": ["1"]})
    assert response.status_code == 302
    event = AuditEvent.objects.get(event=Event.POINTS_SPLIT)
    assert (event.actor, event.consultation_id, event.target) == (
        secretariat,
        letter.consultation_id,
        letter.receipt,
    )
    assert event.detail == {
        "points": [f"{letter.receipt}-1", f"{letter.receipt}-2"],
        "source": "body",
        "attachment": None,
        "spans": [[0, 17], [21, 42]],
    }
    assert "licence" not in str(event.detail)  # the participant's words stay in the comment


def test_a_split_by_passage_is_audited(letter, secretariat):
    start = LETTER.index("Cover")
    (point,) = services.points_split(
        actor=secretariat, comment=letter, spans=[(start - 2, start + len("Cover"))]
    )
    event = AuditEvent.objects.get(event=Event.POINTS_SPLIT)
    assert event.detail["points"] == [point.receipt]
    assert event.detail["spans"] == [[start, start + len("Cover")]]  # as tidied


def test_a_refused_split_leaves_no_audit_row(letter, secretariat, stakeholder):
    with pytest.raises(ValidationError):
        services.points_split(actor=secretariat, comment=letter, spans=[(0, 999)])
    with pytest.raises(PermissionDenied):
        services.points_split(actor=stakeholder, comment=letter, spans=[(0, 4)])
    assert not AuditEvent.objects.filter(event=Event.POINTS_SPLIT).exists()


def test_removing_a_point_is_audited_and_a_refused_removal_is_not(letter, secretariat):
    one, two = services.points_split_paragraphs(
        actor=secretariat, comment=letter, selected=[0, 1], breaks=[1]
    )
    services.point_draft_save(actor=secretariat, point=one, status=Status.NOTED)
    services.point_publish(actor=secretariat, point=one)
    with pytest.raises(ValidationError):
        services.point_remove(actor=secretariat, point=one)
    services.point_remove(actor=secretariat, point=two)
    (event,) = AuditEvent.objects.filter(event=Event.POINT_REMOVED)
    assert (event.actor, event.target) == (secretariat, letter.receipt)
    assert event.detail == {"point": f"{letter.receipt}-2", "spans": [[21, 42]]}
