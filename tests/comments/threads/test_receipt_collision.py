"""A new receipt that is already taken: the unique constraint catches it and the
service runs again with a fresh one (comments.threads.receipts.retry_on_collision).

Against the real database of the run (SQLite here, PostgreSQL in CI): the
collision is recognised by the message that database gives.
"""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import Comment, CommentRevision
from comments.offline import services as offline
from comments.threads import receipts, services
from consult.models import CharterAcceptance, Follow
from plenary.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _draws(monkeypatch, *taken: str) -> list[str]:
    """Make the next receipts drawn be ``taken``, then fresh ones; return every draw."""
    drawn: list[str] = []
    queue = list(taken)

    def draw() -> str:
        receipt = queue.pop(0) if queue else receipts.new_receipt()
        drawn.append(receipt)
        return receipt

    monkeypatch.setattr(services, "new_receipt", draw)
    return drawn


def _counts():
    return (
        Comment.objects.count(),
        CommentRevision.objects.count(),
        OutboxMessage.objects.count(),
        Follow.objects.count(),
    )


def _first(consultation, stakeholder) -> Comment:
    return services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="First."
    )


def test_the_database_message_of_a_taken_receipt_is_recognised(consultation, stakeholder):
    first = _first(consultation, stakeholder)
    with pytest.raises(IntegrityError) as taken, transaction.atomic():
        Comment.objects.create(
            receipt=first.receipt,
            consultation=consultation,
            round=first.round,
            author=stakeholder,
            body="x",
        )
    assert receipts.is_collision(taken.value)
    with pytest.raises(IntegrityError) as other, transaction.atomic():
        CharterAcceptance.objects.create(consultation=consultation, user=stakeholder)
        CharterAcceptance.objects.create(consultation=consultation, user=stakeholder)
    assert not receipts.is_collision(other.value)


def test_a_comment_whose_receipt_is_taken_is_written_once_with_a_fresh_one(
    monkeypatch, consultation, other_stakeholder, stakeholder
):
    taken = _first(consultation, stakeholder).receipt
    before = _counts()
    drawn = _draws(monkeypatch, taken, taken)

    comment = services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="My point, kept whole.",
    )

    assert drawn[:2] == [taken, taken] and len(drawn) == 3
    assert comment.receipt == drawn[2] != taken
    # One comment, one revision, one receipt mail queued, and the first comment
    # still makes its author follow: nothing of the failed attempts is left.
    assert _counts() == tuple(n + 1 for n in before)
    stored = Comment.objects.get(receipt=comment.receipt)
    assert stored.body == "My point, kept whole." and stored.author == other_stakeholder
    assert Comment.objects.get(receipt=taken).author == stakeholder


def test_a_receipt_taken_on_every_attempt_fails_loudly_and_writes_nothing(
    monkeypatch, consultation, other_stakeholder, stakeholder
):
    taken = _first(consultation, stakeholder).receipt
    before = _counts()
    drawn = _draws(monkeypatch, *[taken] * receipts.ATTEMPTS)
    with pytest.raises(IntegrityError):
        services.comment_create(
            actor=other_stakeholder, consultation=consultation, section_key="1-purpose-2", body="x"
        )
    assert drawn == [taken] * receipts.ATTEMPTS
    assert _counts() == before


def test_an_entry_by_staff_retries_a_taken_receipt_too(
    monkeypatch, consultation, secretariat, stakeholder
):
    taken = _first(consultation, stakeholder).receipt
    drawn = _draws(monkeypatch, taken)
    entered = offline.comment_enter(
        actor=secretariat,
        consultation=consultation,
        channel="letter",
        received_on=timezone.localdate(),
        submitter_name="Amina Yusuf",
        body="By post.",
        section_key="2-scope-1",
    )
    assert drawn[0] == taken and entered.receipt == drawn[1] != taken
    assert Comment.objects.filter(entered_by=secretariat).count() == 1
