"""Bad input is refused with a 4xx JSON body naming the field, and changes nothing."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from comments.models import Comment, CommentRevision
from comments.threads import services as comment_services
from consult.models import Consultation, Round
from feedback.models import DispositionDraft, DispositionEntry
from tests.api.helpers import comments_url, dispositions_url
from tests.stakeholders.factories import OrganisationFactory

SECTION = "1-purpose-2"


def _counts() -> tuple[int, ...]:
    return (
        Comment.objects.count(),
        CommentRevision.objects.count(),
        DispositionEntry.objects.count(),
        DispositionDraft.objects.count(),
    )


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="A first view."
    )


def close_rounds(consultation: Consultation) -> None:
    """Test setup: move the round into the past (services refuse to create a closed round)."""
    now = timezone.now()
    Round.objects.filter(consultation=consultation).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1)
    )


def comment_elsewhere(other_secretariat, stakeholder) -> str:
    other = Consultation.objects.get(title="Another consultation")
    return comment_services.comment_create(
        actor=stakeholder, consultation=other, section_key=SECTION, body="Elsewhere."
    ).receipt


# (case id, who posts, where, payload builder, the field the error must name)
COMMENT_CASES = [
    ("round-closed", lambda f: {"section": SECTION, "body": "Too late?"}, "round"),
    ("empty-body", lambda f: {"section": SECTION, "body": ""}, "body"),
    ("missing-body", lambda f: {"section": SECTION}, "body"),
    ("whitespace-body", lambda f: {"section": SECTION, "body": "  \n\t  "}, "body"),
    (
        "oversized-body",
        lambda f: {"section": SECTION, "body": "x" * (settings.PLENARY_COMMENT_MAX_CHARS + 1)},
        "body",
    ),
    ("unknown-section", lambda f: {"section": "no-such-section-1", "body": "Hi."}, "section"),
    ("unknown-parent", lambda f: {"parent": "ZZZZZ-ZZZZZ", "body": "Hi."}, "parent"),
    (
        "parent-in-another-consultation",
        lambda f: {
            "parent": comment_elsewhere(f("other_secretariat"), f("stakeholder")),
            "body": "Hi.",
        },
        "parent",
    ),
    (
        "organisation-without-verified-affiliation",
        lambda f: {"section": SECTION, "body": "Hi.", "on_behalf_of": OrganisationFactory().pk},
        "on_behalf_of",
    ),
    (
        "unknown-organisation",
        lambda f: {"section": SECTION, "body": "Hi.", "on_behalf_of": 987654},
        "on_behalf_of",
    ),
    ("unknown-visibility", lambda f: {"body": "Hi.", "visibility": "secret"}, "visibility"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [case[1:] for case in COMMENT_CASES],
    ids=[case[0] for case in COMMENT_CASES],
)
def test_bad_comment_is_refused_naming_the_field(
    request, payload, field, consultation, other_stakeholder, client_for
):
    data = payload(request.getfixturevalue)
    if field == "round":
        close_rounds(consultation)
    before = _counts()

    response = client_for(other_stakeholder).post(comments_url(consultation), data, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert all(isinstance(m, str) and m for m in response.json()[field])
    assert _counts() == before


DISPOSITION_CASES = [
    ("not-accepted-without-rationale", {"status": "not_accepted", "rationale": "  "}, "rationale"),
    ("unknown-status", {"status": "rejected", "rationale": "No."}, "status"),
    ("missing-status", {"rationale": "No."}, "status"),
    (
        "unknown-target-section",
        {"status": "accepted", "target_section": "no-such-section-1"},
        "target_section",
    ),
    (
        "unknown-duplicate",
        {"status": "duplicate", "rationale": "Same.", "duplicate_of": "ZZZZZ-ZZZZZ"},
        "duplicate_of",
    ),
    ("duplicate-without-original", {"status": "duplicate", "rationale": "Same."}, "duplicate_of"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("publish", [True, False], ids=["publish", "draft"])
@pytest.mark.parametrize(
    ("payload", "field"),
    [case[1:] for case in DISPOSITION_CASES],
    ids=[case[0] for case in DISPOSITION_CASES],
)
def test_bad_disposition_is_refused_naming_the_field(
    payload, field, publish, comment, secretariat, client_for
):
    before = _counts()
    response = client_for(secretariat).post(
        dispositions_url(comment.receipt), {**payload, "publish": publish}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _counts() == before


@pytest.mark.django_db
def test_bad_token_is_refused_with_json(consultation, api):
    api.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    before = _counts()
    response = api.post(comments_url(consultation), {"body": "Hi."}, format="json")
    assert response.status_code == 401
    assert "token" in response.json()["detail"].lower()
    assert _counts() == before


@pytest.mark.django_db
def test_anonymous_cannot_comment(consultation, api):
    before = _counts()
    response = api.post(comments_url(consultation), {"body": "Hi."}, format="json")
    assert response.status_code in {401, 403}
    assert response.json()["detail"]
    assert _counts() == before


@pytest.mark.django_db
def test_comment_on_unknown_consultation_is_404_json(stakeholder, client_for):
    response = client_for(stakeholder).post(
        "/api/v1/consultations/no-such-thing/comments/", {"body": "Hi."}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.django_db
def test_disposition_on_unknown_receipt_is_404_json(secretariat, client_for):
    response = client_for(secretariat).post(
        dispositions_url("ZZZZZ-ZZZZZ"), {"status": "noted"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.django_db
def test_markup_is_stored_exactly_as_sent_and_rendered_safely(
    consultation, stakeholder, client_for
):
    body = (
        "  # Heading\n\n*Emphasis* and <b>bold</b> and <script>alert('x')</script>\n"
        "[link](javascript:alert(1)) <img src=x onerror=alert(1)>\r\n\ttrailing  \n"
    )
    response = client_for(stakeholder).post(
        comments_url(consultation), {"section": SECTION, "body": body}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["body"] == body
    stored = Comment.objects.get(receipt=response.json()["receipt"])
    assert stored.body == body
    assert stored.revisions.get().body == body
    html = response.json()["body_html"]
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert 'href="javascript:' not in html.lower()


@pytest.mark.django_db
def test_comment_on_behalf_of_verified_organisation_is_accepted(
    consultation, stakeholder, verified_organisation, client_for
):
    response = client_for(stakeholder).post(
        comments_url(consultation),
        {"section": SECTION, "body": "Our view.", "on_behalf_of": verified_organisation.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["on_behalf_of"]["name"] == "Open Data Kenya"
