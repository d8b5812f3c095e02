"""Helpers for API tests: clients signed in by token, as a real API client would be."""

import pytest
from rest_framework.test import APIClient

from stakeholders.models import Affiliation, Participant
from tests.stakeholders.factories import OrganisationFactory, api_token_for


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for():
    """``client_for(user)``: an APIClient sending ``Authorization: Token …``; None: anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
        return client

    return make


@pytest.fixture
def verified_organisation(stakeholder):
    """A verified organisation the stakeholder has a verified affiliation with."""
    organisation = OrganisationFactory(name="Open Data Kenya")
    organisation.verified_at = organisation.created_at
    organisation.save(update_fields=["verified_at"])
    Affiliation.objects.create(
        participant=Participant.objects.get(user=stakeholder),
        organisation=organisation,
        status=Affiliation.Status.VERIFIED,
    )
    return organisation
