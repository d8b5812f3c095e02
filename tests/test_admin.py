"""Staff find every domain object in the admin, and the ledger cannot be edited there."""

import pytest
from django.urls import reverse

from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from stakeholders.models import User


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="root@example.org", password="x-long-pass-1")


@pytest.mark.parametrize(
    "model",
    [
        "stakeholders/user",
        "stakeholders/stakeholdergroup",
        "stakeholders/organisation",
        "stakeholders/participant",
        "stakeholders/affiliation",
        "consult/consultation",
        "consult/documentversion",
        "consult/section",
        "comments/comment",
        "feedback/dispositionentry",
        "feedback/dispositiondraft",
        "outbox/outboxmessage",
    ],
)
def test_admin_lists_open(client, superuser, consultation, stakeholder, secretariat, model):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi"
    )
    feedback_services.disposition_record(
        actor=secretariat, comment=comment, status="noted", publish=True
    )
    client.force_login(superuser)
    app, name = model.split("/")
    assert client.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200


def test_ledger_entry_cannot_be_changed_in_admin(
    client, superuser, consultation, stakeholder, secretariat
):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi"
    )
    entry = feedback_services.disposition_record(
        actor=secretariat, comment=comment, status="noted", publish=True
    )
    client.force_login(superuser)
    url = reverse("admin:feedback_dispositionentry_change", args=[entry.pk])
    client.post(url, {"status": "accepted", "rationale": "rewritten"})
    entry.refresh_from_db()
    assert (entry.status, entry.rationale) == ("noted", "")
    delete = reverse("admin:feedback_dispositionentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
