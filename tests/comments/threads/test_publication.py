"""Consent to publish (issue 25): named, anonymous or private, on the page and the API;
the name withheld from everyone but the author and the consultation's team, in the
thread, the receipt, the ledger, the API, the exports and the report."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment
from comments.threads import services
from feedback.ledger import selectors as ledger_selectors
from feedback.report import selectors as report_selectors
from tests.stakeholders.factories import api_token_for

SECTION = "1-purpose-2"
WITHHELD = "Name withheld at the participant"  # the apostrophe may be escaped
WITHHELD_TEXT = "Name withheld at the participant's request"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def comments_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.slug}/comments/"


# --- the page's form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("publication", "visibility", "anonymous"),
    [
        ("named", "public", False),
        ("anonymous", "public", True),
        ("private", "private", False),
        ("", "public", False),  # nothing chosen: with the name, as before
    ],
)
def test_page_form_records_the_publication_chosen(
    client, consultation, stakeholder, publication, visibility, anonymous
):
    client.force_login(stakeholder)
    url = reverse("section", args=[consultation.slug, SECTION])
    response = client.post(url, {"body": "My view.", "publication": publication})
    assert response.status_code == 302
    comment = Comment.objects.get(body="My view.")
    assert (comment.visibility, comment.anonymous) == (visibility, anonymous)


def test_page_form_offers_the_three_choices_named_first(client, consultation, stakeholder):
    client.force_login(stakeholder)
    html = client.get(reverse("section", args=[consultation.slug, SECTION])).content.decode()
    radios = re.findall(r'<input type="radio" name="publication"[^>]*>', html)
    # The comment form, then the "Propose new wording" form (issue 24): each asks.
    assert [re.search(r'value="(\w+)"', radio).group(1) for radio in radios] == [
        "named",
        "anonymous",
        "private",
    ] * 2
    assert "checked" in radios[0] and "checked" not in radios[1] + radios[2]
    assert "Publish without my name" in html and "Do not publish" in html


def test_page_form_refuses_an_unknown_publication(client, consultation, stakeholder):
    client.force_login(stakeholder)
    url = reverse("section", args=[consultation.slug, SECTION])
    response = client.post(url, {"body": "My view.", "publication": "loud"})
    assert response.status_code == 200
    assert not Comment.objects.filter(body="My view.").exists()


def test_a_reply_form_still_posts_public(client, consultation, stakeholder, other_stakeholder):
    first = services.comment_create(
        actor=other_stakeholder, consultation=consultation, section_key=SECTION, body="First."
    )
    client.force_login(stakeholder)
    url = reverse("section", args=[consultation.slug, SECTION])
    client.post(url, {"body": "Reply.", "parent": first.receipt, "visibility": "public"})
    reply = Comment.objects.get(body="Reply.")
    assert (reply.visibility, reply.anonymous) == ("public", False)


# --- the API ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "visibility", "anonymous", "publication"),
    [
        ({"publication": "named"}, "public", False, "named"),
        ({"publication": "anonymous"}, "public", True, "anonymous"),
        ({"publication": "private"}, "private", False, "private"),
        ({}, "public", False, "named"),
        ({"visibility": "private"}, "private", False, "private"),  # the older field alone
        ({"visibility": "public"}, "public", False, "named"),
        ({"publication": "anonymous", "visibility": "public"}, "public", True, "anonymous"),
        ({"publication": "private", "visibility": "private"}, "private", False, "private"),
    ],
)
def test_api_post_takes_publication(
    consultation, stakeholder, sent, visibility, anonymous, publication
):
    response = api(stakeholder).post(
        comments_url(consultation), {"section": SECTION, "body": "Via API.", **sent}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["publication"] == publication
    assert response.json()["visibility"] == visibility
    comment = Comment.objects.get(receipt=response.json()["receipt"])
    assert (comment.visibility, comment.anonymous) == (visibility, anonymous)
    # Its author still reads their own name.
    assert response.json()["author"]["display_name"] == "Wanjiru"


@pytest.mark.parametrize(
    "sent",
    [
        {"publication": "loud"},
        {"publication": ""},
        {"publication": "anonymous", "visibility": "private"},
        {"publication": "private", "visibility": "public"},
        {"publication": "named", "visibility": "private"},
    ],
)
def test_api_refuses_a_bad_or_contradicted_publication_naming_it(consultation, stakeholder, sent):
    response = api(stakeholder).post(
        comments_url(consultation), {"section": SECTION, "body": "Via API.", **sent}, format="json"
    )
    assert response.status_code == 400
    assert "publication" in response.json()
    assert not Comment.objects.filter(body="Via API.").exists()


# --- who sees the name ------------------------------------------------------------


@pytest.fixture
def anonymous_comment(consultation, stakeholder):
    return services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="Said without my name.",
        anonymous=True,
    )


@pytest.mark.parametrize(
    ("viewer", "named"),
    [
        ("anonymous", False),
        ("other_stakeholder", False),
        ("other_secretariat", False),  # staff of another consultation
        ("stakeholder", True),  # the author
        ("secretariat", True),
        ("moderator", True),
    ],
)
def test_byline_withholds_the_name_but_from_the_author_and_the_team(
    client, request, consultation, anonymous_comment, viewer, named
):
    user = None if viewer == "anonymous" else request.getfixturevalue(viewer)
    if user is not None:
        client.force_login(user)
    pages = [
        reverse("section", args=[consultation.slug, SECTION]),
        reverse("receipt", args=[anonymous_comment.receipt]),
        reverse("ledger", args=[consultation.slug]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Said without my name." in html or url.endswith("/ledger/")
        assert ("Wanjiru" in html) is named, url
        assert (WITHHELD in html) is not named, url

    listed = api(user).get(comments_url(consultation)).json()["results"]
    (row,) = [r for r in listed if r["receipt"] == anonymous_comment.receipt]
    assert row["publication"] == "anonymous"
    assert (row["author"]["display_name"] == "Wanjiru") is named
    detail = api(user).get(f"/api/v1/comments/{anonymous_comment.receipt}/").json()
    assert (detail["author"]["display_name"] == "Wanjiru") is named
    if not named:
        assert detail["author"]["display_name"] == WITHHELD_TEXT


def test_named_comment_keeps_its_byline(client, consultation, stakeholder):
    services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Named."
    )
    html = client.get(reverse("section", args=[consultation.slug, SECTION])).content.decode()
    assert "Wanjiru" in html and WITHHELD not in html


def test_ledger_exports_withhold_the_name(consultation, stakeholder, anonymous_comment):
    named = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Named."
    )
    text = api().get(f"/api/v1/consultations/{consultation.slug}/ledger.csv")
    body = b"".join(text.streaming_content).decode() if text.streaming else text.content.decode()
    rows = {row[0]: row for row in csv.reader(io.StringIO(body))}
    assert WITHHELD_TEXT in rows[anonymous_comment.receipt]
    assert "Wanjiru" not in rows[anonymous_comment.receipt]
    assert "Wanjiru" in rows[named.receipt]
    data = api().get(f"/api/v1/consultations/{consultation.slug}/ledger.json")
    raw = b"".join(data.streaming_content).decode() if data.streaming else data.content.decode()
    assert raw.count("Wanjiru") == 1 and WITHHELD_TEXT in raw


def test_report_appendix_withholds_the_name(consultation, stakeholder, anonymous_comment):
    services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Named."
    )
    rows = [
        row
        for _group, row in report_selectors.appendix_groups(
            report_selectors.appendix_rows(
                consultation=consultation,
                sections=list(ledger_selectors.ledger_sections(consultation=consultation)),
            ).iterator(),
            labels={},
        )
    ]
    by_receipt = {row["receipt"]: row for row in rows}
    assert by_receipt[anonymous_comment.receipt]["author_name"] == WITHHELD_TEXT
    assert by_receipt[anonymous_comment.receipt]["group_name"] is None
    assert [row["author_name"] for row in rows].count("Wanjiru") == 1


@pytest.mark.parametrize("route", ["staff_triage", "staff_moderation"])
def test_team_pages_name_anonymous_authors_without_a_query_each(
    client, consultation, secretariat, stakeholder, route
):
    """The triage and moderation pages are the team's: they pass ``is_staff`` to the
    byline rule, so comments published without the name cost no query each."""
    client.force_login(secretariat)
    url = reverse(route, args=[consultation.slug])

    def measure(count: int) -> int:
        for n in range(count):
            services.comment_create(
                actor=stakeholder,
                consultation=consultation,
                section_key=SECTION,
                body=f"Anonymous view {n}.",
                anonymous=True,
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    measure(1)  # warms the caches (session, read cache)
    assert measure(1) == measure(5)
