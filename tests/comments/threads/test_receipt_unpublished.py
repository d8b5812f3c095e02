"""A receipt resolves only where its consultation is published, except for the staff."""

import pytest

from comments.threads import services
from consult.models import Consultation


@pytest.fixture
def receipt_in_withdrawn_consultation(consultation, stakeholder):
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hidden?"
    )
    # Not reachable through the services today (opening a round publishes a
    # consultation for good); the rule must hold should that ever change.
    Consultation.objects.filter(pk=consultation.pk).update(status=Consultation.Status.DRAFT)
    return comment.receipt


@pytest.mark.parametrize("who", ["anonymous", "other_stakeholder"])
def test_others_get_404(client, receipt_in_withdrawn_consultation, other_stakeholder, who):
    if who != "anonymous":
        client.force_login(other_stakeholder)
    assert client.get(f"/r/{receipt_in_withdrawn_consultation}/").status_code == 404
    response = client.get(f"/api/v1/comments/{receipt_in_withdrawn_consultation}/")
    assert response.status_code == 404
    assert "Hidden?" not in response.content.decode()


def test_staff_still_see_it(client, receipt_in_withdrawn_consultation, secretariat):
    client.force_login(secretariat)
    assert client.get(f"/r/{receipt_in_withdrawn_consultation}/").status_code == 200
    assert client.get(f"/api/v1/comments/{receipt_in_withdrawn_consultation}/").status_code == 200
