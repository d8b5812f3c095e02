"""Proposing new wording on the paragraph page without JavaScript (issue 24), and the
change struck and inserted where the comment shows: thread, receipt, history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Amendment, Comment
from comments.moderation import services as moderation
from comments.threads import services
from feedback.ledger import services as services_ledger
from tests.comments.amendments.factories import REASON, SECTION, propose

pytestmark = pytest.mark.django_db


def _section_url(consultation) -> str:
    return reverse("section", args=[consultation.slug, SECTION])


def _amend_field(html: str, name: str, prefix: str = "amend") -> str:
    """The markup of a form field (its label, help, errors and textarea), by id."""
    at = html.index(f'<textarea name="{name}"')
    at = html.index(f'id="{prefix}_{name}"', at)
    start = html.rindex('<div class="field', 0, at)
    return html[start : html.index("</textarea>", at)]


def test_the_paragraph_page_offers_the_form_without_javascript(
    client, draft_consultation, stakeholder
):
    client.force_login(stakeholder)
    html = client.get(_section_url(draft_consultation) + "?propose=1").content.decode()
    assert 'id="amend-form" open' in html
    assert "Propose a change" in html
    for label in ("Text to replace", "Proposed wording", "Why"):
        assert f">{label}:</label>" in html
    # The passage is posted as "amendment", the service's name for it.
    assert 'name="amendment"' in html and 'name="replacement"' in html
    # The plain text the script lets a keyboard select in (hidden without it).
    assert "data-amend-tools hidden" in html
    assert "Public bodies must publish the data they hold within ninety days." in html


def test_post_a_pasted_passage_and_see_it_struck_and_inserted(
    client, draft_consultation, stakeholder
):
    client.force_login(stakeholder)
    response = client.post(
        _section_url(draft_consultation),
        {
            "amendment": "they hold\r\nwithin ninety days",
            "replacement": "they hold within thirty days",
            "body": REASON,
            "visibility": "public",
            "language": "en",
            "accept_code_of_conduct": "on",
        },
    )
    comment = Comment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "receipt", args=[comment.receipt]
    )
    assert comment.amendment.quote == "they hold\r\nwithin ninety days"
    receipt = client.get(response["Location"]).content.decode()
    change = (
        '<del><span class="visually-hidden">deleted: </span>they hold within ninety days</del> '
        '<ins><span class="visually-hidden">inserted: </span>they hold within thirty days</ins>'
    )
    assert change in receipt
    assert "Public bodies must publish the data " in receipt  # its context
    thread = client.get(_section_url(draft_consultation)).content.decode()
    assert change in thread and REASON in thread


def test_a_refusal_shows_beside_text_to_replace_and_stores_nothing(
    client, draft_consultation, stakeholder
):
    client.force_login(stakeholder)
    response = client.post(
        _section_url(draft_consultation),
        {
            "amendment": "data",
            "replacement": "facts",
            "body": REASON,
            "visibility": "public",
            "accept_code_of_conduct": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "occurs 2 times" in _amend_field(html, "amendment")
    assert 'id="amend-form" open' in html
    assert "facts" in _amend_field(html, "replacement")  # what was typed stays
    assert not Comment.objects.exists() and not Amendment.objects.exists()


def test_the_edit_page_changes_the_wording_and_history_shows_each_version(
    client, draft_consultation, stakeholder
):
    comment = propose(draft_consultation, stakeholder)
    client.force_login(stakeholder)
    url = reverse("comment_edit", args=[comment.receipt])
    form = client.get(url).content.decode()
    assert "ninety days" in _amend_field(form, "amendment", prefix="id")
    response = client.post(
        url, {"amendment": "must publish", "replacement": "shall publish", "body": REASON}
    )
    assert response.status_code == 302
    refused = client.post(url, {"amendment": "zzz", "replacement": "x", "body": REASON})
    assert "not found" in _amend_field(refused.content.decode(), "amendment", prefix="id")
    history = client.get(reverse("comment_history", args=[comment.receipt])).content.decode()
    assert history.index('<del><span class="visually-hidden">deleted: </span>ninety days') < (
        history.index('<del><span class="visually-hidden">deleted: </span>must publish')
    )
    assert "shall publish</ins>" in history and "thirty days</ins>" in history


def test_a_hidden_amendment_shows_no_passage_to_the_public(
    client, draft_consultation, stakeholder, secretariat
):
    comment = propose(draft_consultation, stakeholder, replacement="a secret wording")
    moderation.comment_hide(actor=secretariat, comment=comment, reason="Off topic.")
    for url in (_section_url(draft_consultation), reverse("receipt", args=[comment.receipt])):
        html = client.get(url).content.decode()
        assert "a secret wording" not in html
    client.force_login(stakeholder)
    assert (
        "a secret wording"
        in client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    )


def test_a_private_amendment_is_not_in_the_public_thread(
    client, draft_consultation, stakeholder, secretariat
):
    propose(draft_consultation, stakeholder, replacement="a private wording", visibility="private")
    assert "a private wording" not in client.get(_section_url(draft_consultation)).content.decode()
    client.force_login(secretariat)
    assert "a private wording" in client.get(_section_url(draft_consultation)).content.decode()


def test_a_withdrawn_amendment_leaves_the_thread(client, draft_consultation, stakeholder):
    comment = propose(draft_consultation, stakeholder, replacement="a withdrawn wording")
    services.comment_withdraw(actor=stakeholder, comment=comment)
    html = client.get(_section_url(draft_consultation)).content.decode()
    assert "a withdrawn wording" not in html and "Withdrawn by its author" in html


def test_the_thread_costs_the_same_queries_however_many_amendments(
    client, draft_consultation, stakeholder
):
    """The thread joins each comment's amendment; the paragraph's plain text, which
    the context of each change is cut from, is computed once per page."""
    url = _section_url(draft_consultation)
    client.get(url)  # the read cache (plenary/readcache.py) warm: compare warm with warm
    counts = []
    for size in (2, 6):
        while Amendment.objects.count() < size:
            propose(
                draft_consultation, stakeholder, replacement=f"{Amendment.objects.count()} days"
            )
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        # Each in its thread, and again in the paragraph's "Proposed changes" block
        # (all are open: comments/supports/).
        assert html.count('<p class="amendment-change">') == 2 * size
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_my_input_shows_the_change_and_the_author_may_appeal_its_decision(
    client, draft_consultation, stakeholder, secretariat
):
    comment = propose(draft_consultation, stakeholder)
    services_ledger.disposition_record(
        actor=secretariat, comment=comment, status="not_accepted", rationale="No.", publish=True
    )
    client.force_login(stakeholder)
    html = client.get(reverse("my_input")).content.decode()
    assert '<span class="visually-hidden">deleted: </span>ninety days</del>' in html
    appeal = services_ledger.appeal_file(actor=stakeholder, comment=comment, reason="Reconsider.")
    assert appeal.comment == comment
