"""Fixtures of the co-signature tests (issue 25, part 25a)."""

import pytest
from rest_framework.test import APIClient

from comments.threads import services as comment_services
from stakeholders.models import Affiliation, Participant
from tests.stakeholders.factories import OrganisationFactory, ParticipantFactory, api_token_for


@pytest.fixture
def client_for():
    """``client_for(user)``: an APIClient with the user's API token; None: anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
        return client

    return make


@pytest.fixture
def submission(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Publish the budget lines as open data.",
    )


@pytest.fixture
def organisation(stakeholder):
    """A verified organisation the stakeholder is verified staff of."""
    organisation = OrganisationFactory(name="Open Data Kenya")
    organisation.verified_at = organisation.created_at
    organisation.save(update_fields=["verified_at"])
    Affiliation.objects.create(
        participant=Participant.objects.get(user=stakeholder),
        organisation=organisation,
        status=Affiliation.Status.VERIFIED,
    )
    return organisation


@pytest.fixture
def org_submission(consultation, stakeholder, organisation):
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="On behalf of Open Data Kenya: publish the budget lines.",
        on_behalf_of=organisation,
    )


@pytest.fixture
def signer(db):
    return ParticipantFactory(display_name="Amara", user__email="amara@example.org").user
