"""Only the secretariat of the comment's consultation may record a disposition.

One matrix over roles and publish true/false, through the API and directly against the
service, since every entry point must be refused by the same rule.
"""

import pytest
from django.core.exceptions import PermissionDenied

from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from feedback.models import DispositionDraft, DispositionEntry
from tests.api.helpers import dispositions_url

ROLES = [
    "anonymous_user",
    "other_stakeholder",  # a registered stakeholder, not the author
    "stakeholder",  # the comment's author
    "moderator",  # moderator of this consultation
    "other_secretariat",  # secretariat of another consultation
    "secretariat",  # secretariat of this consultation
]


@pytest.fixture
def comment(consultation, stakeholder):
    section = consultation.versions.get().sections.order_by("ordinal")[1]
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=section.key,
        body="Please name the licence.",
    )


def _decision(publish: bool) -> dict:
    return {"status": "not_accepted", "rationale": "Licences are set by law.", "publish": publish}


@pytest.mark.django_db
@pytest.mark.parametrize("publish", [True, False], ids=["publish", "draft"])
@pytest.mark.parametrize("role", ROLES)
def test_only_this_consultations_secretariat_can_record_disposition_via_api(
    request, role, publish, comment, client_for
):
    actor = request.getfixturevalue(role)
    client = client_for(actor if actor.is_authenticated else None)
    entries, drafts = DispositionEntry.objects.count(), DispositionDraft.objects.count()

    response = client.post(dispositions_url(comment.receipt), _decision(publish), format="json")

    if role == "secretariat":
        assert response.status_code == 201, response.content
        assert response.json()["published"] is publish
        assert response.json()["sequence"] == (1 if publish else None)
        assert DispositionEntry.objects.count() == entries + (1 if publish else 0)
        assert DispositionDraft.objects.count() == drafts + (0 if publish else 1)
    else:
        expected = {401} if role == "anonymous_user" else {403}
        assert response.status_code in expected, response.content
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
        assert DispositionEntry.objects.count() == entries
        assert DispositionDraft.objects.count() == drafts


@pytest.mark.django_db
@pytest.mark.parametrize("publish", [True, False], ids=["publish", "draft"])
@pytest.mark.parametrize("role", ROLES)
def test_only_this_consultations_secretariat_can_record_disposition_via_service(
    request, role, publish, comment
):
    actor = request.getfixturevalue(role)
    entries, drafts = DispositionEntry.objects.count(), DispositionDraft.objects.count()

    def record():
        return feedback_services.disposition_record(
            actor=actor, comment=comment, **_decision(publish)
        )

    if role == "secretariat":
        decision = record()
        assert isinstance(decision, DispositionEntry if publish else DispositionDraft)
        assert DispositionEntry.objects.count() == entries + (1 if publish else 0)
    else:
        with pytest.raises(PermissionDenied):
            record()
        assert DispositionEntry.objects.count() == entries
        assert DispositionDraft.objects.count() == drafts


@pytest.mark.django_db
def test_anonymous_cannot_record_disposition_with_a_bad_token(comment, api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.post(dispositions_url(comment.receipt), _decision(True), format="json")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert DispositionEntry.objects.count() == 0
