"""Histories owed to participants and auditors refuse rewriting, in the model
and (on PostgreSQL) in the database itself: the audit log, comment revisions
and moderation actions.  The ledger's own trigger is tested in
tests/feedback/ledger/test_ledger.py; all four triggers, as the migrations
leave them (through plenary.append_only), at the end of this file."""

import re

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from comments.models import CommentRevision, ModerationAction
from comments.threads import services as comment_services
from feedback.ledger import services as ledger_services
from feedback.models import Status
from plenary.audit.models import AuditEvent, Event
from plenary.audit.services import audit_record
from tests.plenary.test_append_only_sql import (
    AUDIT_FUNCTION_0004,
    HISTORY_FUNCTION,
    LEDGER_UP,
    bodies,
)
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


# --- the triggers as the migrations leave them -------------------------------------

# trigger -> (table, function, the old migration's text of that function)
TRIGGERS = {
    "ledger_append_only": ("feedback_dispositionentry", "plenary_ledger_append_only", LEDGER_UP),
    "comments_commentrevision_append_only": (
        "comments_commentrevision",
        "plenary_history_append_only",
        HISTORY_FUNCTION,
    ),
    "comments_moderationaction_append_only": (
        "comments_moderationaction",
        "plenary_history_append_only",
        HISTORY_FUNCTION,
    ),
    "audit_append_only": ("audit_auditevent", "plenary_audit_append_only", AUDIT_FUNCTION_0004),
}


@postgres_only
def test_the_migrations_leave_the_append_only_triggers_as_deployed_databases_have_them(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, t.tgrelid::regclass::text, p.proname, t.tgenabled, "
            "pg_get_triggerdef(t.oid), p.prosrc "
            "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal"
        )
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    assert set(TRIGGERS) <= set(found)
    for name, (table, function, old_sql) in TRIGGERS.items():
        found_table, found_function, enabled, definition, source = found[name]
        assert (found_table, found_function, enabled) == (table, function, "O")
        assert "BEFORE DELETE OR UPDATE" in definition and "FOR EACH ROW" in definition
        # The function's text is the one the hand-written migration stored.
        assert source == bodies(old_sql)[0]


@postgres_only
def test_each_trigger_refuses_update_and_delete_with_its_message(
    secretariat, comment, moderation_action
):
    entry = ledger_services.disposition_record(
        actor=secretariat, comment=comment, status=Status.NOTED, rationale="", publish=True
    )
    event = audit_record(event=Event.SIGN_IN_FAILED, target="x@example.org")
    rows = [
        ("feedback_dispositionentry", "rationale = 'x'", entry.pk, "the disposition ledger"),
        ("comments_commentrevision", "body = 'x'", comment.revisions.get().pk, None),
        ("comments_moderationaction", "reason = 'x'", moderation_action.pk, None),
        ("audit_auditevent", "target = 'x'", event.pk, "the audit log"),
    ]
    for table, assignment, pk, subject in rows:
        for verb, sql in (
            ("UPDATE", f"UPDATE {table} SET {assignment} WHERE id = %s"),  # noqa: S608
            ("DELETE", f"DELETE FROM {table} WHERE id = %s"),  # noqa: S608
        ):
            message = f"{subject or table} is append-only ({verb} refused)"
            # integrity_constraint_violation: Django raises IntegrityError.
            with pytest.raises(IntegrityError, match=rf"^{re.escape(message)}"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [pk])


# --- TRUNCATE (issue 21, finding 11) ------------------------------------------------

# table -> the subject its refusal names
NO_TRUNCATE = {
    "feedback_dispositionentry": "the disposition ledger",
    "feedback_ledgerhead": "the disposition ledger",
    "comments_commentrevision": "comments_commentrevision",
    "comments_moderationaction": "comments_moderationaction",
    "audit_auditevent": "the audit log",
    "feedback_assignmentchange": "the assignment history",
    "feedback_ledgerevent": "the ledger's event chain",
}


@postgres_only
def test_every_append_only_table_has_a_truncate_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgrelid::regclass::text, t.tgenabled, pg_get_triggerdef(t.oid) "
            "FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgname LIKE '%%no_truncate'"
        )
        found = {table: (enabled, definition) for table, enabled, definition in cursor.fetchall()}
    assert set(found) == set(NO_TRUNCATE)
    for enabled, definition in found.values():
        assert enabled == "O"
        assert "BEFORE TRUNCATE" in definition and "FOR EACH STATEMENT" in definition


@postgres_only
@pytest.mark.parametrize("table", list(NO_TRUNCATE))
def test_the_database_refuses_truncating_an_append_only_table(
    table, secretariat, comment, moderation_action
):
    entry = ledger_services.disposition_record(
        actor=secretariat, comment=comment, status=Status.NOTED, rationale="", publish=True
    )
    audit_record(event=Event.SIGN_IN_FAILED, target="x@example.org")
    message = f"{NO_TRUNCATE[table]} is append-only (TRUNCATE refused)"
    # The rows above leave deferred foreign-key checks pending in the test's
    # transaction, which PostgreSQL would name before any trigger: run them now.
    # CASCADE: the rows that reference the table would otherwise stop it first.
    with pytest.raises(IntegrityError, match=rf"^{re.escape(message)}"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {table} CASCADE")
    entry.refresh_from_db()
    assert comment.revisions.exists()
    assert ModerationAction.objects.filter(pk=moderation_action.pk).exists()
    assert AuditEvent.objects.filter(target="x@example.org").exists()
