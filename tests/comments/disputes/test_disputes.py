"""Disputed authorship (issue 25, part 25b): filing, the named person's confirmation
(signed in, by the organisation, or by the mailed link), the secretariat's
decision, the event chain, and the "disputed" mark on thread, receipt and ledger."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments.disputes import services as comment_disputes
from comments.models import Comment, Dispute
from comments.offline import services as offline
from comments.threads import services as comment_services
from feedback.disputes import services as disputes
from feedback.ledger import chain
from feedback.models import LedgerEvent
from stakeholders.models import Affiliation
from tests.feedback.ledger.test_chain import behind_the_application, run_verify
from tests.stakeholders.factories import OrganisationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

TEXT = "Public bodies should sell their data to the highest bidder."
MARK = "Disputed: the named person says they did not submit it"
REASON = "I never wrote this; someone used my address."


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body=TEXT
    )


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Open Data Kenya", verified_at=timezone.now())


def staff_of(organisation, *, status=Affiliation.Status.VERIFIED):
    person = ParticipantFactory(display_name=f"Staff {status}")
    Affiliation.objects.create(participant=person, organisation=organisation, status=status)
    return person.user


@pytest.fixture
def org_comment(consultation, stakeholder, organisation):
    Affiliation.objects.create(
        participant=stakeholder.participant,
        organisation=organisation,
        status=Affiliation.Status.VERIFIED,
    )
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="On behalf of our members.",
        on_behalf_of=organisation,
    )


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_dispute(user, comment, reason=REASON):
    return api_for(user).post(
        reverse("api-comment-disputes", args=[comment.receipt]), {"reason": reason}, format="json"
    )


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """``mailed(call)``: run ``call`` with the tasks it enqueues run after its commit
    (the outbox's inline mode), so its mail reaches the SMTP sink."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def events(consultation):
    return list(LedgerEvent.objects.filter(consultation=consultation).order_by("sequence"))


def link_in(mail) -> str:
    found = re.search(r"https://plenary\.example\.net(/disputes/[^/\s]+/)", mail.text)
    assert found, mail.text
    return found.group(1)


def page(client, url) -> str:
    return client.get(url).content.decode()


# --- filing: who confirms at once -----------------------------------------------------


def test_the_named_author_signed_in_confirms_at_once_and_it_is_an_event(
    client, consultation, comment, stakeholder, smtp, mailed
):
    smtp.clear()  # the receipt of the comment
    client.force_login(stakeholder)
    url = reverse("receipt_dispute", args=[comment.receipt])
    assert "confirms it at once" in page(client, url)
    response = mailed(client.post, url, {"reason": REASON})
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.confirmed_by, dispute.reported_by) == (
        "confirmed",
        "author",
        stakeholder,
    )
    assert dispute.confirmed_at is not None and dispute.token == ""
    (event,) = events(consultation)
    assert event.kind == "dispute" and event.comment == comment
    assert event.payload == {
        "dispute": dispute.pk,
        "status": "confirmed",
        "at": dispute.confirmed_at.isoformat(),
        "by": "named_person",
    }
    assert smtp.messages == []  # nobody to ask: the named person filed it


def test_verified_staff_of_the_organisation_confirm_at_once(
    consultation, org_comment, organisation
):
    staff = staff_of(organisation)
    response = post_dispute(staff, org_comment)
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    dispute = Dispute.objects.get(pk=response.json()["id"])
    assert (dispute.confirmed_by, dispute.on_behalf_of) == ("organisation", organisation)
    (event,) = events(consultation)
    assert event.payload["by"] == "organisation" and event.payload["status"] == "confirmed"


def test_unverified_staff_of_the_organisation_only_report(consultation, org_comment, organisation):
    requested = staff_of(organisation, status=Affiliation.Status.REQUESTED)
    response = post_dispute(requested, org_comment)
    assert response.status_code == 201
    assert response.json()["status"] == "awaiting_confirmation"
    assert events(consultation) == []


