"""Histories owed to participants and auditors refuse rewriting, in the model
and (on PostgreSQL) in the database itself: the audit log, comment revisions
and moderation actions.  The ledger's own trigger is tested in
tests/feedback/ledger/test_ledger.py."""

import pytest
from django.db import DatabaseError, connection, transaction

from comments.models import CommentRevision, ModerationAction
from comments.threads import services as comment_services
from plenary.audit.models import AuditEvent, Event
from plenary.audit.services import audit_record
from tests.stakeholders.factories import UserFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"
)


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Name the open licence.",
    )


@pytest.fixture
def moderation_action(comment, secretariat):
    return ModerationAction.objects.create(
        consultation=comment.consultation,
        action=ModerationAction.Action.DISMISS,
        comment=comment,
        reason="No breach of the code of conduct.",
        actor=secretariat,
    )


def _refused_by_database(sql: str, pk: int) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])


def test_revision_and_moderation_action_refuse_update_and_delete_in_the_model(
    comment, moderation_action
):
    revision = comment.revisions.get()
    for row in (revision, moderation_action):
        with pytest.raises(TypeError, match="append-only"):
            row.save()
        with pytest.raises(TypeError, match="append-only"):
            row.delete()
    with pytest.raises(TypeError, match="append-only"):
        CommentRevision.objects.filter(pk=revision.pk).update(body="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        ModerationAction.objects.all().delete()


@postgres_only
def test_database_refuses_rewriting_revisions_and_moderation_actions(comment, moderation_action):
    revision = comment.revisions.get()
    _refused_by_database(
        "UPDATE comments_commentrevision SET body = 'x' WHERE id = %s", revision.pk
    )
    _refused_by_database("DELETE FROM comments_commentrevision WHERE id = %s", revision.pk)
    _refused_by_database(
        "UPDATE comments_moderationaction SET reason = 'x' WHERE id = %s", moderation_action.pk
    )
    _refused_by_database(
        "DELETE FROM comments_moderationaction WHERE id = %s", moderation_action.pk
    )
    revision.refresh_from_db()
    moderation_action.refresh_from_db()
    assert revision.body == "Name the open licence."
    assert moderation_action.reason == "No breach of the code of conduct."


@postgres_only
def test_database_refuses_rewriting_the_audit_log(db):
    event = audit_record(event=Event.SIGN_IN_FAILED, target="x@example.org")
    _refused_by_database("UPDATE audit_auditevent SET target = 'y' WHERE id = %s", event.pk)
    _refused_by_database("DELETE FROM audit_auditevent WHERE id = %s", event.pk)
    # Emptying the actor while also rewriting the event is refused as well.
    _refused_by_database(
        "UPDATE audit_auditevent SET actor_id = NULL, actor_email = 'z' WHERE id = %s", event.pk
    )
    event.refresh_from_db()
    assert event.target == "x@example.org"


@postgres_only
def test_deleting_an_account_keeps_its_audit_events_with_the_address(db):
    user = UserFactory(email="leaver@example.org")
    event = audit_record(event=Event.SIGN_IN, actor=user)
    user.delete()  # SET_NULL on the event's actor: the one UPDATE the trigger allows
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id is None
    assert event.actor_email == "leaver@example.org"
    assert event.event == Event.SIGN_IN
