"""Pages keep the same number of queries however many comments there are."""

from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.threads.receipts import new_receipt
from comments.threads.services import undecided_tally_rebuild
from feedback.models import DispositionEntry
from tests.stakeholders.factories import ParticipantFactory


def add_comments(consultation, secretariat, n: int) -> None:
    """Bulk test data: n comments over all sections, a reply to every third, a decision on
    every fifth.  (Set-up only; the product writes through services.)"""
    version = consultation.versions.get()
    sections = list(version.sections.all())
    round_ = consultation.rounds.get()
    authors = [ParticipantFactory().user for _ in range(5)]
    made = Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            section=sections[i % len(sections)],
            author=authors[i % 5],
            body=f"Comment {i}",
            body_html=f"<p>Comment {i}</p>",
        )
        for i in range(n)
    )
    parents = made[::3]
    Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            section=parent.section,
            parent=parent,
            root=parent,
            author=authors[0],
            body="A reply",
            body_html="<p>A reply</p>",
        )
        for parent in parents
    )
    start = DispositionEntry.objects.filter(consultation=consultation).count()
    now = timezone.now()
    DispositionEntry.objects.bulk_create(
        DispositionEntry(
            consultation=consultation,
            sequence=start + k + 1,
            comment=comment,
            status="noted",
            decided_by=secretariat,
            decided_at=now,
            published_at=now,
            # Not a valid chain: these tests count queries, they never verify it.
            previous_hash="",
            entry_hash=uuid4().hex * 2,
        )
        for k, comment in enumerate(made[::5])
    )
    # Bulk rows bypass the writers: count them into the desk's tally as they would.
    undecided_tally_rebuild(consultation=consultation)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    ["consultation", "ledger"],
)
@pytest.mark.parametrize("viewer", ["anonymous", "stakeholder", "secretariat"])
def test_page_queries_do_not_grow_with_comments(
    client, consultation, secretariat, stakeholder, url_name, viewer
):
    if viewer != "anonymous":
        client.force_login({"stakeholder": stakeholder, "secretariat": secretariat}[viewer])
    url = reverse(url_name, args=[consultation.slug])
    add_comments(consultation, secretariat, 10)
    count_queries(client, url)  # warm caches (sessions, content types)
    small = count_queries(client, url)
    add_comments(consultation, secretariat, 490)
    assert Comment.objects.filter(consultation=consultation, root__isnull=True).count() == 500
    count_queries(
        client, url
    )  # the consultation page caches its counts (consult/rounds/services.py)
    large = count_queries(client, url)
    assert small == large, f"{url_name}: {small} queries with 10 comments, {large} with 500"


def test_section_thread_queries_do_not_grow(client, consultation, secretariat, stakeholder):
    client.force_login(stakeholder)
    section = consultation.versions.get().sections.order_by("ordinal")[1]
    url = reverse("section", args=[consultation.slug, section.key])
    add_comments(consultation, secretariat, 8)
    count_queries(client, url)
    small = count_queries(client, url)
    add_comments(consultation, secretariat, 400)
    large = count_queries(client, url)
    assert small == large


def test_my_input_queries_do_not_grow(client, consultation, secretariat):
    add_comments(consultation, secretariat, 10)
    author = Comment.objects.filter(root__isnull=True).first().author
    client.force_login(author)
    url = reverse("my_input")
    count_queries(client, url)
    small = count_queries(client, url)
    add_comments(consultation, secretariat, 300)
    large = count_queries(client, url)
    assert small == large


# The consultation page as a first-time visitor reads it, counts cached or not (issue 22):
# the per-paragraph decision summary is one query for the whole page
# (feedback.ledger.selectors.section_decisions), so a new paragraph or comment adds none.
# + 1 (issue 24): the paragraphs' proposed changes, one grouped query.
CONSULTATION_PAGE_QUERIES = 12


def test_consultation_page_query_count_is_pinned(client, consultation, secretariat):
    url = reverse("consultation", args=[consultation.slug])
    add_comments(consultation, secretariat, 50)
    count_queries(client, url)  # fills the counts' cache
    assert count_queries(client, url) == CONSULTATION_PAGE_QUERIES
