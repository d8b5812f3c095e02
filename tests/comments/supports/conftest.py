import pytest
from rest_framework.test import APIClient

from tests.stakeholders.factories import api_token_for


@pytest.fixture
def client_for():
    """``client_for(user)``: an APIClient sending ``Authorization: Token …``; None: anonymous."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
        return client

    return make