def test_anyone_else_reports_and_the_named_person_confirms_by_the_mailed_link(
    client, consultation, comment, other_stakeholder, smtp, mailed
):
    smtp.clear()
    response = mailed(post_dispute, other_stakeholder, comment)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status"} and body["status"] == "awaiting_confirmation"
    assert events(consultation) == []
    (mail,) = smtp.wait_for(1, 5)
    assert mail.rcpt_tos == ("wanjiru@example.org",)
    assert comment.receipt in mail.subject
    # The mail names neither the filer nor their reason.
    assert "Rafael" not in mail.text and REASON not in mail.text
    link = link_in(mail)
    client.logout()  # the link is the proof: no sign-in needed
    shown = page(client, link)
    assert "Yes, I did not submit this" in shown and TEXT in shown
    assert MARK not in page(client, reverse("receipt", args=[comment.receipt]))

    response = client.post(link, {"answer": "not_mine"})
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.confirmed_by) == ("confirmed", "link")
    assert dispute.link_used_at is not None
    (event,) = events(consultation)
    assert event.payload["by"] == "named_person" and event.recorded_by is None
    assert MARK in page(client, reverse("receipt", args=[comment.receipt]))

    # Single use: a second press, or a second visit, is refused and changes nothing.
    again = client.post(link, {"answer": "mine"})
    assert again.status_code == 400 and "used already" in again.content.decode()
    assert client.get(link).status_code == 400
    dispute.refresh_from_db()
    assert dispute.status == "confirmed" and len(events(consultation)) == 1


def test_i_did_submit_it_closes_the_dispute_without_an_event(
    client, consultation, comment, other_stakeholder, smtp, mailed
):
    smtp.clear()
    mailed(post_dispute, other_stakeholder, comment)
    link = link_in(smtp.wait_for(1, 5)[0])
    assert client.post(link, {"answer": "mine"}).status_code == 200
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.closed_by) == ("rejected", "named_person")
    assert events(consultation) == []
    assert MARK not in page(client, reverse("receipt", args=[comment.receipt]))
    # Closed, it is no longer open: the same person may report again.
    assert post_dispute(other_stakeholder, comment).status_code == 201


def test_an_expired_link_is_refused_and_nothing_is_written(
    client, consultation, comment, other_stakeholder, smtp, settings, mailed
):
    smtp.clear()
    mailed(post_dispute, other_stakeholder, comment)
    link = link_in(smtp.wait_for(1, 5)[0])
    later = timezone.now() + timedelta(days=settings.PLENARY_DISPUTE_LINK_DAYS, minutes=1)
    with time_machine.travel(later):
        response = client.post(link, {"answer": "not_mine"})
    assert response.status_code == 400 and "expired" in response.content.decode()
    dispute = Dispute.objects.get()
    assert dispute.status == "awaiting_confirmation" and dispute.link_used_at is None
    assert events(consultation) == []
    # Still within the window the same link works.
    with time_machine.travel(later - timedelta(minutes=2)):
        assert client.post(link, {"answer": "not_mine"}).status_code == 200


def test_an_unknown_or_truncated_link_is_refused(client, comment, other_stakeholder, smtp, mailed):
    smtp.clear()
    mailed(post_dispute, other_stakeholder, comment)
    link = link_in(smtp.wait_for(1, 5)[0])
    assert client.get(reverse("dispute_answer", args=["not-a-token"])).status_code == 400
    assert client.post(link[:-5] + "/", {"answer": "not_mine"}).status_code == 400
    assert Dispute.objects.get().status == "awaiting_confirmation"


