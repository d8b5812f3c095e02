"""A participant's data: the JSON download, erasure, and what the public never sees."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.moderation import services as moderation
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from consult.reminders import services as reminders
from feedback.ledger import chain
from feedback.ledger import services as feedback_services
from feedback.ledger.selectors import ledger_chain
from feedback.models import DispositionEntry, Status
from feedback.privacy.selectors import personal_data_export
from feedback.privacy.services import account_erase
from plenary.audit.models import AuditEvent, Event
from plenary.audit.services import audit_record
from stakeholders.models import Affiliation, InterestTag, Participant, User
from stakeholders.registry import services
from tests.stakeholders.factories import PASSWORD, OrganisationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

EMAIL = "zawadi.mwangi@example.org"
NAME = "Zawadi Mwangi-Otieno"
GENDER = "Genderfluid-Quokka"  # unusual on purpose: found only where it is stored
AGE = "45-59"
SECTION = "1-purpose-2"


@pytest.fixture
def person(db):
    participant = ParticipantFactory(
        display_name=NAME, user__email=EMAIL, gender=GENDER, age_range=AGE
    )
    tag = InterestTag.objects.create(group=participant.group, slug="quokkas", name="Quokkas")
    participant.interests.add(tag)
    return participant.user


@pytest.fixture
def active_person(person, consultation, secretariat, other_stakeholder, client):
    """The person commented, edited, replied, flagged, appealed, followed, asked for an
    affiliation, signed in (and failed to once), got a role and a mail."""
    other = comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, section_key=SECTION, body="Theirs."
    )
    own = comment_services.comment_create(
        actor=person, consultation=consultation, section_key=SECTION, body="First thoughts."
    )
    comment_services.comment_edit(actor=person, comment=own, body="Second thoughts.")
    comment_services.comment_create(
        actor=person, consultation=consultation, parent=other, body="A reply."
    )
    moderation.flag_create(actor=person, comment=other, reason="spam", note="Looks copied.")
    feedback_services.disposition_record(
        actor=secretariat, comment=own, status=Status.NOT_ACCEPTED, rationale="No.", publish=True
    )
    feedback_services.disposition_record(
        actor=secretariat, comment=other, status=Status.NOTED, rationale="", publish=True
    )
    feedback_services.appeal_file(actor=person, comment=own, reason="Please reconsider.")
    reminders.follow_set(user=person, consultation=consultation, following=True)
    Affiliation.objects.create(
        participant=person.participant, organisation=OrganisationFactory(name="Quokka Trust")
    )
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=person, role=Role.ANALYST
    )
    assert client.login(email=EMAIL, password=PASSWORD)
    client.logout()
    assert not client.login(email=EMAIL, password="wrong")
    comment_services.comment_receipt_send(comment_id=own.pk)
    LogEntry.objects.create(
        user=secretariat,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr=EMAIL,
        action_flag=CHANGE,
        change_message="[]",
    )
    return person


def _ledger(consultation):
    return list(
        DispositionEntry.objects.filter(consultation=consultation)
        .order_by("sequence")
        .values_list("sequence", "comment_id", "status", "entry_hash")
    )


def _text_columns():
    """Every text-like column of every table, found by introspecting the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                try:
                    kind = connection.introspection.get_field_type(column.type_code, column)
                except KeyError:
                    continue
                if kind in {"CharField", "TextField", "JSONField", "EmailField", "SlugField"}:
                    yield table, column.name


