"""The ledger: append-only, sequenced, with rationale and transition rules in one place."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from comments.threads import services as comment_services
from feedback.ledger import services
from feedback.models import RATIONALE_REQUIRED, DispositionDraft, DispositionEntry, Status
from feedback.permissions import current_disposition


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Say more."
    )


def publish(secretariat, comment, status, rationale="Because.", **kwargs):
    return services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=status,
        rationale=rationale,
        publish=True,
        **kwargs,
    )


@pytest.mark.parametrize("status", sorted(RATIONALE_REQUIRED))
def test_rationale_is_required_where_a_reason_is_owed(secretariat, comment, status):
    with pytest.raises(ValidationError) as exc:
        publish(secretariat, comment, status, rationale="  ")
    assert "rationale" in exc.value.message_dict
    assert DispositionEntry.objects.count() == 0
    assert DispositionDraft.objects.count() == 0


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.NOTED])
def test_accepted_and_noted_need_no_rationale(secretariat, comment, status):
    assert publish(secretariat, comment, status, rationale="").status == status


def test_revision_appends_and_the_latest_is_current(secretariat, comment):
    first = publish(secretariat, comment, Status.NOTED, rationale="")
    second = publish(secretariat, comment, Status.PARTLY_ACCEPTED, rationale="On reflection.")
    assert (first.sequence, second.sequence) == (1, 2)
    assert current_disposition(comment=comment) == second
    first.refresh_from_db()
    assert first.status == Status.NOTED  # the earlier decision is kept as it was


def test_republishing_the_same_decision_is_refused(secretariat, comment):
    publish(secretariat, comment, Status.NOT_ACCEPTED, rationale="Out of mandate.")
    with pytest.raises(ValidationError) as exc:
        publish(secretariat, comment, Status.NOT_ACCEPTED, rationale="Out of mandate.")
    assert "status" in exc.value.message_dict
    assert DispositionEntry.objects.count() == 1


def test_duplicate_must_name_a_comment_of_the_same_consultation(
    secretariat, consultation, comment, other_stakeholder
):
    with pytest.raises(ValidationError) as exc:
        publish(secretariat, comment, Status.DUPLICATE, rationale="Same as another.")
    assert "duplicate_of" in exc.value.message_dict
    with pytest.raises(ValidationError):
        publish(secretariat, comment, Status.DUPLICATE, rationale="Itself.", duplicate_of=comment)
    original = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Say more, please.",
    )
    entry = publish(
        secretariat, comment, Status.DUPLICATE, rationale="Same.", duplicate_of=original
    )
    assert entry.duplicate_of == original


def test_draft_is_not_public_until_published(secretariat, comment, client):
    services.disposition_record(
        actor=secretariat, comment=comment, status=Status.ACCEPTED, rationale="", publish=False
    )
    assert DispositionEntry.objects.count() == 0
    assert "awaiting response" in client.get(f"/r/{comment.receipt}/").content.decode()
    services.disposition_publish(actor=secretariat, comment=comment)
    assert "accepted" in client.get(f"/r/{comment.receipt}/").content.decode()
    assert DispositionDraft.objects.count() == 0


def test_entries_refuse_update_and_delete_in_the_application(secretariat, comment):
    entry = publish(secretariat, comment, Status.NOTED, rationale="")
    entry.rationale = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        DispositionEntry.objects.filter(pk=entry.pk).update(rationale="rewritten")
    with pytest.raises(TypeError):
        DispositionEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_update_and_delete_behind_the_application(secretariat, comment):
    entry = publish(secretariat, comment, Status.NOTED, rationale="")
    for sql in (
        "UPDATE feedback_dispositionentry SET rationale = 'rewritten' WHERE id = %s",
        "DELETE FROM feedback_dispositionentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.rationale == ""


def test_transition_table_covers_every_state():
    from feedback.models import TRANSITIONS

    assert set(TRANSITIONS) == {None, *Status.values}
    assert all(targets <= set(Status.values) for targets in TRANSITIONS.values())


@pytest.mark.parametrize(
    ("first", "then", "allowed"),
    [
        (Status.NOTED, Status.ACCEPTED, True),
        (Status.NOTED, Status.NOTED, True),  # a new rationale for the same acknowledgement
        (Status.NOT_ACCEPTED, Status.PARTLY_ACCEPTED, True),
        (Status.ACCEPTED, Status.NOT_ACCEPTED, True),
        (Status.ACCEPTED, Status.NOTED, False),
        (Status.OUT_OF_SCOPE, Status.NOTED, False),
        (Status.NOT_ACCEPTED, Status.NOTED, False),
    ],
)
def test_status_transitions(secretariat, comment, first, then, allowed):
    publish(secretariat, comment, first, rationale="First reason.")
    if allowed:
        entry = publish(secretariat, comment, then, rationale="Revised: new facts.")
        assert current_disposition(comment=comment) == entry
    else:
        with pytest.raises(ValidationError) as exc:
            publish(secretariat, comment, then, rationale="Revised: new facts.")
        assert "cannot become" in exc.value.message_dict["status"][0]
        assert DispositionEntry.objects.count() == 1
        assert DispositionDraft.objects.count() == 0  # the refused draft is rolled back


def test_revising_a_published_decision_needs_a_reason(secretariat, comment):
    publish(secretariat, comment, Status.NOTED, rationale="")
    with pytest.raises(ValidationError) as exc:
        publish(secretariat, comment, Status.ACCEPTED, rationale="")
    assert "rationale" in exc.value.message_dict
    assert DispositionEntry.objects.count() == 1
