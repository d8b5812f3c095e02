"""Who may flag, hide, restore and block: every actor and action, through the API and the pages.

Only the allowed cells succeed; every other cell is refused and changes
nothing (rows counted before and after, and the comment's state re-read).
Each cell starts from a fresh consultation, so cells cannot lean on each other.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment, ConsultationBlock, Flag, ModerationAction
from comments.moderation import services as moderation
from comments.threads import services as comment_services
from plenary.audit.models import AuditEvent
from tests.stakeholders.factories import ParticipantFactory, api_token_for

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "participant", "author", "moderator", "other_secretariat", "secretariat")
ACTIONS = ("flag", "hide", "restore", "block")

# Who succeeds.  Anyone signed in who can read a comment may report it, except
# its author; only the consultation's moderators (the moderator role and the
# secretariat) hide, restore and block.
ALLOWED = {
    "flag": {"participant", "moderator", "other_secretariat", "secretariat"},
    "hide": {"moderator", "secretariat"},
    "restore": {"moderator", "secretariat"},
    "block": {"moderator", "secretariat"},
}


@pytest.fixture
def cell(consultation, secretariat, stakeholder, other_stakeholder, moderator, other_secretariat):
    # Staff with profiles too, so that the matrix tests roles, not profiles.
    ParticipantFactory(user=secretariat, display_name="Secretariat")
    ParticipantFactory(user=other_secretariat, display_name="Elsewhere")
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Public bodies should sell their data instead.",
    )
    users = {
        "anonymous": None,
        "participant": other_stakeholder,
        "author": stakeholder,
        "moderator": moderator,
        "other_secretariat": other_secretariat,
        "secretariat": secretariat,
    }
    return {"consultation": consultation, "comment": comment, "users": users}


def _prepare(action: str, cell) -> None:
    if action == "restore":
        moderation.comment_hide(
            actor=cell["users"]["secretariat"], comment=cell["comment"], reason="Off topic."
        )


def _state(comment: Comment) -> dict:
    comment.refresh_from_db()
    return {
        "flags": Flag.objects.count(),
        "actions": ModerationAction.objects.count(),
        "blocks": ConsultationBlock.objects.filter(lifted_at__isnull=True).count(),
        "audit": AuditEvent.objects.filter(event="moderation_action").count(),
        "moderation": comment.moderation,
        "reason": comment.moderation_reason,
    }


def _api_call(action: str, cell, user):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    receipt = cell["comment"].receipt
    if action == "flag":
        return client.post(f"/api/v1/comments/{receipt}/flags/", {"reason": "spam"}, format="json")
    if action == "block":
        return client.post(
            f"/api/v1/consultations/{cell['consultation'].slug}/blocks/",
            {"comment": receipt, "reason": "Repeated abuse."},
            format="json",
        )
    return client.post(
        f"/api/v1/comments/{receipt}/moderation/",
        {"action": action, "reason": "Breaks the code of conduct."},
        format="json",
    )


def _page_call(action: str, cell, user, client):
    if user is not None:
        client.force_login(user)
    receipt = cell["comment"].receipt
    if action == "flag":
        return client.post(reverse("receipt_flag", args=[receipt]), {"reason": "spam"})
    return client.post(
        reverse("staff_moderate_comment", args=[receipt]),
        {"action": action, "reason": "Breaks the code of conduct."},
    )


def _expect_change(action: str, before: dict, after: dict) -> None:
    if action == "flag":
        assert after["flags"] == before["flags"] + 1
        assert after["actions"] == before["actions"]
    elif action == "block":
        assert after["blocks"] == before["blocks"] + 1
        assert after["actions"] == before["actions"] + 1
        assert after["audit"] == before["audit"] + 1
    else:
        assert after["actions"] == before["actions"] + 1
        assert after["audit"] == before["audit"] + 1
        assert after["moderation"] == ("hidden" if action == "hide" else "visible")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", ACTIONS)
def test_moderation_matrix_api(action, actor, cell):
    _prepare(action, cell)
    before = _state(cell["comment"])
    response = _api_call(action, cell, cell["users"][actor])
    after = _state(cell["comment"])
    if actor in ALLOWED[action]:
        assert response.status_code == 201, response.content
        _expect_change(action, before, after)
    else:
        expected = 401 if actor == "anonymous" else 403
        assert response.status_code == expected, response.content
        assert response.json()["detail"]
        assert after == before


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", ACTIONS)
def test_moderation_matrix_pages(action, actor, cell, client):
    _prepare(action, cell)
    before = _state(cell["comment"])
    response = _page_call(action, cell, cell["users"][actor], client)
    after = _state(cell["comment"])
    if actor in ALLOWED[action]:
        assert response.status_code == 302, response.content
        _expect_change(action, before, after)
    else:
        if actor == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))
        else:
            assert response.status_code == 403
        assert after == before