def _find(needle: str) -> list[str]:
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            text = f"CAST({quote(column)} AS TEXT)"
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} WHERE LOWER({text}) LIKE %s",  # noqa: S608
                [f"%{needle.lower()}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


# --- download -------------------------------------------------------------------


def test_participant_can_download_all_their_data(client, active_person):
    client.force_login(active_person)
    assert "Download all your data" in client.get(reverse("my_data")).content.decode()
    response = client.get(reverse("my_data"), {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == EMAIL
    assert data["profile"]["display_name"] == NAME
    assert data["profile"]["gender"] == GENDER and data["profile"]["interests"] == ["Quokkas"]
    assert [a["organisation__name"] for a in data["affiliations"]] == ["Quokka Trust"]
    bodies = {c["body"] for c in data["comments"]}
    assert bodies == {"Second thoughts.", "A reply."}
    assert "not_accepted" in {c["disposition_status"] for c in data["comments"]}
    assert {r["body"] for r in data["revisions"]} >= {"First thoughts.", "Second thoughts."}
    assert data["flags_filed"][0]["note"] == "Looks copied."
    assert data["appeals"][0]["reason"] == "Please reconsider."
    assert len(data["follows"]) == 1
    events = {e["event"] for e in data["audit_events"]}
    assert {Event.SIGN_IN, Event.SIGN_IN_FAILED, Event.ROLE_GRANTED} <= events
    # Nobody else's comments.
    assert "Theirs." not in response.content.decode()


def test_anonymous_cannot_download_data(client):
    response = client.get(reverse("my_data"), {"download": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_export_costs_the_same_queries_for_few_and_many_comments(person, consultation):
    def add(n):
        for i in range(n):
            comment = comment_services.comment_create(
                actor=person, consultation=consultation, section_key=SECTION, body=f"Note {i}."
            )
            comment_services.comment_edit(actor=person, comment=comment, body=f"Note {i}!")

    add(1)
    with CaptureQueriesContext(connection) as few:
        personal_data_export(person)
    add(6)
    with CaptureQueriesContext(connection) as many:
        data = personal_data_export(person)
    assert len(data["comments"]) == 7 and len(data["revisions"]) == 14
    assert len(many.captured_queries) == len(few.captured_queries)


# --- erasure --------------------------------------------------------------------


def test_erasure_leaves_none_of_the_personal_data_in_any_text_column(
    client, active_person, consultation
):
    person = active_person
    # Before: the scan does find them (it can fail).
    assert _find(EMAIL) and _find(NAME) and _find(GENDER)
    ledger_before = _ledger(consultation)
    comments_before = list(
        Comment.objects.filter(author=person).order_by("pk").values_list("pk", "body")
    )
    other_device = Client()
    other_device.force_login(person)
    client.force_login(person)
    response = client.post(reverse("erase_account"), {"password": PASSWORD})
    assert response.status_code == 302

    assert _find(EMAIL) == []
    assert _find(NAME) == []
    assert _find(GENDER) == []
    person.refresh_from_db()
    assert person.erased_at is not None and not person.is_active
    assert not person.has_usable_password()
    assert person.email == f"erased-{person.pk}@invalid"
    participant = Participant.objects.get(user=person)
    assert participant.display_name.startswith("Withdrawn participant ")
    assert (participant.gender, participant.age_range) == ("", "")
    assert not participant.interests.exists() and not participant.affiliations.exists()
    # The record stays: the same comments with the same text, the same ledger.
    assert (
        list(Comment.objects.filter(author=person).order_by("pk").values_list("pk", "body"))
        == comments_before
    )
    assert _ledger(consultation) == ledger_before
    assert chain.verify(ledger_chain(consultation=consultation).iterator()) == []
    call_command("verify_ledger", consultation.slug, stdout=open("/dev/null", "w"))
    thread = client.get(reverse("section", args=[consultation.slug, SECTION])).content.decode()
    assert participant.display_name in thread and "Second thoughts." in thread
    # One event says the account was erased, with no address in it.
    erased = AuditEvent.objects.get(event="account_erased")
    assert erased.actor_id == person.pk and erased.target == "[erased]"
    # Signed out everywhere, and cannot sign in again.
    assert client.get(reverse("my_data")).status_code == 302
    assert other_device.get(reverse("my_data")).status_code == 302
    sessions = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(person.pk) not in sessions
    assert not client.login(email=EMAIL, password=PASSWORD)


def test_wrong_password_erases_nothing(client, active_person):
    client.force_login(active_person)
    before = personal_data_export(active_person)
    response = client.post(reverse("erase_account"), {"password": "not it"})
    assert response.status_code == 200
    assert "This is not your password." in response.content.decode()
    after = personal_data_export(User.objects.get(pk=active_person.pk))
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before


def test_an_account_without_a_password_confirms_with_the_phrase(client, person):
    person.set_unusable_password()
    person.save()
    client.force_login(person)
    page = client.get(reverse("erase_account")).content.decode()
    assert "erase my account" in page and 'name="password"' not in page
    response = client.post(reverse("erase_account"), {"phrase": "erase it"})
    assert "to confirm" in response.content.decode()
    assert User.objects.get(pk=person.pk).erased_at is None
    client.post(reverse("erase_account"), {"phrase": " Erase my account "})
    assert User.objects.get(pk=person.pk).erased_at is not None


def test_the_withdraw_policy_withdraws_comments_and_keeps_the_ledger(
    settings, active_person, consultation
):
    settings.PLENARY_ERASURE_POLICY = "withdraw"
    ledger_before = _ledger(consultation)
    account_erase(actor=active_person, password=PASSWORD)
    assert not Comment.objects.filter(author=active_person, withdrawn_at__isnull=True).exists()
    assert Comment.objects.filter(author=active_person).count() == 2
    assert _ledger(consultation) == ledger_before
    assert chain.verify(ledger_chain(consultation=consultation).iterator()) == []


def test_audit_redaction_keeps_what_happened_and_when(active_person, secretariat):
    events_before = list(AuditEvent.objects.order_by("pk").values_list("pk", "event", "created_at"))
    account_erase(actor=active_person, password=PASSWORD)
    after = list(AuditEvent.objects.order_by("pk").values_list("pk", "event", "created_at"))
    assert after[: len(events_before)] == events_before  # nothing removed or reordered
    granted = AuditEvent.objects.get(event=Event.ROLE_GRANTED, target="[erased]")
    assert granted.actor == secretariat  # the secretariat's own part stays
    failed = AuditEvent.objects.get(event=Event.SIGN_IN_FAILED)
    assert (failed.actor_email, failed.target, failed.ip) == ("[erased]", "[erased]", None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_audit_trigger_allows_the_redaction_and_refuses_anything_else(db):
    event = audit_record(event=Event.SIGN_IN_FAILED, target="x@example.org", actor_email="x@ex")
    table = AuditEvent._meta.db_table
    refused = [
        ("target = 'changed'", []),
        ("event = 'sign_out'", []),
        ("actor_email = '[erased]', event = 'sign_out'", []),
        ("detail = '{\"erased\": false}'::jsonb", []),
    ]
    for assignment, params in refused:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {assignment} WHERE id = %s",  # noqa: S608
                    [*params, event.pk],
                )
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET actor_email = '[erased]', target = '[erased]', ip = NULL, "  # noqa: S608
            "detail = '{\"erased\": true}'::jsonb WHERE id = %s",
            [event.pk],
        )
    redacted = AuditEvent.objects.get(pk=event.pk)
    assert (redacted.actor_email, redacted.target, redacted.detail) == (
        "[erased]",
        "[erased]",
        {"erased": True},
    )


def test_anonymous_cannot_erase(client):
    response = client.post(reverse("erase_account"), {"password": PASSWORD})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- what the public sees ------------------------------------------------------------


def test_public_pages_never_show_private_profile_fields(client, client_for, person, consultation):
    comment = comment_services.comment_create(
        actor=person, consultation=consultation, section_key=SECTION, body="Public words."
    )
    reply = comment_services.comment_create(
        actor=person, consultation=consultation, parent=comment, body="More public words."
    )
    api = client_for(None)
    pages = {
        "consultation": client.get(reverse("consultation", args=[consultation.slug])),
        "section": client.get(reverse("section", args=[consultation.slug, SECTION])),
        "thread": client.get(reverse("thread", args=[consultation.slug, SECTION, comment.receipt])),
        "receipt": client.get(reverse("receipt", args=[reply.receipt])),
        "ledger": client.get(reverse("ledger", args=[consultation.slug])),
        "ledger.csv": api.get(reverse("api-ledger-csv", args=[consultation.slug])),
        "ledger.json": api.get(reverse("api-ledger-json", args=[consultation.slug])),
        "api comments": api.get(reverse("api-consultation-comments", args=[consultation.slug])),
        "api comment": api.get(reverse("api-comment", args=[comment.receipt])),
        "api organisations": api.get(reverse("api-organisations")),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        text = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        ).decode()
        if where in {"section", "thread", "receipt", "api comment"}:
            assert NAME in text, where  # the page does show the participant
        for private in (GENDER, EMAIL, "Quokkas", f">{AGE}<", f'"{AGE}"'):
            assert private not in text, f"{where} shows {private}"


def test_a_new_display_name_cannot_take_an_organisation_s_name_through_the_service(person):
    desk = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    organisation = services.organisation_verify(
        actor=desk, organisation=OrganisationFactory(name="Quokka Trust"), note="Seen."
    )
    with pytest.raises(Exception, match="verified organisation"):
        services.participant_save_profile(
            user=person,
            display_name="QUOKKA  TRUST",
            group=organisation.group,
            country="KE",
        )
    assert Participant.objects.get(user=person).display_name == NAME


def test_what_an_erased_secretariat_did_to_others_keeps_its_target(
    secretariat, consultation, other_stakeholder
):
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=other_stakeholder, role=Role.MODERATOR
    )
    account_erase(actor=secretariat, password=PASSWORD)
    granted = AuditEvent.objects.get(event=Event.ROLE_GRANTED, consultation=consultation)
    assert granted.actor_id == secretariat.pk and granted.actor_email == "[erased]"
    assert granted.target == other_stakeholder.email and granted.detail == {"role": "moderator"}
