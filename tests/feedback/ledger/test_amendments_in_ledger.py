"""Amendments (issue 24) in the ledger page, its CSV and JSON exports, and the staff's
triage and decide pages: the passage struck and the wording inserted; a private
amendment's passage and wording are not exported."""

import csv
import io
import json

import pytest
from django.urls import reverse

from comments.threads import services as comment_services
from feedback.ledger import services
from tests.comments.amendments.factories import propose

pytestmark = pytest.mark.django_db

SECTION = (
    "1-purpose-2"  # "Open data supports accountability and lets people build useful services."
)
STRUCK = '<del><span class="visually-hidden">deleted: </span>accountability</del>'
INSERTED = '<ins><span class="visually-hidden">inserted: </span>public scrutiny</ins>'


@pytest.fixture
def amendments(consultation, stakeholder, other_stakeholder, secretariat):
    public = propose(
        consultation,
        stakeholder,
        quote="accountability",
        replacement="public scrutiny",
        section_key=SECTION,
        body="Say what it means.",
    )
    private = propose(
        consultation,
        other_stakeholder,
        quote="useful services",
        replacement="a-private-wording",
        section_key=SECTION,
        visibility="private",
    )
    plain = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="No change."
    )
    services.disposition_record(
        actor=secretariat, comment=public, status="accepted", rationale="Agreed.", publish=True
    )
    return public, private, plain


def test_the_ledger_page_shows_the_change(client, consultation, amendments):
    html = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert STRUCK in html and INSERTED in html
    assert "Open data supports " in html  # the words before the passage
    assert "a-private-wording" not in html


def test_the_ledger_exports_carry_quote_and_replacement(client, consultation, amendments):
    public, private, plain = amendments
    response = client.get(f"/api/v1/consultations/{consultation.slug}/ledger.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_receipt = {row["receipt"]: row for row in rows}
    assert (by_receipt[public.receipt]["quote"], by_receipt[public.receipt]["replacement"]) == (
        "accountability",
        "public scrutiny",
    )
    assert by_receipt[private.receipt]["quote"] == by_receipt[private.receipt]["replacement"] == ""
    assert by_receipt[plain.receipt]["quote"] == ""

    response = client.get(f"/api/v1/consultations/{consultation.slug}/ledger.json")
    document = json.loads(b"".join(response.streaming_content))
    by_receipt = {c["receipt"]: c for c in document["comments"]}
    assert by_receipt[public.receipt]["quote"] == "accountability"
    assert by_receipt[public.receipt]["replacement"] == "public scrutiny"
    assert by_receipt[private.receipt]["quote"] is None
    assert by_receipt[private.receipt]["replacement"] is None
    assert by_receipt[plain.receipt]["quote"] is None


def test_triage_and_decide_show_the_change(client, consultation, amendments, secretariat):
    public, _private, _plain = amendments
    client.force_login(secretariat)
    # The triage list shows what awaits a decision: here the private amendment.
    triage = client.get(reverse("staff_triage", args=[consultation.slug])).content.decode()
    assert "useful services</del>" in triage and "a-private-wording</ins>" in triage
    decide = client.get(reverse("staff_decide", args=[public.receipt])).content.decode()
    assert STRUCK in decide and INSERTED in decide
