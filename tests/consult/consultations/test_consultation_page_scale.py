"""The consultation page of a 50-section draft costs the same queries at 100 and 2,000 comments.

Comments are bulk-created (spread over every section, some private, some
hidden) so the sizes are cheap to build; the page is read through the test
client, the cache cold (a new comment changes the counts' key) and warm.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.participation.services import participation_tally_rebuild
from comments.threads.receipts import new_receipt
from consult.consultations import services
from consult.versions import services as version_services
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

SECTIONS = 50
DRAFT = "# A long draft\n\n" + "\n\n".join(
    (f"## Part {n // 10 + 1}\n" if n % 10 == 0 else "") + f"Paragraph {n} of the draft."
    for n in range(SECTIONS)
)


@pytest.fixture
def long_draft(secretariat):
    from datetime import timedelta

    from django.utils import timezone

    consultation = services.consultation_create(
        actor=secretariat, title="Long draft", summary="Fifty paragraphs."
    )
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        closes_at=timezone.now() + timedelta(days=30),
    )
    return consultation


def add_comments(consultation, count: int, authors) -> None:
    round_ = consultation.rounds.get()
    sections = list(round_.document_version.sections.order_by("ordinal"))
    start = Comment.objects.filter(consultation=consultation).count()
    Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            section=sections[n % len(sections)],
            author=authors[n % len(authors)],
            body=f"Comment {n}",
            body_html=f"<p>Comment {n}</p>",
            visibility="private" if n % 12 == 5 else "public",
            moderation="hidden" if n % 50 == 7 else "visible",
        )
        for n in range(start, start + count)
    )
    # Bulk-created past the services: the participation counters are recounted, as
    # ``manage.py participation_counts --rebuild`` would.
    participation_tally_rebuild(consultation=consultation)


def page_queries(client, consultation) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("consultation", args=[consultation.slug]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_consultation_page_queries_do_not_grow_with_comments(client, long_draft):
    authors = [ParticipantFactory().user for _ in range(5)]
    add_comments(long_draft, 100, authors)
    small_cold, small_page = page_queries(client, long_draft)
    small_warm, _ = page_queries(client, long_draft)
    add_comments(long_draft, 1900, authors)
    cache.delete(f"plenary:page-counts:{long_draft.pk}")  # no snapshot: the full count
    large_cold, large_page = page_queries(client, long_draft)
    large_warm, _ = page_queries(client, long_draft)
    assert small_cold == large_cold
    assert small_warm == large_warm
    assert large_warm < large_cold  # the counts come from the cache
    # Section 1 holds comments 0, 50, 100, ...: 2 of 100, 40 of 2,000 (less private/hidden).
    expected_small = sum(1 for n in range(0, 100, 50) if n % 12 != 5 and n % 50 != 7)
    expected_large = sum(1 for n in range(0, 2000, 50) if n % 12 != 5 and n % 50 != 7)
    assert f"{expected_small} comments</span>" in small_page
    assert f"{expected_large} comments</span>" in large_page


def section_one(page: str) -> str:
    import re

    return re.findall(r"(\d+) comments?</span>", page)[0]


def test_new_comments_are_added_to_the_cached_counts_not_recounted(client, long_draft):
    authors = [ParticipantFactory().user for _ in range(5)]
    add_comments(long_draft, 2000, authors)
    cold, _ = page_queries(client, long_draft)
    warm, before = page_queries(client, long_draft)

    add_comments(long_draft, 3, authors)  # comments 2000-2002: section 1 gets number 2000
    after_new, page = page_queries(client, long_draft)

    assert after_new == warm + 1 < cold  # one short read of the new comments, no recount
    assert int(section_one(page)) == int(section_one(before)) + 1
    cache.delete(f"plenary:page-counts:{long_draft.pk}")
    _, recounted = page_queries(client, long_draft)
    assert section_one(recounted) == section_one(page)  # the same as counting them all


def test_many_new_comments_or_an_old_snapshot_mean_a_full_recount(
    client, long_draft, settings, monkeypatch
):
    from feedback.participation import selectors as participation

    authors = [ParticipantFactory().user for _ in range(3)]
    add_comments(long_draft, 100, authors)
    cold, _ = page_queries(client, long_draft)
    monkeypatch.setattr(participation, "PAGE_COUNTS_DELTA_MAX", 5)
    add_comments(long_draft, 6, authors)
    assert page_queries(client, long_draft)[0] == cold + 1  # the short read, then the count

    key = f"plenary:page-counts:{long_draft.pk}"
    snapshot = cache.get(key)
    snapshot["at"] -= settings.PLENARY_PAGE_COUNTS_SECONDS + 1  # older than its lifetime
    cache.set(key, snapshot)
    add_comments(long_draft, 1, authors)
    assert page_queries(client, long_draft)[0] == cold
