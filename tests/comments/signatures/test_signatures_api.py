"""The co-signature API contract: POST 201 then 200, DELETE, 400 on one's own,
GET /api/v1/comments/<receipt>/ gains ``signatures``."""

import pytest
from django.urls import reverse

from comments.models import Signature
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def url(comment) -> str:
    return f"/api/v1/comments/{comment.receipt}/signatures/"


def test_participant_cosigns_once_then_withdraws(client_for, submission, signer):
    client = client_for(signer)
    first = client.post(url(submission), {}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["signatures"] == 1
    again = client.post(url(submission), {}, format="json")
    assert again.status_code == 200
    assert again.json()["signatures"] == 1
    assert Signature.objects.filter(comment=submission).count() == 1
    detail = client_for(None).get(f"/api/v1/comments/{submission.receipt}/")
    assert detail.json()["signatures"] == 1
    gone = client.delete(url(submission))
    assert gone.status_code == 200
    assert gone.json()["signatures"] == 0
    assert client_for(None).get(f"/api/v1/comments/{submission.receipt}/").json()["signatures"] == 0
    # Withdrawn, one may sign again: a new row, the old one kept.
    assert client.post(url(submission), {}, format="json").status_code == 201
    assert Signature.objects.filter(comment=submission).count() == 2


def test_author_cannot_cosign_own_submission(client_for, submission, stakeholder):
    response = client_for(stakeholder).post(url(submission), {}, format="json")
    assert response.status_code == 400
    assert "comment" in response.json()
    assert not Signature.objects.exists()


def test_anonymous_cannot_cosign(client_for, submission):
    assert client_for(None).post(url(submission), {}, format="json").status_code == 401
    assert not Signature.objects.exists()


def test_unconfirmed_address_cannot_cosign(client_for, submission):
    unconfirmed = ParticipantFactory(
        display_name="Unconfirmed", user__email="new@example.org", user__verified_email=False
    ).user
    assert client_for(unconfirmed).post(url(submission), {}, format="json").status_code == 403
    assert not Signature.objects.exists()


def test_detail_route_name_is_kept(submission):
    assert reverse("api-comment-signatures", args=[submission.receipt]) == url(submission)
