"""The whole consultation loop, through the JSON API only."""

import csv
import io

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.api.helpers import streamed_json
from tests.stakeholders.factories import PASSWORD


def _token_client(email: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


@pytest.mark.django_db(transaction=True)
def test_comment_reply_disposition_and_ledger_through_the_api(
    consultation, stakeholder, other_stakeholder, secretariat
):
    wanjiru = _token_client("wanjiru@example.org")

    listed = wanjiru.get("/api/v1/consultations/").json()
    assert [c["slug"] for c in listed["results"]] == [consultation.slug]
    assert listed["results"][0]["is_open"] is True

    detail = wanjiru.get(f"/api/v1/consultations/{consultation.slug}/").json()
    assert detail["current_version"]["number"] == 1
    assert detail["rounds"][0]["is_open"] is True

    sections = wanjiru.get(f"/api/v1/consultations/{consultation.slug}/sections/").json()
    assert [s["ordinal"] for s in sections] == [1, 2, 3, 4]
    second = sections[1]["key"]
    assert sections[1]["comment_count"] == 0

    created = wanjiru.post(
        f"/api/v1/consultations/{consultation.slug}/comments/",
        {"section": second, "body": "Please name the **licence**."},
        format="json",
    )
    assert created.status_code == 201, created.content
    comment = created.json()
    receipt = comment["receipt"]
    assert comment["section"] == second
    assert comment["channel"] == "api"
    assert comment["disposition"] is None
    assert comment["author"] == {"display_name": "Wanjiru", "group": "Civil society"}
    assert comment["url"].endswith(f"/r/{receipt}/")

    rafael = _token_client("rafael@example.org")
    reply = rafael.post(
        f"/api/v1/consultations/{consultation.slug}/comments/",
        {"parent": receipt, "body": "Agreed."},
        format="json",
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["parent"] == receipt
    assert reply.json()["section"] == second

    sections = wanjiru.get(f"/api/v1/consultations/{consultation.slug}/sections/").json()
    assert sections[1]["comment_count"] == 2

    listing = f"/api/v1/consultations/{consultation.slug}/comments/"
    assert len(APIClient().get(listing).json()["results"]) == 2
    assert len(APIClient().get(listing, {"section": second, "round": 1}).json()["results"]) == 2
    assert len(APIClient().get(listing, {"section": sections[0]["key"]}).json()["results"]) == 0
    assert len(APIClient().get(listing, {"round": 2}).json()["results"]) == 0

    secretariat_client = _token_client("secretariat@example.org")
    decided = secretariat_client.post(
        f"/api/v1/comments/{receipt}/dispositions/",
        {
            "status": "partly_accepted",
            "rationale": "We will name a licence family.",
            "publish": True,
        },
        format="json",
    )
    assert decided.status_code == 201, decided.content
    assert decided.json()["published"] is True
    assert decided.json()["sequence"] == 1

    mine = wanjiru.get("/api/v1/me/comments/").json()["results"]
    assert [c["receipt"] for c in mine] == [receipt]
    assert mine[0]["disposition"]["status"] == "partly_accepted"
    assert mine[0]["disposition"]["rationale"] == "We will name a licence family."

    status_page = wanjiru.get(f"/api/v1/comments/{receipt}/").json()
    assert status_page["disposition"]["status"] == "partly_accepted"
    assert len(status_page["history"]) == 1
    assert status_page["history"][0]["sequence"] == 1

    ledger = APIClient().get(f"/api/v1/consultations/{consultation.slug}/ledger.json")
    assert ledger.status_code == 200
    rows = {row["receipt"]: row for row in streamed_json(ledger)["comments"]}
    assert rows[receipt]["status"] == "partly_accepted"
    assert rows[receipt]["author"] == "Wanjiru"
    assert rows[receipt]["section"] == second
    assert rows[reply.json()["receipt"]]["status"] == "awaiting"

    ledger_csv = APIClient().get(f"/api/v1/consultations/{consultation.slug}/ledger.csv")
    assert ledger_csv.status_code == 200
    assert ledger_csv["Content-Type"].startswith("text/csv")
    text = b"".join(ledger_csv.streaming_content).decode()
    csv_rows = {row["receipt"]: row for row in csv.DictReader(io.StringIO(text))}
    assert csv_rows[receipt]["status"] == "partly_accepted"
    assert csv_rows[receipt]["rationale"] == "We will name a licence family."

    # One receipt per comment, then one decision mail to the commenter decided on.
    receipts = [m for m in mail.outbox if "was received" in m.subject]
    assert [(m.to, receipt in m.subject) for m in receipts] == [
        (["wanjiru@example.org"], True),
        (["rafael@example.org"], False),
    ]
    decision_mails = [m for m in mail.outbox if "decision" in m.subject]
    assert len(decision_mails) == 1 and len(mail.outbox) == 3
    assert decision_mails[0].to == ["wanjiru@example.org"]
    assert receipt in decision_mails[0].body


@pytest.mark.django_db
def test_token_with_wrong_password_is_refused_with_json(stakeholder):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"email": "wanjiru@example.org", "password": "wrong"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()


@pytest.mark.django_db
def test_unpublished_consultation_is_404_except_to_its_staff(secretariat, client_for):
    from consult.consultations import services

    draft = services.consultation_create(
        actor=secretariat, title="Not yet", summary="Being prepared."
    )
    url = f"/api/v1/consultations/{draft.slug}/"
    anonymous = APIClient().get(url)
    assert anonymous.status_code == 404
    assert "detail" in anonymous.json()
    assert client_for(secretariat).get(url).status_code == 200
    assert APIClient().get(f"/api/v1/consultations/{draft.slug}/ledger.json").status_code == 404


@pytest.mark.django_db
def test_unknown_receipt_is_404_json(api):
    response = api.get("/api/v1/comments/ZZZZZ-ZZZZZ/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.django_db
def test_private_comment_shows_status_but_not_text_to_others(
    consultation, stakeholder, other_stakeholder, moderator, client_for
):
    created = client_for(stakeholder).post(
        f"/api/v1/consultations/{consultation.slug}/comments/",
        {"body": "Only for the secretariat.", "visibility": "private"},
        format="json",
    )
    assert created.status_code == 201, created.content
    receipt = created.json()["receipt"]
    url = f"/api/v1/comments/{receipt}/"

    for viewer in (None, other_stakeholder):
        seen = client_for(viewer).get(url).json()
        assert seen["receipt"] == receipt
        assert seen["body"] is None and seen["author"] is None
        assert seen["disposition"] is None and seen["history"] == []
    for viewer in (stakeholder, moderator):
        assert client_for(viewer).get(url).json()["body"] == "Only for the secretariat."

    listing = f"/api/v1/consultations/{consultation.slug}/comments/"
    assert len(client_for(other_stakeholder).get(listing).json()["results"]) == 0
    assert len(client_for(stakeholder).get(listing).json()["results"]) == 1
    assert len(client_for(moderator).get(listing).json()["results"]) == 1

    ledger = client_for(None).get(f"/api/v1/consultations/{consultation.slug}/ledger.json")
    (row,) = streamed_json(ledger)["comments"]
    assert row["receipt"] == receipt and row["status"] == "awaiting"
    assert row["author"] is None and row["section"] is None
