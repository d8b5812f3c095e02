"""Long threads: a section's comments are keyset-paginated, replies are collapsed under
their comment and listed in full on the thread's own page, and the API comment list
pages by cursor.  Every page keeps the rules of who may read what."""

import base64
import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments import permissions
from comments.models import Comment
from comments.threads import selectors
from comments.threads.receipts import new_receipt
from plenary.keyset import InvalidCursor, cursor_for, cursor_position
from tests.stakeholders.factories import ParticipantFactory

TOP_LEVEL = re.compile(r'<article class="comment" id="c-([0-9A-Z]{5}-[0-9A-Z]{5})"')
REPLY = re.compile(r'<li class="comment reply" id="c-([0-9A-Z]{5}-[0-9A-Z]{5})"')
NEXT = re.compile(r'href="\?after=([^"#]+)#[a-z-]+" rel="next"')
PREVIOUS = re.compile(r'href="\?before=([^"#]+)#[a-z-]+" rel="prev"')
VIEWERS = ["anonymous", "stakeholder", "other_stakeholder", "secretariat"]
SECRET = "Only the secretariat should read this"


def second_section(consultation):
    return consultation.versions.get().sections.order_by("ordinal")[1]


def bulk_comments(
    consultation, section, n: int, *, authors, parent=None, body="Comment", start: int = 0
):
    """n comments on ``section`` (replies to ``parent`` when given), bulk-inserted, numbered
    from ``start``.  Every 9th is private, every 11th hidden, every 13th pending pre-moderation and
    every 17th withdrawn; their text carries SECRET.  (Set-up only: the product
    writes through services.)
    """
    round_ = consultation.rounds.get()

    def one(i: int) -> Comment:
        withheld = i % 9 == 4 or i % 11 == 3 or i % 13 == 6 or i % 17 == 8
        text = f"{body} {i}" + (f" {SECRET}" if withheld else "")
        return Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            section=section,
            parent=parent,
            root=parent,
            author=authors[i % len(authors)],
            body=text,
            body_html=f"<p>{text}</p>",
            visibility="private" if i % 9 == 4 else "public",
            moderation="hidden" if i % 11 == 3 else "pending" if i % 13 == 6 else "visible",
            withdrawn_at=timezone.now() if i % 17 == 8 else None,
        )

    return Comment.objects.bulk_create(one(i) for i in range(start, start + n))


