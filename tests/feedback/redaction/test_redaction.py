"""Redaction (issue 25): the secretariat or a moderator redacts a passage of a published
comment.  ``Comment.body`` stays as sent; every public rendering (thread, receipt, API,
search, report) shows "[redacted: <reason>]" instead; the author and the team see what
was redacted and why; the ledger's event chain commits to a salted hash of the passage
and verify_ledger checks it."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from comments.attachments.services import search_text_refresh
from comments.models import Comment, Redaction
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.ledger import selectors as ledger_selectors
from feedback.models import LedgerEvent
from feedback.redaction.services import comment_redact
from feedback.report import selectors as report_selectors
from tests.feedback.ledger.test_chain import behind_the_application, run_verify
from tests.stakeholders.factories import ParticipantFactory, api_token_for

SECTION = "1-purpose-2"
PASSAGE = "call me on 0612345678"
BODY = f"The licence fees are too high; {PASSAGE} to discuss rural networks."
MARKER = "[redacted: personal data]"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body=BODY
    )


@pytest.fixture
def redacted(comment, secretariat):
    comment_redact(
        actor=secretariat,
        comment=comment,
        reason=Redaction.Reason.PERSONAL_DATA,
        note="A telephone number.",
        passage=PASSAGE,
    )
    comment.refresh_from_db()
    return comment


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


# --- the page ---------------------------------------------------------------------


def test_secretariat_redacts_through_the_page_without_javascript(client, secretariat, comment):
    client.force_login(secretariat)
    url = reverse("staff_comment_redact", args=[comment.receipt])
    page = client.get(url).content.decode()
    assert PASSAGE in page and 'name="passage"' in page and 'name="reason"' in page
    response = client.post(url, {"passage": PASSAGE, "reason": "personal_data", "note": "Phone."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == BODY  # kept as sent
    assert MARKER in comment.body_html and PASSAGE not in comment.body_html
    assert PASSAGE not in comment.search_text
    assert comment.redacted_body == BODY.replace(PASSAGE, MARKER)
    (redaction,) = comment.redactions.all()
    assert BODY[redaction.start : redaction.end] == PASSAGE
    assert (redaction.reason, redaction.note, redaction.created_by) == (
        "personal_data",
        "Phone.",
        secretariat,
    )


def test_page_shows_a_refusal_beside_the_field_and_writes_nothing(client, secretariat, comment):
    client.force_login(secretariat)
    url = reverse("staff_comment_redact", args=[comment.receipt])
    response = client.post(url, {"passage": "not in the text", "reason": "defamation"})
    assert response.status_code == 200
    assert "This passage is not in the comment" in response.content.decode()
    assert not Redaction.objects.exists() and not LedgerEvent.objects.exists()


@pytest.mark.parametrize(
    "who", ["stakeholder", "other_stakeholder", "analyst", "other_secretariat"]
)
def test_only_the_secretariat_and_moderators_redact(request, comment, who):
    with pytest.raises(PermissionDenied):
        comment_redact(
            actor=request.getfixturevalue(who), comment=comment, reason="other", passage=PASSAGE
        )
    assert not Redaction.objects.exists() and not LedgerEvent.objects.exists()


def test_a_moderator_redacts(moderator, comment):
    comment_redact(actor=moderator, comment=comment, reason="defamation", passage=PASSAGE)
    comment.refresh_from_db()
    assert "[redacted: defamation]" in comment.body_html


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"passage": "nowhere"}, "passage"),
        ({"passage": "e"}, "passage"),  # occurs more than once
        ({"start": 5, "end": 2}, "passage"),
        ({"start": 0, "end": 10_000}, "passage"),
        ({"passage": PASSAGE, "reason": "rude"}, "reason"),
    ],
)
def test_bad_passages_are_refused_naming_the_field(secretariat, comment, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        comment_redact(actor=secretariat, comment=comment, **{"reason": "other", **kwargs})
    assert field in refused.value.message_dict
    assert not Redaction.objects.exists() and not LedgerEvent.objects.exists()


def test_an_overlapping_passage_is_refused(secretariat, redacted):
    with pytest.raises(ValidationError) as refused:
        comment_redact(actor=secretariat, comment=redacted, reason="other", passage="me on")
    assert "passage" in refused.value.message_dict
    assert Redaction.objects.count() == 1 and LedgerEvent.objects.count() == 1


def test_a_private_comment_is_not_redacted(secretariat, consultation, stakeholder):
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body=BODY,
        visibility="private",
    )
    with pytest.raises(ValidationError) as refused:
        comment_redact(actor=secretariat, comment=private, reason="other", passage=PASSAGE)
    assert "comment" in refused.value.message_dict


def test_two_passages_are_both_redacted(secretariat, redacted):
    comment_redact(actor=secretariat, comment=redacted, reason="defamation", passage="rural")
    redacted.refresh_from_db()
    assert redacted.redacted_body == BODY.replace(PASSAGE, MARKER).replace(
        "rural", "[redacted: defamation]"
    )
    assert [e.sequence for e in LedgerEvent.objects.order_by("sequence")] == [1, 2]


# --- every public rendering -------------------------------------------------------


def test_the_public_reads_the_marker_everywhere(client, consultation, redacted, other_stakeholder):
    for user in (None, other_stakeholder):
        if user is not None:
            client.force_login(user)
        for url in (
            reverse("section", args=[consultation.slug, SECTION]),
            reverse("receipt", args=[redacted.receipt]),
        ):
            html = client.get(url).content.decode()
            assert MARKER in html and PASSAGE not in html, url
        listed = api(user).get(f"/api/v1/consultations/{consultation.slug}/comments/").json()
        (row,) = [r for r in listed["results"] if r["receipt"] == redacted.receipt]
        assert row["body"] == BODY.replace(PASSAGE, MARKER)
        assert PASSAGE not in row["body_html"]
        detail = api(user).get(f"/api/v1/comments/{redacted.receipt}/").json()
        assert detail["body"] == BODY.replace(PASSAGE, MARKER)
        # The earlier versions hold the passage: their history is the author's and the team's.
        assert api(user).get(f"/api/v1/comments/{redacted.receipt}/revisions/").status_code in (
            401,
            403,
        )
        assert client.get(reverse("comment_history", args=[redacted.receipt])).status_code == 403


def test_search_no_longer_finds_the_passage(client, consultation, redacted):
    url = reverse("consultation_search", args=[consultation.slug])
    assert redacted.receipt not in client.get(url, {"q": "0612345678"}).content.decode()
    found = client.get(url, {"q": "licence"}).content.decode()
    assert redacted.receipt in found and "0612345678" not in found


def test_an_attachment_extracted_later_does_not_bring_the_passage_back(redacted):
    search_text_refresh(comment=redacted)
    redacted.refresh_from_db()
    assert PASSAGE not in redacted.search_text and "licence" in redacted.search_text


def test_the_report_prints_the_marker(consultation, redacted):
    rows = [
        row
        for _group, row in report_selectors.appendix_groups(
            report_selectors.appendix_rows(
                consultation=consultation,
                sections=list(ledger_selectors.ledger_sections(consultation=consultation)),
            ).iterator(),
            labels={},
        )
    ]
    (row,) = [r for r in rows if r["receipt"] == redacted.receipt]
    assert MARKER in row["text_html"] and PASSAGE not in row["text_html"]


# --- the author and the team ------------------------------------------------------


@pytest.mark.parametrize("who", ["stakeholder", "secretariat", "moderator"])
def test_the_author_and_the_team_see_what_was_redacted_and_why(client, request, redacted, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    html = client.get(reverse("receipt", args=[redacted.receipt])).content.decode()
    assert f"<mark>{PASSAGE}</mark>" in html
    assert "redacted: personal data" in html and "A telephone number." in html
    detail = api(user).get(f"/api/v1/comments/{redacted.receipt}/").json()
    assert detail["body"] == BODY
    assert client.get(reverse("comment_history", args=[redacted.receipt])).status_code == 200


def test_the_note_is_not_public(client, redacted):
    html = client.get(reverse("receipt", args=[redacted.receipt])).content.decode()
    assert "A telephone number." not in html and "<mark>" not in html


def test_a_redacted_comment_can_no_longer_be_edited(stakeholder, redacted):
    with pytest.raises(ValidationError) as refused:
        comment_services.comment_edit(actor=stakeholder, comment=redacted, body="New text.")
    assert "body" in refused.value.message_dict
    redacted.refresh_from_db()
    assert redacted.body == BODY


# --- the ledger -------------------------------------------------------------------


def test_the_ledger_records_the_redaction_with_a_salted_hash(consultation, secretariat, redacted):
    (event,) = LedgerEvent.objects.filter(consultation=consultation)
    redaction = Redaction.objects.get()
    assert event.kind == LedgerEvent.Kind.REDACTION and event.comment == redacted
    assert event.recorded_by == secretariat
    assert event.payload == {
        "reason": "personal_data",
        "passage_sha256": hashlib.sha256((redaction.salt + PASSAGE).encode()).hexdigest(),
        "at": redaction.created_at.isoformat(),
    }
    # Without the salt the hash of the passage alone proves nothing.
    assert event.payload["passage_sha256"] != hashlib.sha256(PASSAGE.encode()).hexdigest()
    assert PASSAGE not in json.dumps(event.payload) and "telephone" not in json.dumps(event.payload)
    out, _err = run_verify(consultation.slug)
    assert "OK" in out


def test_verify_ledger_fails_when_the_event_is_altered(consultation, redacted):
    event = LedgerEvent.objects.get()
    with behind_the_application() as cursor:
        cursor.execute(
            "UPDATE feedback_ledgerevent SET payload = %s WHERE id = %s",
            [json.dumps({**event.payload, "reason": "other"}), event.pk],
        )
    with pytest.raises(CommandError) as failed:
        run_verify(consultation.slug)
    assert redacted.receipt in failed.value.stderr  # type: ignore[attr-defined]


def test_redaction_is_not_in_the_text_column(redacted):
    assert Comment.objects.filter(body__contains=PASSAGE).count() == 1
