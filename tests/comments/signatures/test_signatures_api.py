"""The co-signature API contract: POST 201 then 200, DELETE, 400 on one's own,
GET /api/v1/comments/<receipt>/ gains ``signatures``."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from comments.models import Comment, Signature
from comments.moderation import services as moderation
from comments.threads import services as comment_services
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def url(comment) -> str:
    return f"/api/v1/comments/{comment.receipt}/signatures/"


def after_close(comment):
    return time_machine.travel(comment.round.closes_at + timedelta(minutes=1), tick=False)


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


def test_reply_cannot_be_cosigned(client_for, consultation, submission, signer, other_stakeholder):
    reply = comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, parent=submission, body="Agreed."
    )
    response = client_for(signer).post(url(reply), {}, format="json")
    assert response.status_code == 400
    assert "comment" in response.json()
    assert not Signature.objects.exists()


def test_no_cosigning_once_the_round_closed(client_for, submission, signer):
    with after_close(submission):
        response = client_for(signer).post(url(submission), {}, format="json")
    assert response.status_code == 400
    assert "round" in response.json()
    assert not Signature.objects.exists()


def test_withdrawal_only_until_the_round_closes(client_for, submission, signer):
    assert client_for(signer).post(url(submission), {}, format="json").status_code == 201
    with after_close(submission):
        response = client_for(signer).delete(url(submission))  # a token made then
    assert response.status_code == 400
    assert "round" in response.json()
    assert Signature.objects.get().withdrawn_at is None


def test_blocked_participant_cannot_cosign(client_for, submission, signer, moderator):
    moderation.participant_block(
        actor=moderator, consultation=submission.consultation, user=signer, reason="Spam."
    )
    assert client_for(signer).post(url(submission), {}, format="json").status_code == 403
    assert not Signature.objects.exists()


def test_private_submission_cannot_be_cosigned(client_for, consultation, stakeholder, signer):
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="For the secretariat only.",
        visibility=Comment.Visibility.PRIVATE,
    )
    response = client_for(signer).post(url(private), {}, format="json")
    assert response.status_code == 400
    assert "comment" in response.json()


def test_cosigning_records_the_signatory_group(client_for, submission, signer):
    client_for(signer).post(url(submission), {}, format="json")
    signature = Signature.objects.get()
    assert signature.group_id == signer.participant.group_id
    assert signature.source == Signature.Source.DIRECT
    assert signature.confirmed_at is not None
    body = client_for(None).get(url(submission)).json()
    assert body["signatures"] == 1
    assert body["by_group"] == [{"group": signer.participant.group.name, "signatures": 1}]


def test_organisation_staff_add_an_unconfirmed_signatory(
    client_for, org_submission, stakeholder, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(stakeholder).post(
            url(org_submission), {"name": "Joy Atieno", "email": "Joy@Example.org"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["signatures"] == 0
    assert response.json()["pending"] == 1
    signature = Signature.objects.get()
    assert (signature.email, signature.source, signature.confirmed_at) == (
        "joy@example.org",
        Signature.Source.LINK,
        None,
    )
    [mail] = smtp.wait_for(1, timeout=10)
    assert mail.rcpt_tos == ("joy@example.org",)
    assert org_submission.receipt in mail.subject


def test_only_the_organisations_staff_add_signatories(client_for, org_submission, signer):
    response = client_for(signer).post(
        url(org_submission), {"name": "Joy", "email": "joy@example.org"}, format="json"
    )
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_signatory_needs_a_name_and_an_address(client_for, org_submission, stakeholder):
    response = client_for(stakeholder).post(
        url(org_submission), {"name": "Joy", "email": "not-an-address"}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()
    response = client_for(stakeholder).post(
        url(org_submission), {"name": " ", "email": "joy@example.org"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()
    assert not Signature.objects.exists()


def test_signatories_of_a_submission_without_organisation_are_refused(
    client_for, submission, stakeholder
):
    response = client_for(stakeholder).post(
        url(submission), {"name": "Joy", "email": "joy@example.org"}, format="json"
    )
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_organisation_staff_are_rate_limited_per_account(
    client_for, settings, org_submission, stakeholder
):
    settings.PLENARY_RATE_SIGNATURE_STAFF_PER_ACCOUNT = "1/h"
    client = client_for(stakeholder)
    first = client.post(url(org_submission), {"name": "A", "email": "a@example.org"}, format="json")
    assert first.status_code == 201
    second = client.post(
        url(org_submission), {"name": "B", "email": "b@example.org"}, format="json"
    )
    assert second.status_code == 429
    assert list(Signature.objects.values_list("email", flat=True)) == ["a@example.org"]