def viewer_user(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def expected_threads(section, user, *, is_staff: bool) -> list[str]:
    """The rule itself, asked directly: what the viewer may read, oldest first."""
    readable = permissions.listed_q(user or AnonymousUser(), is_staff=is_staff)
    return list(
        Comment.objects.filter(readable, section=section, root__isnull=True)
        .order_by("created_at", "pk")
        .values_list("receipt", flat=True)
    )


def walk(
    client, url: str, link: re.Pattern, first: str = "", items: re.Pattern = TOP_LEVEL
) -> tuple[list[list[str]], list[str]]:
    """Follow ``link`` from ``url + first`` to the end: the receipts on each page, and each
    page's query string."""
    pages, queries, query = [], [], first
    while True:
        response = client.get(url + query)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(items.findall(html))
        queries.append(query)
        assert len(pages) < 100, "the walk does not end"
        found = link.search(html)
        if not found:
            return pages, queries
        query = f"?{'after' if link is NEXT else 'before'}={unescape(found.group(1))}"


@pytest.fixture
def long_section(consultation, stakeholder, other_stakeholder):
    """47 threads: some at the same microsecond (a bulk import), the rest a second apart."""
    section = second_section(consultation)
    authors = [stakeholder, other_stakeholder, ParticipantFactory().user, ParticipantFactory().user]
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        bulk_comments(consultation, section, 12, authors=authors, body="Same instant")
    for i in range(35):
        with time_machine.travel(start + timedelta(seconds=i + 1), tick=False):
            bulk_comments(consultation, section, 1, authors=authors, body="Later", start=12 + i)
    return section


@pytest.mark.parametrize("viewer", VIEWERS)
def test_walking_every_cursor_shows_each_readable_thread_once(
    client, request, settings, consultation, long_section, viewer
):
    settings.PLENARY_THREADS_PER_PAGE = 5
    user = viewer_user(request, viewer)
    login(client, user)
    expected = expected_threads(long_section, user, is_staff=viewer == "secretariat")
    url = reverse("section", args=[consultation.slug, long_section.key])

    forward, queries = walk(client, url, NEXT)
    assert [r for page in forward for r in page] == expected
    assert all(len(page) == 5 for page in forward[:-1])
    assert len(forward) == -(-len(expected) // 5)

    # And back from the last page by the "Earlier comments" links, to the first page.
    backward, back_queries = walk(client, url, PREVIOUS, first=queries[-1])
    assert [r for page in reversed(backward) for r in page] == expected
    assert "Back to the start" not in client.get(url + back_queries[-1]).content.decode()
    assert "Back to the start" in client.get(url + queries[-1]).content.decode()


@pytest.mark.parametrize("viewer", ["anonymous", "other_stakeholder"])
def test_others_never_see_a_withheld_comment_on_any_page(
    client, request, settings, consultation, long_section, viewer
):
    """Private and pending comments of others are left out; hidden and withdrawn ones
    keep their place in the thread, without their text."""
    settings.PLENARY_THREADS_PER_PAGE = 4
    user = viewer_user(request, viewer)
    login(client, user)
    url = reverse("section", args=[consultation.slug, long_section.key])
    pages, queries = walk(client, url, NEXT)
    seen = {r for page in pages for r in page}
    of_others = Comment.objects.filter(section=long_section).exclude(author=user)
    left_out = of_others.exclude(visibility="public", moderation__in=["visible", "hidden"])
    assert left_out.filter(visibility="private").exists()
    assert left_out.filter(moderation="pending").exists()
    assert not seen & set(left_out.values_list("receipt", flat=True))
    placeholders = of_others.filter(visibility="public").filter(
        Q(moderation="hidden") | Q(withdrawn_at__isnull=False)
    )
    assert placeholders.exists()
    assert set(placeholders.values_list("receipt", flat=True)) <= seen
    shown = "".join(client.get(url + query).content.decode() for query in queries)
    withheld = of_others.exclude(visibility="public", moderation="visible", withdrawn_at=None)
    assert withheld.count() > 5
    for comment in withheld:
        assert comment.body_html not in shown


def test_the_author_sees_their_own_private_and_pending_comments_across_pages(
    client, settings, consultation, long_section, stakeholder
):
    settings.PLENARY_THREADS_PER_PAGE = 6
    client.force_login(stakeholder)
    pages, _html = walk(
        client, reverse("section", args=[consultation.slug, long_section.key]), NEXT
    )
    seen = {r for page in pages for r in page}
    own_withheld = set(
        Comment.objects.filter(section=long_section, author=stakeholder)
        .exclude(visibility="public", moderation="visible")
        .values_list("receipt", flat=True)
    )
    assert own_withheld and own_withheld <= seen


def test_a_comment_posted_while_reading_neither_shifts_nor_repeats_the_next_page(
    client, settings, consultation, long_section, stakeholder
):
    settings.PLENARY_THREADS_PER_PAGE = 5
    url = reverse("section", args=[consultation.slug, long_section.key])
    first = client.get(url).content.decode()
    bulk_comments(consultation, long_section, 1, authors=[stakeholder], body="Meanwhile")
    second = client.get(f"{url}?after={unescape(NEXT.search(first).group(1))}").content.decode()
    expected = expected_threads(long_section, None, is_staff=False)
    assert TOP_LEVEL.findall(first) + TOP_LEVEL.findall(second) == expected[:10]


@pytest.mark.parametrize(
    "cursor", ["?after=nonsense", "?before=%%%", "?after=MjAyNnww", "?after=x&before=y"]
)
def test_a_broken_cursor_shows_the_first_page_and_says_so(
    client, settings, consultation, long_section, cursor
):
    settings.PLENARY_THREADS_PER_PAGE = 5
    url = reverse("section", args=[consultation.slug, long_section.key])
    response = client.get(url + cursor)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This link to a page of comments is not valid" in html
    assert TOP_LEVEL.findall(html) == expected_threads(long_section, None, is_staff=False)[:5]


def test_cursors_round_trip_and_refuse_what_they_did_not_make(consultation, long_section):
    comment = Comment.objects.filter(section=long_section).last()
    assert cursor_position(cursor_for(comment)) == (comment.created_at, comment.pk)
    # A well-formed position that Plenary did not sign (a hand-made cursor).
    forged = base64.urlsafe_b64encode(
        f"{comment.created_at.isoformat()}|{comment.pk}".encode()
    ).decode()
    bad_cursors = ["", "====", "bm90IGEgY3Vyc29y", cursor_for(comment)[:-3], "MjAyNi0wMS0wMXwx"]
    for bad in [*bad_cursors, forged, cursor_for(comment).replace(":", ":x", 1)]:
        with pytest.raises(InvalidCursor):
            cursor_position(bad)


# -- collapsed replies and the thread page -------------------------------------------------


@pytest.fixture
def busy_thread(consultation, stakeholder, other_stakeholder):
    """A public top-level comment with 12 replies, some of them withheld."""
    section = second_section(consultation)
    (root,) = bulk_comments(consultation, section, 1, authors=[other_stakeholder], body="Root")
    start = timezone.now() - timedelta(hours=1)
    for i in range(12):  # 3 hidden, 4 private, 6 pending, 8 withdrawn (see bulk_comments)
        with time_machine.travel(start + timedelta(seconds=i), tick=False):
            bulk_comments(
                consultation,
                section,
                1,
                authors=[stakeholder if i in (4, 6) else other_stakeholder],
                parent=root,
                body="Reply",
                start=i,
            )
    return root


@pytest.mark.parametrize(
    ("viewer", "count"),
    [("anonymous", 10), ("stakeholder", 12), ("other_stakeholder", 10), ("secretariat", 12)],
)
def test_replies_are_collapsed_with_their_count_and_a_link_to_the_thread(
    client, request, settings, consultation, busy_thread, viewer, count
):
    settings.PLENARY_REPLIES_SHOWN = 3
    login(client, viewer_user(request, viewer))
    html = client.get(
        reverse("section", args=[consultation.slug, busy_thread.section.key])
    ).content.decode()
    assert f"{count} replies" in html
    assert '<details class="replies-box">' in html
    assert len(REPLY.findall(html)) == 3
    thread_url = reverse(
        "thread", args=[consultation.slug, busy_thread.section.key, busy_thread.receipt]
    )
    assert f'href="{thread_url}"' in html


@pytest.mark.parametrize(
    ("viewer", "count"), [("anonymous", 10), ("stakeholder", 12), ("secretariat", 12)]
)
def test_the_thread_page_lists_every_readable_reply_page_by_page(
    client, request, settings, consultation, busy_thread, viewer, count
):
    settings.PLENARY_REPLIES_PER_PAGE = 4
    login(client, viewer_user(request, viewer))
    url = reverse("thread", args=[consultation.slug, busy_thread.section.key, busy_thread.receipt])
    pages, _queries = walk(client, url, NEXT, items=REPLY)
    seen = [r for page in pages for r in page]
    assert len(seen) == count == len(set(seen))
    assert [len(page) for page in pages] == [4, 4, count - 8]
    if viewer == "anonymous":
        for page in [
            "",
            *(f"?after={cursor_for(c)}" for c in Comment.objects.filter(root=busy_thread)),
        ]:
            assert SECRET not in client.get(url + page).content.decode()


def test_a_reply_receipt_leads_to_its_thread_at_the_reply(client, consultation, busy_thread):
    reply = Comment.objects.filter(
        root=busy_thread, visibility="public", moderation="visible"
    ).first()
    thread_url = reverse(
        "thread", args=[consultation.slug, busy_thread.section.key, busy_thread.receipt]
    )
    response = client.get(reverse("thread", args=[consultation.slug, "no-such-key", reply.receipt]))
    assert response.status_code == 302
    assert response.url == f"{thread_url}#c-{reply.receipt}"
    assert (
        client.get(thread_url.replace(busy_thread.receipt, busy_thread.receipt.lower())).url
        == thread_url
    )


def test_a_private_thread_or_reply_is_not_found_for_others(
    client, consultation, busy_thread, stakeholder, secretariat
):
    private_reply = Comment.objects.get(root=busy_thread, visibility="private")
    url = reverse(
        "thread", args=[consultation.slug, busy_thread.section.key, private_reply.receipt]
    )
    assert client.get(url).status_code == 404
    Comment.objects.filter(pk=busy_thread.pk).update(visibility="private")
    root_url = reverse(
        "thread", args=[consultation.slug, busy_thread.section.key, busy_thread.receipt]
    )
    assert client.get(root_url).status_code == 404
    client.force_login(stakeholder)  # a reply's author, not the root's
    assert client.get(root_url).status_code == 404
    client.force_login(secretariat)
    assert client.get(root_url).status_code == 200
    assert (
        client.get(reverse("thread", args=[consultation.slug, "x", "00000-00000"])).status_code
        == 404
    )


# -- query counts: 20 comments or 20,000 ----------------------------------------------------


def test_a_section_page_costs_the_same_queries_with_20_or_20000_comments(
    client, consultation, stakeholder, other_stakeholder, secretariat, django_assert_num_queries
):
    section = second_section(consultation)
    authors = [stakeholder, other_stakeholder]
    url = reverse("section", args=[consultation.slug, section.key])

    def grow(until: int) -> None:
        """Up to ``until`` comments on the section: a fifth of them replies, four to a thread."""
        n = until - Comment.objects.filter(section=section).count()
        threads = n // 20
        roots = bulk_comments(consultation, section, n - 4 * threads, authors=authors)
        for root in roots[:: -(len(roots) // threads)][:threads]:  # the last one, and back
            bulk_comments(consultation, section, 4, authors=authors, parent=root, body="Reply")
        assert Comment.objects.filter(section=section).count() == until

    def deep_cursor() -> str:
        """A page three quarters down (or later) that starts with a thread with replies."""
        roots = expected_threads(section, None, is_staff=False)
        replied = set(
            Comment.objects.filter(section=section, root__isnull=False).values_list(
                "root__receipt", flat=True
            )
        )
        start = next(i for i in range(len(roots) * 3 // 4, len(roots)) if roots[i] in replied)
        return cursor_for(Comment.objects.get(receipt=roots[start - 1]))

    grow(20)
    counts = {}
    for name, user in [
        ("anonymous", None),
        ("stakeholder", stakeholder),
        ("secretariat", secretariat),
    ]:
        client.logout()
        login(client, user)
        client.get(url)  # warm the session and the content-type cache
        deep = f"?after={deep_cursor()}"
        with CaptureQueriesContext(connection) as first:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as later:
            assert client.get(url + deep).status_code == 200
        counts[name] = (len(first), len(later))
        # 16 threads on the first page, a few on the deep one: nothing is fetched per row.
        assert len(first) == len(later), name

    grow(20_000)
    for name, user in [
        ("anonymous", None),
        ("stakeholder", stakeholder),
        ("secretariat", secretariat),
    ]:
        client.logout()
        login(client, user)
        client.get(url)
        deep = f"?after={deep_cursor()}"
        first, later = counts[name]
        with django_assert_num_queries(first):
            html = client.get(url).content.decode()
        assert len(TOP_LEVEL.findall(html)) == 20
        with django_assert_num_queries(later):
            html = client.get(url + deep).content.decode()
        assert len(TOP_LEVEL.findall(html)) == 20


# -- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["anonymous", "stakeholder", "secretariat"])
def test_the_api_comment_list_pages_by_cursor_without_skipping_or_repeating(
    request, consultation, long_section, busy_thread, viewer
):
    user = viewer_user(request, viewer)
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):  # ties
        bulk_comments(
            consultation, long_section, 70, authors=[request.getfixturevalue("secretariat")]
        )
    url = f"/api/v1/consultations/{consultation.slug}/comments/"
    expected = list(
        selectors.comment_list_for_viewer(
            consultation=consultation,
            viewer=user or AnonymousUser(),
            is_staff=viewer == "secretariat",
        ).values_list("receipt", flat=True)
    )
    assert len(expected) > 50
    seen, pages = [], 0
    while url:
        body = client.get(url).json()
        assert "count" not in body
        seen += [comment["receipt"] for comment in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == expected
    assert pages == len(expected) // 50 + 1
    response = client.get(f"/api/v1/consultations/{consultation.slug}/comments/?cursor=bm9wZQ")
    assert response.status_code == 404