def test_the_token_is_unguessable_and_distinct(comment, other_stakeholder, moderator):
    post_dispute(other_stakeholder, comment)
    post_dispute(moderator, comment)
    tokens = list(Dispute.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 2 and all(len(token) >= 43 for token in tokens)


def test_input_entered_by_staff_has_no_named_account_and_awaits_the_secretariat(
    consultation, secretariat, other_stakeholder, smtp, mailed
):
    entered = offline.comment_enter(
        actor=secretariat,
        consultation=consultation,
        channel="letter",
        received_on=timezone.localdate(),
        submitter_name="Amina Yusuf",
        body="A letter.",
        section_key="2-scope-1",
    )
    smtp.clear()
    # Not even the staff member who entered it counts as the named person.
    mine = mailed(post_dispute, secretariat, entered)
    assert mine.json()["status"] == "awaiting_confirmation"
    theirs = mailed(post_dispute, other_stakeholder, entered)
    assert theirs.json()["status"] == "awaiting_confirmation"
    assert Dispute.objects.filter(token="").count() == 2  # no link: nobody to mail
    assert smtp.messages == []
    dispute = Dispute.objects.filter(reported_by=other_stakeholder).get()
    disputes.dispute_decide(
        actor=secretariat, dispute=dispute, decision="upheld", reason="Ms Yusuf wrote to us."
    )
    (event,) = events(consultation)
    assert event.payload["status"] == "upheld" and event.payload["by"] == "secretariat"


# --- refusals -------------------------------------------------------------------------


def test_one_open_dispute_per_comment_and_filer(client, comment, other_stakeholder, moderator):
    assert post_dispute(other_stakeholder, comment).status_code == 201
    again = post_dispute(other_stakeholder, comment)
    assert again.status_code == 400 and "comment" in again.json()
    assert post_dispute(moderator, comment).status_code == 201  # another filer may
    client.force_login(other_stakeholder)
    response = client.post(reverse("receipt_dispute", args=[comment.receipt]), {"reason": "x"})
    assert response.status_code == 200 and "already disputed" in response.content.decode()
    assert Dispute.objects.count() == 2


@pytest.mark.parametrize(
    ("reason", "field"),
    [("", "reason"), ("   ", "reason"), ("x" * 2001, "reason"), ("bad \x07 bell", "reason")],
)
def test_bad_reasons_are_refused_naming_the_field(comment, other_stakeholder, reason, field):
    response = post_dispute(other_stakeholder, comment, reason=reason)
    assert response.status_code == 400
    assert field in response.json()
    assert Dispute.objects.count() == 0


def test_the_page_shows_a_missing_reason_beside_the_field(client, comment, other_stakeholder):
    client.force_login(other_stakeholder)
    response = client.post(reverse("receipt_dispute", args=[comment.receipt]), {"reason": ""})
    assert response.status_code == 200
    assert "Say why: the secretariat needs a reason." in response.content.decode()
    assert Dispute.objects.count() == 0


def test_unknown_receipt_is_404_and_anonymous_401(comment, other_stakeholder):
    missing = api_for(other_stakeholder).post(
        reverse("api-comment-disputes", args=["ZZZZZZZZZZ"]), {"reason": REASON}, format="json"
    )
    assert missing.status_code == 404 and "detail" in missing.json()
    anonymous = APIClient().post(
        reverse("api-comment-disputes", args=[comment.receipt]), {"reason": REASON}, format="json"
    )
    assert anonymous.status_code == 401
    assert Dispute.objects.count() == 0


def test_a_private_comment_cannot_be_disputed_by_those_who_cannot_read_it(
    consultation, stakeholder, other_stakeholder, moderator
):
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Private.",
        visibility=Comment.Visibility.PRIVATE,
    )
    assert post_dispute(other_stakeholder, private).status_code == 403
    assert post_dispute(stakeholder, private).status_code == 201
    assert Dispute.objects.count() == 1


