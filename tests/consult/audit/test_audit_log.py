"""The audit log: which events are recorded, that rows never change, who reads them."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.ledger import services as feedback_services
from feedback.models import Status
from plenary.audit.models import AuditEvent, Event
from plenary.audit.services import audit_record
from stakeholders.registry import services as stakeholder_services
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import (
    PASSWORD,
    OrganisationFactory,
    ParticipantFactory,
    UserFactory,
)


def events(event):
    return list(AuditEvent.objects.filter(event=event))


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Name the open licence.",
    )


def _draft(secretariat, comment):
    feedback_services.disposition_draft_save(
        actor=secretariat, comment=comment, status=Status.NOTED, rationale=""
    )


# --- what is recorded -------------------------------------------------------------


def test_sign_in_is_recorded_with_the_user_and_ip(client, stakeholder):
    response = client.post(
        "/accounts/login/",
        {"login": stakeholder.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    (event,) = events(Event.SIGN_IN)
    assert event.actor == stakeholder
    assert event.actor_email == stakeholder.email
    assert event.ip == "203.0.113.7"


def test_failed_sign_in_records_the_lowercased_address_and_never_the_password(client, stakeholder):
    secret = "not-the-password-4711"
    response = client.post(
        "/accounts/login/",
        {"login": "Wanjiru@Example.ORG", "password": secret},
        REMOTE_ADDR="198.51.100.2",
    )
    assert response.status_code == 200  # the form again, with an error
    assert events(Event.SIGN_IN) == []
    (event,) = events(Event.SIGN_IN_FAILED)
    assert event.actor is None
    assert event.actor_email == "wanjiru@example.org"
    assert event.ip == "198.51.100.2"
    assert secret not in repr(event.detail) and secret not in event.target


def test_sign_out_is_recorded(client, stakeholder):
    client.force_login(stakeholder)
    client.post("/accounts/logout/")
    (event,) = events(Event.SIGN_OUT)
    assert event.actor == stakeholder


def test_role_grant_and_revoke_are_recorded(consultation, secretariat):
    user = UserFactory(email="analyst@example.org")
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    consult_services.consultation_role_revoke(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    (granted,) = events(Event.ROLE_GRANTED)
    (revoked,) = events(Event.ROLE_REVOKED)
    for event in (granted, revoked):
        assert event.actor == secretariat
        assert event.consultation == consultation
        assert event.target == "analyst@example.org"
        assert event.detail == {"role": Role.ANALYST}


def test_refused_role_grant_records_nothing(consultation, stakeholder):
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        consult_services.consultation_role_grant(
            actor=stakeholder, consultation=consultation, user=stakeholder, role=Role.SECRETARIAT
        )
    assert events(Event.ROLE_GRANTED) == []


def test_publishing_a_batch_is_one_event_with_count_and_receipts(
    consultation, secretariat, stakeholder, comment
):
    second = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Two."
    )
    _draft(secretariat, comment)
    _draft(secretariat, second)
    feedback_services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
    (event,) = events(Event.DISPOSITION_PUBLISHED)
    assert event.actor == secretariat
    assert event.consultation == consultation
    assert event.detail["count"] == 2
    assert sorted(event.detail["receipts"]) == sorted([comment.receipt, second.receipt])


def test_appeal_is_recorded(secretariat, stakeholder, comment):
    feedback_services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=Status.NOT_ACCEPTED,
        rationale="Licences are set by law.",
        publish=True,
    )
    feedback_services.appeal_file(actor=stakeholder, comment=comment, reason="Please reconsider.")
    (event,) = events(Event.APPEAL_FILED)
    assert event.actor == stakeholder
    assert event.target == comment.receipt
    assert event.consultation_id == comment.consultation_id


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_ledger_export_is_recorded(client, consultation, stakeholder, fmt):
    client.force_login(stakeholder)
    response = client.get(f"/api/v1/consultations/{consultation.slug}/ledger.{fmt}")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    (event,) = events(Event.EXPORT_DOWNLOADED)
    assert event.actor == stakeholder
    assert event.consultation == consultation
    assert event.target == f"ledger.{fmt}"


def test_anonymous_export_is_recorded_without_actor(client, consultation):
    response = client.get(f"/api/v1/consultations/{consultation.slug}/ledger.csv")
    b"".join(response.streaming_content)
    (event,) = events(Event.EXPORT_DOWNLOADED)
    assert event.actor is None and event.actor_email == ""


def test_organisation_verification_and_affiliation_decision_are_recorded(secretariat):
    secretariat.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    verifier = type(secretariat).objects.get(pk=secretariat.pk)
    organisation = OrganisationFactory(name="Open Data Kenya")
    stakeholder_services.organisation_verify(
        actor=verifier, organisation=organisation, note="Registry entry 42."
    )
    participant = ParticipantFactory()
    affiliation = stakeholder_services.affiliation_request(
        participant=participant, organisation=organisation
    )
    stakeholder_services.affiliation_decide(actor=verifier, affiliation=affiliation, approve=True)
    (verified,) = events(Event.ORGANISATION_VERIFIED)
    assert verified.actor == verifier and verified.target == "Open Data Kenya"
    (decided,) = events(Event.AFFILIATION_DECIDED)
    assert decided.actor == verifier and decided.detail["affiliation"] == affiliation.pk


def test_unknown_event_is_refused_and_nothing_stored(db):
    with pytest.raises(ValueError, match="Unknown audit event"):
        audit_record(event="coffee_break")
    assert not AuditEvent.objects.exists()


# --- append-only ----------------------------------------------------------------


def test_audit_rows_refuse_update_and_delete(db):
    event = audit_record(event=Event.SIGN_IN_FAILED, target="x@example.org")
    event.target = "changed"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(target="changed")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).target == "x@example.org"


# --- who reads the log ------------------------------------------------------------


@pytest.fixture
def two_consultations(consultation, secretariat):
    """An event on this consultation and one on another, run by someone else."""
    elsewhere_secretariat = UserFactory(email="elsewhere@example.org")
    elsewhere_secretariat.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    elsewhere = open_consultation(
        secretariat=type(elsewhere_secretariat).objects.get(pk=elsewhere_secretariat.pk),
        title="Another consultation",
    )
    audit_record(event=Event.EXPORT_DOWNLOADED, consultation=consultation, target="here.csv")
    audit_record(event=Event.EXPORT_DOWNLOADED, consultation=elsewhere, target="there.csv")
    return consultation, elsewhere


def test_stakeholder_cannot_read_audit_pages(client, stakeholder, two_consultations):
    consultation, _elsewhere = two_consultations
    client.force_login(stakeholder)
    assert client.get(reverse("staff_audit")).status_code == 403
    url = reverse("staff_audit_consultation", args=[consultation.slug])
    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, two_consultations):
    response = client.get(reverse("staff_audit"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_secretariat_reads_only_its_consultations_events(client, secretariat, two_consultations):
    consultation, elsewhere = two_consultations
    client.force_login(secretariat)
    response = client.get(reverse("staff_audit_consultation", args=[consultation.slug]))
    assert response.status_code == 200
    assert b"here.csv" in response.content and b"there.csv" not in response.content
    url = reverse("staff_audit_consultation", args=[elsewhere.slug])
    assert client.get(url).status_code == 403
    assert client.get(reverse("staff_audit")).status_code == 403  # not the whole site


def test_site_staff_with_permission_reads_everything(client, two_consultations):
    auditor = UserFactory(email="auditor@example.org", is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client.force_login(auditor)
    response = client.get(reverse("staff_audit"))
    assert response.status_code == 200
    assert b"here.csv" in response.content and b"there.csv" in response.content


def test_site_staff_without_permission_is_refused(client, two_consultations):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("staff_audit")).status_code == 403


def test_filter_by_event_type(client, two_consultations):
    audit_record(event=Event.SIGN_IN_FAILED, target="guess@example.org")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("staff_audit"), {"event": Event.SIGN_IN_FAILED})
    assert b"guess@example.org" in response.content and b"here.csv" not in response.content


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_audit_page_costs_constant_queries(client, consultation, secretariat):
    client.force_login(secretariat)
    url = reverse("staff_audit_consultation", args=[consultation.slug])
    for n in range(3):
        audit_record(event=Event.EXPORT_DOWNLOADED, consultation=consultation, target=f"{n}.csv")
    client.get(url)  # warm the content-type and permission caches
    small = _query_count(client, url)
    for n in range(40):
        audit_record(
            event=Event.ROLE_GRANTED, actor=secretariat, consultation=consultation, target=f"{n}"
        )
    large = _query_count(client, url)
    assert small == large


def test_staff_consultation_page_links_to_its_audit_log(
    client, consultation, secretariat, moderator
):
    url = reverse("staff_audit_consultation", args=[consultation.slug]).encode()
    client.force_login(secretariat)
    assert url in client.get(reverse("staff_consultation", args=[consultation.slug])).content
    client.force_login(moderator)  # a moderator cannot open it, so sees no link
    assert url not in client.get(reverse("staff_consultation", args=[consultation.slug])).content
    assert client.get(url.decode()).status_code == 403
