"""Amendments over the API (issue 24): POST …/comments/ with ``amendment``, the
``amendment`` key of every comment representation, edits and revisions, and
what the public sees of a hidden or private amendment."""

import pytest
from rest_framework.test import APIClient

from comments.models import Amendment, AmendmentSupport, Comment
from comments.moderation import services as moderation
from comments.threads import services
from tests.comments.amendments.factories import REASON, SECTION, propose
from tests.stakeholders.factories import ParticipantFactory, api_token_for

pytestmark = pytest.mark.django_db


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def _url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.slug}/comments/"


def _post(consultation, user, **payload):
    body = {"section": SECTION, "body": REASON, "accept_code_of_conduct": True, **payload}
    return _client(user).post(_url(consultation), body, format="json")


def test_post_an_amendment_answers_201_with_it(draft_consultation, stakeholder):
    response = _post(
        draft_consultation,
        stakeholder,
        amendment={"quote": "they hold\nwithin  ninety", "replacement": "they hold within 30"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["amendment"] == {
        "quote": "they hold\nwithin  ninety",
        "replacement": "they hold within 30",
        "supports": 0,
    }
    assert created["body"] == REASON and created["section"] == SECTION
    shown = _client(stakeholder).get(f"/api/v1/comments/{created['receipt']}/").json()
    assert shown["amendment"] == created["amendment"]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"amendment": {"quote": "data", "replacement": "facts"}}, "occurs 2 times"),
        ({"amendment": {"quote": "not there", "replacement": "facts"}}, "not found"),
        ({"amendment": {"replacement": "facts"}}, "required"),
        ({"amendment": "ninety days"}, ""),
        ({"amendment": {"quote": "ninety days", "replacement": "x"}, "section": ""}, "reply"),
    ],
)
def test_a_refused_amendment_is_a_400_naming_it_and_nothing_is_stored(
    draft_consultation, stakeholder, payload, message
):
    response = _post(draft_consultation, stakeholder, **payload)
    assert response.status_code == 400, response.content
    assert "amendment" in response.json()
    assert message in str(response.json()["amendment"])
    assert not Comment.objects.exists() and not Amendment.objects.exists()


def test_a_reply_cannot_carry_an_amendment(draft_consultation, stakeholder, other_stakeholder):
    parent = services.comment_create(
        actor=other_stakeholder,
        consultation=draft_consultation,
        section_key=SECTION,
        body="First.",
    )
    response = _post(
        draft_consultation,
        stakeholder,
        section=None,
        parent=parent.receipt,
        amendment={"quote": "ninety days", "replacement": "ten days"},
    )
    assert response.status_code == 400
    assert "amendment" in response.json()
    assert Comment.objects.count() == 1


def test_every_representation_has_the_amendment_key(
    draft_consultation, stakeholder, other_stakeholder
):
    amendment = propose(draft_consultation, stakeholder)
    plain = services.comment_create(
        actor=stakeholder, consultation=draft_consultation, section_key=SECTION, body="Plain."
    )
    AmendmentSupport.objects.create(amendment=amendment.amendment, user=other_stakeholder)
    client = _client(stakeholder)
    listed = {
        c["receipt"]: c["amendment"] for c in client.get(_url(draft_consultation)).json()["results"]
    }
    mine = {
        c["receipt"]: c["amendment"] for c in client.get("/api/v1/me/comments/").json()["results"]
    }
    expected = {
        amendment.receipt: {"quote": "ninety days", "replacement": "thirty days", "supports": 1},
        plain.receipt: None,
    }
    assert listed == expected and mine == expected
    assert client.get(f"/api/v1/comments/{plain.receipt}/").json()["amendment"] is None
    detail = client.get(f"/api/v1/comments/{amendment.receipt}/").json()
    assert detail["amendment"]["supports"] == 1


def test_a_hidden_amendment_shows_no_passage_to_the_public(
    draft_consultation, stakeholder, secretariat
):
    comment = propose(draft_consultation, stakeholder)
    moderation.comment_hide(actor=secretariat, comment=comment, reason="Off topic.")
    public = _client().get(f"/api/v1/comments/{comment.receipt}/").json()
    assert public["amendment"] is None and public["body"] is None
    listed = _client().get(_url(draft_consultation)).json()["results"]
    assert [c["amendment"] for c in listed] == [None]
    own = _client(stakeholder).get(f"/api/v1/comments/{comment.receipt}/").json()
    assert own["amendment"]["quote"] == "ninety days"


def test_a_private_amendment_is_not_listed(draft_consultation, stakeholder, secretariat):
    comment = propose(draft_consultation, stakeholder, visibility="private")
    assert _client().get(_url(draft_consultation)).json()["results"] == []
    stranger = ParticipantFactory().user
    assert _client(stranger).get(_url(draft_consultation)).json()["results"] == []
    staff = _client(secretariat).get(_url(draft_consultation)).json()["results"]
    assert [c["amendment"]["replacement"] for c in staff] == ["thirty days"]
    assert _client().get(f"/api/v1/comments/{comment.receipt}/").json()["amendment"] is None


def test_patch_edits_the_wording_and_revisions_keep_each_version(draft_consultation, stakeholder):
    comment = propose(draft_consultation, stakeholder)
    client = _client(stakeholder)
    response = client.patch(
        f"/api/v1/comments/{comment.receipt}/",
        {"body": REASON, "amendment": {"quote": "must publish", "replacement": "shall publish"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["amendment"]["replacement"] == "shall publish"
    refused = client.patch(
        f"/api/v1/comments/{comment.receipt}/",
        {"body": "Again.", "amendment": {"quote": "data", "replacement": "facts"}},
        format="json",
    )
    assert refused.status_code == 400 and "amendment" in refused.json()
    revisions = client.get(f"/api/v1/comments/{comment.receipt}/revisions/").json()
    assert [(r["number"], r["quote"], r["replacement"]) for r in revisions] == [
        (1, "ninety days", "thirty days"),
        (2, "must publish", "shall publish"),
    ]
