"""/me/input/: all my comments, across consultations and rounds, with every published decision."""

from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.threads import services
from comments.threads.receipts import new_receipt
from feedback.ledger import services as feedback_services
from feedback.models import DispositionEntry
from tests.consult.factories import open_consultation


def _key(consultation, n=0):
    return consultation.versions.get().sections.order_by("ordinal")[n].key


@pytest.fixture
def two_consultations(consultation, secretariat, stakeholder, other_stakeholder):
    """Wanjiru comments in two consultations; one comment decided twice, one only drafted."""
    elsewhere = open_consultation(secretariat=secretariat, title="Spectrum policy")
    decided = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=_key(consultation, 1),
        body="Name the licence.",
    )  # fmt: skip
    drafted = services.comment_create(
        actor=stakeholder, consultation=consultation, body="On the whole draft."
    )
    waiting = services.comment_create(
        actor=stakeholder, consultation=elsewhere, section_key=_key(elsewhere), body="Far away."
    )
    services.comment_create(
        actor=other_stakeholder, consultation=consultation, body="Not Wanjiru's."
    )
    feedback_services.disposition_record(
        actor=secretariat, comment=decided, status="not_accepted",
        rationale="Out of our remit, we thought.", publish=True,
    )  # fmt: skip
    feedback_services.disposition_record(
        actor=secretariat, comment=decided, status="partly_accepted",
        rationale="On reflection we will name a licence family.", publish=True,
    )  # fmt: skip
    feedback_services.disposition_record(
        actor=secretariat, comment=drafted, status="accepted", rationale="SECRET DRAFT NOTE"
    )
    return decided, drafted, waiting, elsewhere


def test_my_input_shows_every_decision_and_never_a_draft(client, stakeholder, two_consultations):
    decided, drafted, waiting, elsewhere = two_consultations
    client.force_login(stakeholder)
    page = client.get(reverse("my_input")).content.decode()

    for comment in (decided, drafted, waiting):
        assert f'href="/r/{comment.receipt}/"' in page
    assert "Not Wanjiru" not in page
    # The whole history, oldest first, and which decision is current.
    first = page.index("Out of our remit, we thought.")
    second = page.index("On reflection we will name a licence family.")
    assert first < second
    assert page.count("revised later") == 1 and page.count("· current") == 1
    assert page.count('class="status status-not_accepted"') == 1
    # Current status + history entry.
    assert page.count('class="status status-partly_accepted"') == 2
    # The draft is the secretariat's: no trace of it.
    assert "SECRET DRAFT NOTE" not in page
    assert "status-accepted" not in page
    # Awaiting, said plainly, and counted.
    assert page.count("Awaiting response: the secretariat has not published") == 2
    assert "You made 3 comments." in page and "2 are awaiting a response." in page
    # Grouped: one section per consultation, each round named once.
    assert page.count("<h2") == 2 and page.count("<h3>Round 1: Draft review</h3>") == 2
    assert page.index(elsewhere.title) < page.index(decided.consultation.title)  # most recent first


def test_my_input_tells_the_author_what_others_cannot_see(client, consultation, stakeholder):
    private = services.comment_create(
        actor=stakeholder, consultation=consultation, body="Just for you.", visibility="private"
    )
    hidden = services.comment_create(actor=stakeholder, consultation=consultation, body="Hidden.")
    Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)
    client.force_login(stakeholder)
    page = client.get(reverse("my_input")).content.decode()
    assert private.receipt in page and "Just for you." in page
    assert page.count("Private: only you and the secretariat") == 1
    assert page.count("A moderator hid this comment") == 1


def test_my_input_needs_sign_in(client):
    response = client.get(reverse("my_input"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _bulk_my_comments(author, consultations, secretariat, n: int) -> None:
    """n comments by ``author`` spread over the consultations; every other one decided
    twice.  (Set-up only: the product writes through services.)"""
    now = timezone.now()
    made = Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultations[i % len(consultations)],
            round=consultations[i % len(consultations)].rounds.get(),
            author=author,
            body=f"Mine {i}",
            body_html=f"<p>Mine {i}</p>",
        )
        for i in range(n)
    )
    entries = []
    for consultation in consultations:
        start = DispositionEntry.objects.filter(consultation=consultation).count()
        mine = [c for c in made[::2] if c.consultation_id == consultation.pk]
        for k, comment in enumerate(mine):
            for step, status in enumerate(("noted", "accepted")):
                entries.append(
                    DispositionEntry(
                        consultation=consultation,
                        sequence=start + 2 * k + step + 1,
                        comment=comment,
                        status=status,
                        rationale=f"Because {k}",
                        decided_by=secretariat,
                        decided_at=now,
                        published_at=now,
                        # Not a valid chain: this test counts queries, it never verifies it.
                        previous_hash="",
                        entry_hash=uuid4().hex * 2,
                    )
                )
    DispositionEntry.objects.bulk_create(entries)


def _queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("my_input"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_my_input_queries_do_not_grow_with_comments_or_decisions(
    client, consultation, secretariat, stakeholder
):
    consultations = [consultation, open_consultation(secretariat=secretariat, title="Second")]
    _bulk_my_comments(stakeholder, consultations, secretariat, 10)
    client.force_login(stakeholder)
    _queries(client)  # warm caches (session, content types)
    small, page = _queries(client)
    assert page.count("Because 0") >= 2  # the history is really rendered
    _bulk_my_comments(stakeholder, consultations, secretariat, 190)
    large, page = _queries(client)
    assert Comment.objects.filter(author=stakeholder).count() == 200
    assert "You made 200 comments." in page and "Page 1 of 4" in page
    assert small == large, f"/me/input/: {small} queries with 10 comments, {large} with 200"
