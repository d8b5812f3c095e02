"""Property-based fuzzing of the JSON API against its own OpenAPI schema (schemathesis).

Every operation of /api/schema/ is called in-process through Django's WSGI
application (no server), against a database holding a published consultation
with sections, public and private comments, a reply, published decisions and
an appeal.  Checks: no 5xx, every response conforms to the schema (body and
documented status code).  Bounded: ``MAX_EXAMPLES`` per operation, derandomized
so a failure reproduces.  The schema has no OpenAPI links, so there is no
stateful run (``test_schema_has_no_links`` notices if that changes).

Writes run as the consultation's secretariat (``Authorization: Token …``);
every read-only operation also runs anonymously.  Path parameters are the
fixture's real slug and receipts half of the time, so the fuzzer reaches real
objects as well as 404s.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from comments.models import Comment
from comments.threads import services as comment_services
from consult.models import Section
from feedback.ledger import services as feedback_services
from feedback.models import Status
from tests.stakeholders.factories import ParticipantFactory, api_token_for

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# Loaded at import (collection): generating the schema needs no database.  Not
# schemathesis.pytest.from_fixture: its lazy loader breaks on pytest 9 (Node._nodeid).
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    headers={"Accept": "application/vnd.oai.openapi+json"},
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler closes "old" database connections when a request
    starts and ends; in-process, that is the test's own connection, inside its
    transaction (PostgreSQL then fails with "the connection is closed").  As
    django.test.Client does, keep it open while the fuzzer sends requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(consultation, secretariat, stakeholder, other_stakeholder):
    """Real objects for path parameters: a slug and receipts with decisions and an appeal."""
    public = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Say more."
    )
    private = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="2-scope-1",
        body="Confidential: our budget figures.",
        visibility=Comment.Visibility.PRIVATE,
    )
    reply = comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, parent=public, body="Agreed."
    )
    feedback_services.disposition_record(
        actor=secretariat,
        comment=public,
        status=Status.NOT_ACCEPTED,
        rationale="Out of mandate.",
        publish=True,
    )
    feedback_services.disposition_record(
        actor=secretariat, comment=private, status=Status.NOTED, rationale="Noted.", publish=True
    )
    appeal = feedback_services.appeal_file(
        actor=stakeholder, comment=public, reason="It is in the mandate."
    )
    # The secretariat also comments: its participant profile must be complete.
    ParticipantFactory(user=secretariat, display_name="Secretariat")
    receipts = [public.receipt, private.receipt, reply.receipt]
    sections = list(
        Section.objects.filter(version__consultation=consultation).values_list("key", flat=True)
    )
    return {
        "path": {"slug": [consultation.slug], "receipt": receipts},
        "body": {
            "section": sections,
            "target_section": sections,
            "parent": receipts,
            "duplicate_of": receipts,
            "appeal": [appeal.pk],
            "body": ["A fuzzed comment."],
            "rationale": ["A fuzzed rationale."],
            "reason": ["A fuzzed reason."],
        },
    }


def _real_objects(case, data, world) -> None:
    """Half of the time, point path parameters and body fields at objects that exist."""
    for name, values in world["path"].items():
        if name in (case.path_parameters or {}) and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(values), label=name)
    if isinstance(case.body, dict):
        for name, values in world["body"].items():
            if name in case.body and data.draw(st.booleans(), label=f"real {name}"):
                case.body[name] = data.draw(st.sampled_from(values), label=name)


@schema.parametrize()
@schema.given(data=st.data())
@SETTINGS
def test_api_as_secretariat(case, data, world, secretariat):
    token = api_token_for(secretariat)
    _real_objects(case, data, world)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


@schema.include(method="GET").parametrize()
@schema.given(data=st.data())
@SETTINGS
def test_read_only_api_anonymously(case, data, world):
    _real_objects(case, data, world)
    case.call_and_validate(checks=CHECKS)


def test_schema_has_no_links():
    """No OpenAPI links, hence no stateful run; if links appear, add one (state machine)."""
    raw = schema.raw_schema
    links = [
        (path, method, code)
        for path, operations in raw["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for code, response in operation.get("responses", {}).items()
        if response.get("links")
    ]
    assert links == []
