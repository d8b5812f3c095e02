"""The OpenAPI schema generates cleanly and documents every API path."""

import pytest
from django.core.management import call_command

CONTRACT_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/consultations/",
    "/api/v1/consultations/{slug}/",
    "/api/v1/consultations/{slug}/sections/",
    "/api/v1/consultations/{slug}/comments/",
    "/api/v1/comments/{receipt}/",
    "/api/v1/comments/{receipt}/dispositions/",
    "/api/v1/me/comments/",
    "/api/v1/consultations/{slug}/ledger.csv",
    "/api/v1/consultations/{slug}/ledger.json",
]


@pytest.mark.django_db
def test_schema_lists_every_contract_path(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert set(CONTRACT_PATHS) <= set(response.json()["paths"])


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


@pytest.mark.django_db
def test_docs_page_renders(api):
    assert api.get("/api/docs/").status_code == 200