def test_filing_is_rate_limited(consultation, stakeholder, other_stakeholder, settings):
    settings.PLENARY_RATE_DISPUTE_PER_ACCOUNT = "2/h"
    comments = [
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body=f"{n}"
        )
        for n in range(3)
    ]
    assert post_dispute(other_stakeholder, comments[0]).status_code == 201
    assert post_dispute(other_stakeholder, comments[1]).status_code == 201
    refused = post_dispute(other_stakeholder, comments[2])
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Dispute.objects.count() == 2


def test_the_page_answers_429_over_the_limit(client, comment, other_stakeholder, settings):
    settings.PLENARY_RATE_DISPUTE_PER_ACCOUNT = "1/h"
    client.force_login(other_stakeholder)
    url = reverse("receipt_dispute", args=[comment.receipt])
    assert client.post(url, {"reason": ""}).status_code == 200  # refused, but counted
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 429 and Dispute.objects.count() == 0


# --- the secretariat decides ----------------------------------------------------------


def test_only_the_secretariat_decides(
    client, consultation, comment, stakeholder, other_stakeholder, moderator, secretariat
):
    dispute = Dispute.objects.get(pk=post_dispute(stakeholder, comment).json()["id"])
    url = reverse("staff_dispute", args=[consultation.slug, dispute.pk])
    form = {"decision": "upheld", "reason": "The address bounced."}
    for who in (other_stakeholder, moderator, stakeholder):
        client.force_login(who)
        assert client.post(url, form).status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == "confirmed" and len(events(consultation)) == 1

    client.force_login(secretariat)
    assert REASON in page(client, url)
    response = client.post(url, form)
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decided_by, dispute.closed_by) == (
        "upheld",
        secretariat,
        "secretariat",
    )
    first, second = events(consultation)
    assert second.payload == {
        "dispute": dispute.pk,
        "status": "upheld",
        "at": dispute.decided_at.isoformat(),
        "by": "secretariat",
        "reason_sha256": chain.sha256_text("The address bounced."),
    }
    assert second.recorded_by == secretariat and second.previous_hash == first.event_hash
    assert MARK in page(client, reverse("receipt", args=[comment.receipt]))
    # Decided: closed.
    again = client.post(url, {"decision": "rejected", "reason": "Changed my mind."})
    assert again.status_code == 200 and len(events(consultation)) == 2


def test_a_rejected_dispute_takes_the_mark_away(
    client, consultation, comment, stakeholder, secretariat
):
    dispute = Dispute.objects.get(pk=post_dispute(stakeholder, comment).json()["id"])
    assert MARK in page(client, reverse("receipt", args=[comment.receipt]))
    decided = disputes.dispute_decide(
        actor=secretariat,
        dispute=dispute,
        decision="rejected",
        reason="The account holder posted it.",
    )
    assert decided.status == "rejected"
    assert MARK not in page(client, reverse("receipt", args=[comment.receipt]))
    assert [e.payload["status"] for e in events(consultation)] == ["confirmed", "rejected"]


def test_a_decision_needs_a_reason_and_a_known_choice(
    consultation, comment, stakeholder, secretariat
):
    dispute = Dispute.objects.get(pk=post_dispute(stakeholder, comment).json()["id"])
    with pytest.raises(ValidationError) as refused:
        disputes.dispute_decide(actor=secretariat, dispute=dispute, decision="upheld", reason="")
    assert set(refused.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError) as refused:
        disputes.dispute_decide(
            actor=secretariat, dispute=dispute, decision="confirmed", reason="x"
        )
    assert set(refused.value.message_dict) == {"decision"}
    dispute.refresh_from_db()
    assert dispute.status == "confirmed" and len(events(consultation)) == 1


# --- display --------------------------------------------------------------------------


