"""Triage keeps its place: every POST reachable from triage comes back to the same
filtered list and page, anchored at the comment handled; a reply shows the comment
it answers and its thread (issue 23)."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.threads import services as comment_services
from feedback.ledger import services
from feedback.ledger.paging import CappedCount, CappedPaginator, capped_count
from feedback.models import DispositionDraft, DispositionEntry
from feedback.themes import services as theme_services
from tests.feedback.ledger.test_workbench import SECTION_1, comment_on, triage_url
from tests.test_query_counts import add_comments

# Page 2 of a filtered list: what must survive every action.
FILTERS = {"status": "awaiting", "section": SECTION_1, "page": 2}


@pytest.fixture
def crowded(consultation, secretariat):
    """Enough comments on SECTION_1 for a second page (50 a page)."""
    add_comments(consultation, secretariat, 300)
    return consultation


def on_page_two(client, consultation):
    """Receipts listed on page 2 of the filtered list (rows are ``id="c-<receipt>"``)."""
    html = client.get(triage_url(consultation, **FILTERS)).content.decode()
    return re.findall(r'<tr id="c-([0-9A-Z-]+)" data-comment>', html)


def test_bulk_draft_returns_to_the_same_filters_and_page(client, crowded, secretariat):
    client.force_login(secretariat)
    receipts = on_page_two(client, crowded)
    assert receipts
    url = triage_url(crowded, **FILTERS)
    response = client.post(
        url, {"action": "draft", "comments": receipts[:2], "status": "noted", "rationale": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}#c-{receipts[0]}"
    assert DispositionDraft.objects.count() == 2


def test_publishing_selected_and_all_drafts_return_to_the_same_filters_and_page(
    client, crowded, secretariat
):
    client.force_login(secretariat)
    receipts = on_page_two(client, crowded)
    url = triage_url(crowded, **FILTERS)
    before = DispositionEntry.objects.count()
    services.disposition_draft_bulk(
        actor=secretariat,
        consultation=crowded,
        comments=crowded.comments.filter(receipt__in=receipts[:3]),
        status="noted",
    )
    response = client.post(url, {"action": "publish", "comments": [receipts[0]]})
    assert response["Location"] == f"{url}#c-{receipts[0]}"
    response = client.post(url, {"action": "publish_all"})
    assert response["Location"] == url
    assert DispositionEntry.objects.count() == before + 3


def test_a_refused_bulk_action_stays_on_the_page_and_changes_nothing(client, crowded, secretariat):
    client.force_login(secretariat)
    url = triage_url(crowded, **FILTERS)
    response = client.post(url, {"action": "draft", "comments": [], "status": "noted"})
    assert response.status_code == 200
    assert DispositionDraft.objects.count() == 0


def test_tagging_from_triage_returns_to_the_same_filters_and_page(client, crowded, secretariat):
    theme = theme_services.theme_create(actor=secretariat, consultation=crowded, name="Access")
    client.force_login(secretariat)
    receipts = on_page_two(client, crowded)
    url = triage_url(crowded, **FILTERS)
    response = client.post(
        url, {"theme_action": "tag", "theme": theme.pk, "comments": receipts[1:3]}
    )
    assert response["Location"] == f"{url}#c-{receipts[1]}"
    assert theme.tags.count() == 2


def test_decide_keeps_the_triage_list_through_a_draft_and_returns_after_publishing(
    client, crowded, secretariat
):
    client.force_login(secretariat)
    receipt = on_page_two(client, crowded)[0]
    back = triage_url(crowded, **FILTERS)
    html = client.get(triage_url(crowded, **FILTERS)).content.decode()
    decide = reverse("staff_decide", args=[receipt])
    # Triage's link carries the list (filters and page) to the decide page ...
    assert f'href="{decide}?next={quote(back, safe="/")}"' in html
    html = client.get(f"{decide}?next={quote(back)}").content.decode()
    assert f'<input type="hidden" name="next" value="{back.replace("&", "&amp;")}">' in html
    # ... a saved draft keeps it ...
    response = client.post(decide, {"status": "noted", "rationale": "", "next": back})
    assert response["Location"] == f"{decide}?next={quote(back, safe='')}"
    # ... and publishing goes back to it, at the comment just decided.
    response = client.post(
        decide, {"status": "noted", "rationale": "", "publish": "1", "next": back}
    )
    assert response["Location"] == f"{back}#c-{receipt}"
    assert DispositionEntry.objects.filter(comment__receipt=receipt).exists()


def test_decide_ignores_a_next_of_another_site(client, consultation, secretariat, stakeholder):
    comment = comment_on(consultation, stakeholder)
    client.force_login(secretariat)
    decide = reverse("staff_decide", args=[comment.receipt])
    response = client.post(
        decide,
        {"status": "noted", "rationale": "", "publish": "1", "next": "https://evil.example/x"},
    )
    assert response["Location"] == f"{triage_url(consultation)}#c-{comment.receipt}"


def test_themes_page_opened_from_triage_returns_to_it(client, crowded, secretariat):
    theme = theme_services.theme_create(actor=secretariat, consultation=crowded, name="Access")
    client.force_login(secretariat)
    receipt = on_page_two(client, crowded)[0]
    back = triage_url(crowded, **FILTERS)
    page = reverse("staff_comment_themes", args=[receipt])
    html = client.get(f"{page}?next={quote(back)}").content.decode()
    assert 'name="next"' in html
    response = client.post(page, {"themes": [theme.pk], "next": f"{back}#c-{receipt}"})
    assert response["Location"] == f"{back}#c-{receipt}"


# --- a reply with the comment it answers ---------------------------------------------


def test_a_reply_shows_its_parent_and_thread_in_triage_and_on_the_decide_page(
    client, consultation, secretariat, stakeholder, other_stakeholder
):
    parent = comment_on(consultation, stakeholder, body="The licence is too narrow.")
    reply = comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, parent=parent, body="I disagree."
    )
    later = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, parent=parent, body="Why so?"
    )
    client.force_login(secretariat)
    html = client.get(triage_url(consultation)).content.decode()
    row = html.split(f'<tr id="c-{reply.receipt}"')[1].split("</tr>")[0]
    assert f'In reply to <a class="receipt" href="/r/{parent.receipt}/">{parent.receipt}</a>' in row
    assert "The licence is too narrow." in row
    assert stakeholder.participant.display_name in row
    thread = reverse("thread", args=[consultation.slug, SECTION_1, reply.receipt])
    assert f'href="{thread}"' in row

    html = client.get(reverse("staff_decide", args=[reply.receipt])).content.decode()
    assert "In reply to" in html and "The licence is too narrow." in html
    details = html.split('<details class="thread">')[1].split("</details>")[0]
    assert "The whole thread (3 comments)" in details
    for comment in (parent, reply, later):
        assert comment.receipt in details
    assert (
        details.index(parent.receipt) < details.index(reply.receipt) < details.index(later.receipt)
    )


def test_replies_in_triage_cost_no_query_per_row(client, consultation, secretariat):
    client.force_login(secretariat)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(triage_url(consultation, status="all")).content.decode()
        return len(ctx.captured_queries), html.count("In reply to")

    add_comments(consultation, secretariat, 6)
    count()  # warm caches
    small, replies_small = count()
    add_comments(consultation, secretariat, 30)  # 48 rows in all: one page
    large, replies_large = count()
    assert replies_large > replies_small > 0
    assert large == small


# --- counts that stop counting --------------------------------------------------------


def test_capped_counts_say_more_than_and_keep_the_next_page_reachable(consultation, secretariat):
    add_comments(consultation, secretariat, 12)  # 16 comments with the replies
    comments = consultation.comments.order_by("created_at", "pk")
    assert capped_count(comments, cap=100) == CappedCount(n=16, more=False)
    assert capped_count(comments, cap=10) == CappedCount(n=10, more=True)
    paginator = CappedPaginator(comments, 5, page_number="2", cap=4)
    page = paginator.get_page("2")
    assert list(page) == list(comments[5:10])
    assert paginator.capped == CappedCount(n=9, more=True)  # rows 6-9 seen, then "more"
    assert page.has_next()
    assert paginator.get_page("x").number == 1  # not a number: the first page


def test_triage_says_more_than_when_the_cap_is_reached(client, consultation, secretariat):
    add_comments(consultation, secretariat, 1200)
    client.force_login(secretariat)
    html = client.get(triage_url(consultation, status="all")).content.decode()
    assert "More than 1000 comments await a published decision." in html
    assert "More than 1000 comments match." in html
    assert 'rel="next"' in html and "Page 1 of" not in html
