"""Edits are limited per account (finding 12): each edit is a revision kept for ever.

The limit is ``PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT``, counted in
``comment_edit`` like ``comment_create``'s (plenary/ratelimit.py); over it the
page answers 429 with its message beside the form, the API 429 JSON with
Retry-After, and no revision is written.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import CommentRevision
from comments.threads import services

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"


@pytest.fixture(autouse=True)
def _edit_rate(settings):
    settings.PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT = "3/h"
    settings.PLENARY_RATE_COMMENT_EDIT_PER_IP = ""


@pytest.fixture
def comment(consultation, stakeholder):
    return services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Version 0."
    )


def test_api_edits_past_the_limit_are_429_and_store_no_revision(comment, stakeholder):
    client = APIClient()
    client.force_login(stakeholder)
    url = reverse("api-comment", args=[comment.receipt])
    for n in range(1, 4):
        assert client.patch(url, {"body": f"Version {n}."}, format="json").status_code == 200
    revisions = CommentRevision.objects.filter(comment=comment).count()
    response = client.patch(url, {"body": "Version 4."}, format="json")
    assert response.status_code == 429
    assert "faster than Plenary allows" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert CommentRevision.objects.filter(comment=comment).count() == revisions == 4
    comment.refresh_from_db()
    assert comment.body == "Version 3."


def test_page_edits_past_the_limit_are_429_with_the_message_on_the_page(
    client, comment, stakeholder
):
    client.force_login(stakeholder)
    url = reverse("comment_edit", args=[comment.receipt])
    for n in range(1, 4):
        assert client.post(url, {"body": f"Version {n}."}).status_code == 302
    response = client.post(url, {"body": "Version 4."})
    assert response.status_code == 429
    assert "faster than Plenary allows" in response.content.decode()
    assert CommentRevision.objects.filter(comment=comment).count() == 4


def test_the_limit_is_per_account(comment, stakeholder, other_stakeholder, consultation):
    theirs = services.comment_create(
        actor=other_stakeholder, consultation=consultation, section_key=SECTION, body="Mine."
    )
    mine, other = APIClient(), APIClient()
    mine.force_login(stakeholder)
    other.force_login(other_stakeholder)
    for n in range(1, 5):
        mine.patch(
            reverse("api-comment", args=[comment.receipt]), {"body": f"V{n}."}, format="json"
        )
    response = other.patch(
        reverse("api-comment", args=[theirs.receipt]), {"body": "Changed."}, format="json"
    )
    assert response.status_code == 200
