"""Appeals over the API: POST /api/v1/comments/<receipt>/appeals/, the ``appeals`` of a
comment, and a disposition that answers an appeal."""

from datetime import timedelta

import pytest
import time_machine

from comments.threads import services as comment_services
from feedback.ledger import services
from feedback.models import Appeal, DispositionEntry, Status
from tests.api.helpers import dispositions_url

pytestmark = pytest.mark.django_db


def appeals_url(receipt: str) -> str:
    return f"/api/v1/comments/{receipt}/appeals/"


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Say more."
    )


@pytest.fixture
def decided(secretariat, comment):
    return services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=Status.NOT_ACCEPTED,
        rationale="Out of mandate.",
        publish=True,
    )


def test_author_files_an_appeal(client_for, stakeholder, comment, decided, settings):
    settings.PLENARY_APPEAL_ANSWER_DAYS = 10
    response = client_for(stakeholder).post(
        appeals_url(comment.receipt.lower()), {"reason": "It is in the mandate."}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get()
    assert body["id"] == appeal.pk
    assert body["receipt"] == comment.receipt
    assert body["reason"] == "It is in the mandate."
    assert body["status"] == "open"
    assert body["answered_at"] is None
    assert set(body) >= {"created_at", "answer_due_at"}
    assert appeal.answer_due_at - appeal.created_at == timedelta(days=10)


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 5001}, "reason")],
    ids=["missing", "blank", "too-long"],
)
def test_bad_reason_is_a_400_naming_the_field(
    client_for, stakeholder, comment, decided, payload, field
):
    response = client_for(stakeholder).post(appeals_url(comment.receipt), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Appeal.objects.count() == 0


def test_refusals_name_the_comment(client_for, stakeholder, comment, decided):
    client = client_for(stakeholder)
    with time_machine.travel(decided.published_at + timedelta(days=15), tick=False):
        late = client.post(appeals_url(comment.receipt), {"reason": "Late."}, format="json")
    assert late.status_code == 400 and "comment" in late.json()
    assert client.post(appeals_url(comment.receipt), {"reason": "1"}, format="json").status_code
    again = client.post(appeals_url(comment.receipt), {"reason": "2"}, format="json")
    assert again.status_code == 400 and "comment" in again.json()
    assert Appeal.objects.count() == 1


def test_no_decision_yet_is_a_400(client_for, stakeholder, comment):
    response = client_for(stakeholder).post(
        appeals_url(comment.receipt), {"reason": "Why?"}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()


@pytest.mark.parametrize(
    ("role", "code"),
    [("anonymous_user", 401), ("other_stakeholder", 403), ("moderator", 403), ("secretariat", 403)],
)
def test_only_the_author_can_file(request, client_for, role, code, comment, decided):
    actor = request.getfixturevalue(role)
    client = client_for(actor if actor.is_authenticated else None)
    response = client.post(appeals_url(comment.receipt), {"reason": "Me too."}, format="json")
    assert response.status_code == code
    assert Appeal.objects.count() == 0


def test_unknown_receipt_is_a_404(client_for, stakeholder):
    response = client_for(stakeholder).post(
        appeals_url("ZZZZZ-ZZZZZ"), {"reason": "x"}, format="json"
    )
    assert response.status_code == 404


def test_secretariat_answers_through_the_dispositions_endpoint(
    client_for, secretariat, stakeholder, comment, decided
):
    appeal = services.appeal_file(actor=stakeholder, comment=comment, reason="Look again.")
    client = client_for(secretariat)

    no_reason = client.post(
        dispositions_url(comment.receipt),
        {"status": "accepted", "rationale": "", "publish": True, "appeal": appeal.pk},
        format="json",
    )
    assert no_reason.status_code == 400 and "rationale" in no_reason.json()
    unknown = client.post(
        dispositions_url(comment.receipt),
        {"status": "accepted", "rationale": "Yes.", "publish": True, "appeal": appeal.pk + 99},
        format="json",
    )
    assert unknown.status_code == 400 and "appeal" in unknown.json()

    response = client.post(
        dispositions_url(comment.receipt),
        {"status": "accepted", "rationale": "You are right.", "publish": True, "appeal": appeal.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["appeal"] == appeal.pk
    entry = DispositionEntry.objects.get(appeal=appeal)

    detail = client_for().get(f"/api/v1/comments/{comment.receipt}/").json()
    assert detail["disposition"]["status"] == "accepted"
    [listed] = detail["appeals"]
    assert listed["id"] == appeal.pk
    assert listed["status"] == "answered"
    assert listed["answer_sequence"] == entry.sequence
    assert listed["reason"] == "Look again."


def test_appeal_of_another_comment_is_refused(
    client_for, secretariat, stakeholder, consultation, comment, decided
):
    appeal = services.appeal_file(actor=stakeholder, comment=comment, reason="Look again.")
    other = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="2-scope-1", body="Other."
    )
    response = client_for(secretariat).post(
        dispositions_url(other.receipt),
        {"status": "noted", "rationale": "Seen.", "publish": True, "appeal": appeal.pk},
        format="json",
    )
    assert response.status_code == 400 and "appeal" in response.json()
    assert DispositionEntry.objects.filter(appeal=appeal).count() == 0


def test_comment_detail_lists_appeals_with_their_state(client_for, stakeholder, comment, decided):
    assert client_for().get(f"/api/v1/comments/{comment.receipt}/").json()["appeals"] == []
    appeal = services.appeal_file(actor=stakeholder, comment=comment, reason="Look again.")
    with time_machine.travel(appeal.answer_due_at + timedelta(minutes=1), tick=False):
        [listed] = client_for().get(f"/api/v1/comments/{comment.receipt}/").json()["appeals"]
    assert listed["status"] == "overdue"
    assert listed["receipt"] == comment.receipt


def test_private_comment_hides_the_appeal_reason(
    client_for, secretariat, stakeholder, consultation
):
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Private.",
        visibility="private",
    )
    services.disposition_record(
        actor=secretariat, comment=private, status=Status.NOTED, publish=True
    )
    services.appeal_file(actor=stakeholder, comment=private, reason="Private reason.")
    url = f"/api/v1/comments/{private.receipt}/"
    [public] = client_for().get(url).json()["appeals"]
    assert public["reason"] is None and public["status"] == "open"
    [own] = client_for(stakeholder).get(url).json()["appeals"]
    assert own["reason"] == "Private reason."
