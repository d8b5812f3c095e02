"""The consultation page is the draft (issue 22): the rounds as steps, the primary action
for the phase, and per paragraph its comment count with a summary of the decisions, from
one query that counts only public comments.  And the home page says when a future
consultation opens."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.moderation import services as moderation
from comments.threads import services as comment_services
from consult.consultations import services
from consult.versions import services as version_services
from feedback.ledger import selectors as ledger_selectors
from feedback.ledger import services as ledger_services
from tests.consult.factories import DRAFT
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"


def margin_of(html: str, key: str) -> str:
    """The margin (comment count and decision summary) of paragraph ``key``."""
    match = re.search(
        rf'<li class="section" id="s-{key}">.*?<div class="para-margin">(.*?)</div>', html, re.S
    )
    assert match, f"no paragraph {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def comment(consultation, author, body, **kwargs) -> Comment:
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=SECTION, body=body, **kwargs
    )


def decide(secretariat, comment_, status) -> None:
    ledger_services.disposition_record(
        actor=secretariat, comment=comment_, status=status, rationale="Because.", publish=True
    )


@pytest.fixture
def decided(consultation, secretariat):
    """On paragraph 1-purpose-2: three public comments (accepted, not accepted, awaiting),
    a reply, and a private and a hidden comment decided "accepted" that must not count."""
    people = [ParticipantFactory().user for _ in range(5)]
    accepted = comment(consultation, people[0], "Yes, keep this.")
    refused = comment(consultation, people[1], "Remove this.")
    awaiting = comment(consultation, people[2], "What about fees?")
    comment_services.comment_create(
        actor=people[3],
        consultation=consultation,
        section_key=SECTION,
        body="I agree.",
        parent=accepted,
    )
    private = comment(
        consultation, people[3], "For the secretariat.", visibility=Comment.Visibility.PRIVATE
    )
    hidden = comment(consultation, people[4], "Buy cheap watches.")
    moderation.comment_hide(actor=secretariat, comment=hidden, reason="Advertising.")
    decide(secretariat, accepted, "accepted")
    decide(secretariat, refused, "not_accepted")
    decide(secretariat, private, "accepted")
    decide(secretariat, hidden, "out_of_scope")
    return awaiting


def test_each_paragraph_shows_its_comments_and_decisions(client, consultation, decided):
    html = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    margin = margin_of(html, SECTION)
    # Four public comments (three threads and a reply); the private and hidden ones not.
    assert margin.startswith("4 comments · 1 accepted 1 not accepted 1 awaiting response")
    assert "out of scope" not in margin
    assert margin_of(html, "2-scope-1").startswith("0 comments")


def test_the_decision_summary_is_one_query_for_the_page(consultation, decided):
    with CaptureQueriesContext(connection) as ctx:
        summary = ledger_selectors.section_decisions(consultation=consultation)
    assert len(ctx.captured_queries) == 1
    section = consultation.versions.get().sections.get(key=SECTION)
    assert summary == {section.pk: [("accepted", 1), ("not_accepted", 1), ("awaiting", 1)]}


def test_the_stepper_marks_the_current_round_and_the_action_is_to_comment(
    client, consultation, secretariat
):
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        opens_at=timezone.now() + timedelta(days=40),
        closes_at=timezone.now() + timedelta(days=80),
        title="Final text",
    )
    html = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    stepper = re.search(r'<ol class="stepper"[^>]*>(.*?)</ol>', html, re.S).group(1)
    steps = re.findall(r"<li[^>]*>.*?</li>", stepper, re.S)
    assert len(steps) == 2
    assert 'aria-current="step"' in steps[0] and "Round 1" in steps[0]
    assert "aria-current" not in steps[1] and "Final text" in steps[1]
    head = html.split('id="draft-h"')[0]
    assert "Comment on the draft" in head
    # The draft comes before the questions, timeline and charter.
    assert html.index('id="draft-h"') < html.index('id="timeline-h"')
    assert html.index('id="draft-h"') < html.index('id="charter-h"')


@pytest.fixture
def future(secretariat):
    consultation = services.consultation_create(
        actor=secretariat, title="Later", summary="Opens later."
    )
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        opens_at=timezone.now() + timedelta(days=10),
        closes_at=timezone.now() + timedelta(days=50),
    )
    return consultation


def test_a_future_consultation_says_when_it_opens(client, future):
    opens = timezone.localtime(future.rounds.get().opens_at)
    home = client.get(reverse("home")).content.decode()
    assert f"Opens for comments on {opens.day} {opens:%B %Y}" in home
    assert "Not open for comments now" not in home
    page = client.get(reverse("consultation", args=[future.slug])).content.decode()
    head = page.split('id="draft-h"')[0]
    assert "Comments open on" in head and "Read the draft" in head
    assert 'aria-current="step"' not in page


def test_after_the_last_round_the_action_is_the_outcome(client, consultation):
    consultation.rounds.update(
        opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=1)
    )
    html = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    head = html.split('id="draft-h"')[0]
    ledger = reverse("ledger", args=[consultation.slug])
    assert f'<a class="button" href="{ledger}">See the outcome</a>' in head
