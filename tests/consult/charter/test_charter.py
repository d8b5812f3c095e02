"""The charter page and the one-time acceptance of the code of conduct (issue 3)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment
from comments.threads import services as comment_services
from consult.charter import selectors as charter
from consult.models import CharterAcceptance
from tests.consult.factories import CODE_OF_CONDUCT, with_code_of_conduct
from tests.stakeholders.factories import ParticipantFactory, api_token_for

SECTION = "1-purpose-2"
CODE = CODE_OF_CONDUCT

pytestmark = pytest.mark.django_db


@pytest.fixture
def coded(consultation, secretariat):
    """The open consultation, now with a code of conduct and a decision process."""
    return with_code_of_conduct(
        consultation,
        secretariat=secretariat,
        decision_process="The working group decides by consensus and publishes its reasons.",
    )


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def test_charter_page_shows_goals_rules_code_decisions_and_timeline(client, coded):
    page = client.get(reverse("consultation_charter", args=[coded.slug])).content.decode()
    for text in (
        "Hear every stakeholder group on the draft.",
        "Be civil. Stay on topic.",
        "No personal attacks.",
        "The working group decides by consensus",
        "Round 1",
    ):
        assert text in page


def test_participant_cannot_comment_before_accepting_the_code_of_conduct(coded, stakeholder):
    with pytest.raises(ValidationError) as exc:
        comment_services.comment_create(
            actor=stakeholder, consultation=coded, section_key=SECTION, body="Hello."
        )
    assert "accept_code_of_conduct" in exc.value.message_dict
    assert not Comment.objects.exists()
    assert not CharterAcceptance.objects.exists()


def test_web_form_keeps_the_text_and_accepting_with_the_comment_works(client, coded, stakeholder):
    client.force_login(stakeholder)
    url = reverse("section", args=[coded.slug, SECTION])
    page = client.get(url).content.decode()
    assert "I have read and accept the code of conduct" in page
    refused = client.post(url, {"body": "My careful comment.", "visibility": "public"})
    assert refused.status_code == 200
    assert "accept its code of conduct" in refused.content.decode()
    assert "My careful comment." in refused.content.decode()  # nothing lost
    assert not Comment.objects.exists()
    accepted = client.post(
        url,
        {"body": "My careful comment.", "visibility": "public", "accept_code_of_conduct": "on"},
    )
    assert accepted.status_code == 302
    assert Comment.objects.get().body == "My careful comment."
    assert CharterAcceptance.objects.filter(user=stakeholder, consultation=coded).count() == 1
    # Once is enough: the box is gone and the next comment needs nothing.
    assert "I have read and accept" not in client.get(url).content.decode()
    client.post(url, {"body": "A second one.", "visibility": "public"})
    assert Comment.objects.count() == 2


def test_api_refuses_a_first_comment_without_acceptance_with_a_clear_400(coded, stakeholder):
    url = f"/api/v1/consultations/{coded.slug}/comments/"
    refused = api(stakeholder).post(url, {"section": SECTION, "body": "Hi."}, format="json")
    assert refused.status_code == 400
    assert "code of conduct" in refused.json()["accept_code_of_conduct"][0]
    assert not Comment.objects.exists()
    accepted = api(stakeholder).post(
        url, {"section": SECTION, "body": "Hi.", "accept_code_of_conduct": True}, format="json"
    )
    assert accepted.status_code == 201
    assert charter.charter_accepted(user=stakeholder, consultation=coded)


def test_participant_can_accept_on_the_charter_page(client, coded, stakeholder):
    client.force_login(stakeholder)
    url = reverse("consultation_charter", args=[coded.slug])
    assert client.post(url, {}).status_code == 400
    assert not CharterAcceptance.objects.exists()
    assert client.post(url, {"accept_code_of_conduct": "on"}).status_code == 302
    assert "You accepted this code of conduct." in client.get(url).content.decode()
    comment_services.comment_create(
        actor=stakeholder, consultation=coded, section_key=SECTION, body="Now I may."
    )


def test_the_team_and_consultations_without_a_code_ask_nothing(
    consultation, coded, secretariat, other_stakeholder
):
    ParticipantFactory(user=secretariat)
    comment_services.comment_create(
        actor=secretariat, consultation=coded, section_key=SECTION, body="From the team."
    )
    assert not charter.charter_needed(user=secretariat, consultation=coded)
    assert charter.charter_needed(user=other_stakeholder, consultation=coded)
    with_code_of_conduct(coded, secretariat=secretariat, code="")
    assert not charter.charter_needed(user=other_stakeholder, consultation=coded)


def test_secretariat_sets_how_decisions_are_made_in_the_consultation_form(
    client, consultation, secretariat
):
    ParticipantFactory(user=secretariat)
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_consultation", args=[consultation.slug]),
        {
            "title": consultation.title,
            "summary": consultation.summary,
            "decision_process": "The board votes; reasons are published.",
            "premoderate_first": "0",
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.decision_process == "The board votes; reasons are published."