def test_the_mark_shows_on_thread_receipt_and_ledger_and_the_byline_stays(
    client, consultation, comment, stakeholder
):
    post_dispute(stakeholder, comment)
    thread = page(client, reverse("section", args=[consultation.slug, "1-purpose-2"]))
    receipt = page(client, reverse("receipt", args=[comment.receipt]))
    ledger = page(client, reverse("ledger", args=[consultation.slug]))
    for shown in (thread, receipt, ledger):
        assert MARK in shown
    assert "Wanjiru" in thread and TEXT in thread and "Wanjiru" in receipt
    comment.refresh_from_db()
    assert comment.body == TEXT and comment.author == stakeholder


def test_the_receipt_offers_the_dispute_link(client, comment, other_stakeholder):
    link = reverse("receipt_dispute", args=[comment.receipt])
    client.force_login(other_stakeholder)
    assert link in page(client, reverse("receipt", args=[comment.receipt]))


def test_ledger_exports_carry_a_disputed_column(client, consultation, comment, stakeholder):
    other = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="2-scope-1", body="Other."
    )
    post_dispute(stakeholder, comment)
    response = client.get(reverse("api-ledger-csv", args=[consultation.slug]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_receipt = {row["receipt"]: row["disputed"] for row in rows}
    assert by_receipt == {comment.receipt: "true", other.receipt: "false"}  # as "withdrawn"
    response = client.get(reverse("api-ledger-json", args=[consultation.slug]))
    ledger = json.loads(b"".join(response.streaming_content))
    flags = {c["receipt"]: c["disputed"] for c in ledger["comments"]}
    assert flags == {comment.receipt: True, other.receipt: False}


# --- the event chain ------------------------------------------------------------------


def test_verify_ledger_passes_over_dispute_events_and_names_one_rewritten(
    consultation, comment, stakeholder, other_stakeholder, secretariat
):
    dispute = Dispute.objects.get(pk=post_dispute(stakeholder, comment).json()["id"])
    post_dispute(other_stakeholder, comment)
    disputes.dispute_decide(actor=secretariat, dispute=dispute, decision="upheld", reason="Yes.")
    assert [e.sequence for e in events(consultation)] == [1, 2]
    out, _err = run_verify(consultation.slug)
    assert out.startswith("OK")
    # No event holds the filer's identity or reason text.
    for event in events(consultation):
        assert REASON not in json.dumps(event.payload)
        assert "reported_by" not in event.payload and "reason" not in event.payload

    second = events(consultation)[1]
    with behind_the_application() as cursor:
        cursor.execute(
            "UPDATE feedback_ledgerevent SET payload = %s WHERE id = %s",
            [json.dumps({**second.payload, "status": "rejected"}), second.pk],
        )
    with pytest.raises(CommandError, match="does not verify") as exc:
        run_verify(consultation.slug)
    assert "event content does not match its hash (rewritten)" in exc.value.stderr
    assert comment.receipt in exc.value.stderr


# --- the secretariat's list -----------------------------------------------------------


def test_the_staff_list_filters_by_status_in_constant_queries(
    client, consultation, secretariat, stakeholder
):
    client.force_login(secretariat)
    url = reverse("staff_disputes", args=[consultation.slug])
    assert url in page(client, reverse("staff_consultation", args=[consultation.slug]))

    def measure(n: int) -> int:
        for i in range(n):
            filer = ParticipantFactory(display_name=f"Filer {n}-{i}").user
            post_dispute(filer, comment_on(consultation, stakeholder, f"{n}-{i}"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small, large = measure(2), measure(8)
    assert small == large
    filtered = page(client, url + "?status=confirmed")
    assert "No dispute here." in filtered
    assert page(client, url + "?status=awaiting_confirmation").count("Filer ") == 10


def comment_on(consultation, author, body):
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key="1-purpose-2", body=body
    )


def test_the_comments_half_alone_writes_no_event(comment, other_stakeholder):
    """The comments half alone writes no event; dispute_report composes it."""
    filed = comment_disputes.dispute_file(actor=other_stakeholder, comment=comment, reason=REASON)
    assert filed.status == "awaiting_confirmation"
    assert LedgerEvent.objects.count() == 0
