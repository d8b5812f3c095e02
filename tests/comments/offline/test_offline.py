"""Input received by email, letter, at a workshop or meeting, entered by the secretariat,
one at a time or from a CSV file (issue 3, "Other channels")."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from comments.models import Comment
from comments.offline import services as offline
from comments.threads.selectors import comments_of_author
from consult.models import Meeting
from consult.questions import services as questions
from plenary.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

BYLINE = "submitted by Amina Yusuf (Nairobi Water Users), received"


def _enter(actor, consultation, **kwargs):
    data = {
        "channel": "letter",
        "received_on": timezone.localdate(),
        "submitter_name": "Amina Yusuf",
        "submitter_organisation": "Nairobi Water Users",
        "body": "We ask for a section on **fees**.",
        "section_key": "2-scope-1",
    }
    return offline.comment_enter(actor=actor, consultation=consultation, **{**data, **kwargs})


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --- one at a time --------------------------------------------------------------------


def test_secretariat_can_enter_a_letter_through_the_page(client, consultation, secretariat):
    client.force_login(secretariat)
    url = reverse("staff_comment_enter", args=[consultation.slug])
    page = client.get(url).content.decode()
    assert "2-scope-1" in page and 'type="date"' in page
    response = client.post(
        url,
        {
            "channel": "letter",
            "received_on": timezone.localdate().isoformat(),
            "submitter_name": "Amina Yusuf",
            "submitter_organisation": "Nairobi Water Users",
            "section_key": "2-scope-1",
            "body": "We ask for a section on fees.",
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.channel, comment.author, comment.entered_by) == (
        "letter",
        secretariat,
        secretariat,
    )
    assert comment.submitter_name == "Amina Yusuf" and comment.section.key == "2-scope-1"
    assert comment.revisions.count() == 1
    # Nobody is mailed: the author is the staff member, not the sender.
    assert not OutboxMessage.objects.filter(task_name="comments.tasks.send_receipt").exists()
    listing = client.get(response.url).content.decode()
    assert comment.receipt in listing and BYLINE in listing


def test_an_entered_comment_names_its_sender_on_thread_receipt_and_ledger(
    client, consultation, secretariat
):
    comment = _enter(secretariat, consultation)
    expected = f"{BYLINE} {timezone.localdate():%-d %B %Y} by letter, entered by the secretariat"
    pages = [
        reverse("section", args=[consultation.slug, "2-scope-1"]),
        reverse("receipt", args=[comment.receipt]),
        reverse("ledger", args=[consultation.slug]),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert expected in page, url
    ledger = client.get(reverse("api-ledger-csv", args=[consultation.slug]))
    (row,) = csv.DictReader(io.StringIO(_text(ledger)))
    assert row["author"] == expected and row["channel"] == "letter"
    assert row["organisation"] == "Nairobi Water Users" and row["group"] == ""
    data = json.loads(_text(client.get(reverse("api-ledger-json", args=[consultation.slug]))))
    assert data["comments"][0]["author"] == expected


@pytest.mark.parametrize("who", ["stakeholder", "moderator"])
def test_participant_and_moderator_cannot_enter_comments(client, consultation, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for name in ("staff_comment_enter", "staff_comment_import", "staff_comments_entered"):
        assert client.get(reverse(name, args=[consultation.slug])).status_code == 403
    response = client.post(
        reverse("staff_comment_enter", args=[consultation.slug]),
        {"channel": "email", "submitter_name": "X", "body": "Y"},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        _enter(user, consultation)
    assert not Comment.objects.exists()


def test_other_secretariat_cannot_enter_comments(consultation, other_secretariat):
    with pytest.raises(PermissionDenied):
        _enter(other_secretariat, consultation)
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"received_on": date(2999, 1, 1)}, "received_at", "future"),
        ({"received_on": None}, "received_at", "Give the date"),
        ({"submitter_name": "  "}, "submitter_name", "Give the name"),
        ({"section_key": "99-nowhere-1"}, "section_key", "no section “99-nowhere-1”"),
        ({"channel": "fax"}, "channel", "Unknown channel"),
        ({"body": ""}, "body", "Write your comment"),
        ({"question_ordinal": 3}, "question", "no free-text question 3"),
    ],
)
def test_bad_offline_input_is_refused_and_nothing_written(
    consultation, secretariat, change, field, message
):
    with pytest.raises(ValidationError) as refused:
        _enter(secretariat, consultation, **change)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Comment.objects.exists()


def test_a_letter_received_in_time_can_be_entered_after_the_close(consultation, secretariat):
    round_ = consultation.rounds.get()
    received = timezone.localdate(round_.closes_at) - timedelta(days=1)
    with time_machine.travel(round_.closes_at + timedelta(days=5), tick=False):
        comment = _enter(secretariat, consultation, received_on=received)
        assert comment.round == round_
        with pytest.raises(ValidationError) as refused:
            _enter(secretariat, consultation, received_on=received + timedelta(days=3))
    assert "No round of this consultation was open" in refused.value.message_dict["received_at"][0]
    assert Comment.objects.count() == 1


def test_an_entered_comment_can_answer_a_question_and_come_from_a_meeting(
    consultation, secretariat
):
    round_ = consultation.rounds.get()
    questions.question_create(actor=secretariat, round_=round_, text="Why?", kind="free_text")
    meeting = Meeting.objects.create(
        consultation=consultation,
        title="Workshop in Mombasa",
        kind=Meeting.Kind.IN_PERSON,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    comment = _enter(
        secretariat,
        consultation,
        channel="meeting",
        section_key="",
        question_ordinal=1,
        meeting=meeting,
    )
    assert comment.question.ordinal == 1 and comment.meeting == meeting and comment.section is None


# --- CSV import -------------------------------------------------------------------------

HEADER = "channel,received_at,submitter_name,submitter_organisation,section_key,question,body\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")


def test_the_preview_lists_every_rejected_row_with_its_line_and_reason(
    client, consultation, secretariat
):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    today = timezone.localdate().isoformat()
    data = _csv(
        f"email,{today},Amina,,2-scope-1,,Fine row",
        f"email,{today},Bob,,no-such-key,,Unknown section",
        "email,31/12/2026,Carla,,,,Bad date",
        f"email,{future},Dan,,,,Future date",
        f"fax,{today},Eve,,,,Unknown channel",
        f"letter,{today},Femi,,,,",
        f"letter,{today},Gita,,,,{'x' * 20001}",
        f"letter,{today},,,,,No name",
    )
    client.force_login(secretariat)
    url = reverse("staff_comment_import", args=[consultation.slug])
    response = client.post(url, {"file": io.BytesIO(data)})
    assert response.status_code == 400
    page = response.content.decode()
    preview = offline.comments_import_preview(
        actor=secretariat, consultation=consultation, data=data
    )
    assert [row.line for row in preview.rejected] == [3, 4, 5, 6, 7, 8, 9]
    reasons = {row.line: " ".join(row.errors) for row in preview.rejected}
    assert "no section “no-such-key”" in reasons[3]
    assert "“31/12/2026” is not a date" in reasons[4]
    assert "future" in reasons[5]
    assert "Unknown channel “fax”" in reasons[6]
    assert "Write your comment" in reasons[7]
    assert "at most" in reasons[8]
    assert "Give the name" in reasons[9]
    for line, reason in reasons.items():
        assert f"<td>{line}</td><td>{escape(reason)}</td>" in page
    assert "Import every row" not in page  # nothing to confirm
    assert not Comment.objects.exists()
    with pytest.raises(ValidationError):
        offline.comments_import(
            actor=secretariat, consultation=consultation, data=data, sha256=preview.sha256
        )
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"channel,received_at,body\nemail,2026-01-01,x\n", "Missing column(s): submitter_name"),
        (HEADER.encode() + b"email,2026-01-01,Jos\xe9,,,,Caf\xe9\n", "not UTF-8 text (line 2"),
        (HEADER.encode(), "no rows"),
    ],
)
def test_a_bad_file_is_refused_whole(client, consultation, secretariat, data, message):
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_comment_import", args=[consultation.slug]), {"file": io.BytesIO(data)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_a_good_file_is_previewed_then_imported_whole(client, consultation, secretariat):
    today = timezone.localdate().isoformat()
    data = _csv(
        f"workshop,{today},Amina Yusuf,Nairobi Water Users,2-scope-1,,From the workshop",
        f',{today},=Bob,,,,"Whole draft, with a comma"',
    )
    client.force_login(secretariat)
    url = reverse("staff_comment_import", args=[consultation.slug])
    preview = client.post(url, {"file": io.BytesIO(data)})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "2 rows accepted" in page and "Import every row" in page
    assert not Comment.objects.exists()  # the preview writes nothing
    sha = offline.comments_import_preview(
        actor=secretariat, consultation=consultation, data=data
    ).sha256
    assert client.post(url, {"sha256": "0" * 64}).status_code == 200  # not the file previewed
    assert not Comment.objects.exists()
    response = client.post(url, {"sha256": sha})
    assert response.status_code == 302
    made = list(Comment.objects.order_by("pk"))
    assert [(c.channel, c.submitter_name, c.section and c.section.key) for c in made] == [
        ("workshop", "Amina Yusuf", "2-scope-1"),
        ("import", "=Bob", None),
    ]
    assert all(c.entered_by == secretariat and c.author == secretariat for c in made)
    receipts = client.get(reverse("staff_comments_entered_csv", args=[consultation.slug]))
    rows = list(csv.DictReader(io.StringIO(receipts.content.decode())))
    assert {r["receipt"] for r in rows} == {c.receipt for c in made}
    assert {r["submitter_name"] for r in rows} == {"Amina Yusuf", "'=Bob"}  # no formula
    # The confirmation cannot be replayed: the kept file is gone.
    assert client.post(url, {"sha256": sha}).status_code == 200
    assert Comment.objects.count() == 2


def _import_queries(secretariat, consultation, n: int) -> tuple[int, int]:
    today = timezone.localdate().isoformat()
    keys = ["1-purpose-1", "1-purpose-2", "2-scope-1", ""]
    data = _csv(*(f"email,{today},Person {k},,{keys[k % 4]},,Comment {k}" for k in range(n)))
    with CaptureQueriesContext(connection) as preview_ctx:
        preview = offline.comments_import_preview(
            actor=secretariat, consultation=consultation, data=data
        )
    assert preview.ok
    with CaptureQueriesContext(connection) as import_ctx:
        offline.comments_import(
            actor=secretariat, consultation=consultation, data=data, sha256=preview.sha256
        )
    section_reads = [q for q in import_ctx.captured_queries if 'FROM "consult_section"' in q["sql"]]
    return len(preview_ctx.captured_queries), len(section_reads)


def test_checking_an_import_reads_the_sections_once_however_many_rows(consultation, secretariat):
    small_preview, small_sections = _import_queries(secretariat, consultation, 20)
    large_preview, large_sections = _import_queries(secretariat, consultation, 200)
    assert small_preview == large_preview
    assert small_sections == large_sections == 1
    assert Comment.objects.count() == 220


def test_the_entered_list_costs_the_same_queries_however_long(client, consultation, secretariat):
    client.force_login(secretariat)
    url = reverse("staff_comments_entered", args=[consultation.slug])
    for _k in range(3):
        _enter(secretariat, consultation)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _k in range(30):
        _enter(secretariat, consultation)
    with CaptureQueriesContext(connection) as large:
        assert BYLINE in client.get(url).content.decode()
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_an_entered_comment_gets_a_disposition_but_mails_nobody(consultation, secretariat):
    from django.core import mail

    from feedback.ledger import services as feedback_services
    from feedback.models import Status
    from tests.stakeholders.factories import ParticipantFactory

    ParticipantFactory(user=secretariat, display_name="Secretariat")
    comment = _enter(secretariat, consultation)
    feedback_services.disposition_record(
        actor=secretariat, comment=comment, status=Status.NOTED, rationale="Thanks.", publish=True
    )
    assert comment.dispositions.count() == 1
    assert mail.outbox == []  # neither a receipt nor the decision goes to the staff member
    assert list(comments_of_author(user=secretariat)) == []  # not the staff member's input


def test_the_report_appendix_names_the_sender_of_an_entered_comment(consultation, secretariat):
    from feedback.report import selectors as report

    _enter(secretariat, consultation)
    sections = list(consultation.versions.get().sections.order_by("ordinal"))
    rows = report.appendix_rows(consultation=consultation, sections=sections)
    ((_group, row),) = list(report.appendix_groups(iter(rows), labels={}))
    assert row["author_name"].startswith(BYLINE)
    assert row["group_name"] is None and row["organisation_name"] is None


def test_the_api_names_the_sender_of_an_entered_comment(consultation, secretariat):
    from rest_framework.test import APIClient

    comment = _enter(secretariat, consultation)
    body = APIClient().get(reverse("api-comment", args=[comment.receipt])).json()
    assert body["author"]["display_name"].startswith(BYLINE)
    assert body["author"]["group"] == ""


# --- files received with the input ----------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _entry(**extra) -> dict:
    return {
        "channel": "email",
        "received_on": timezone.localdate().isoformat(),
        "submitter_name": "Amina Yusuf",
        "section_key": "2-scope-1",
        "body": "Our position paper is attached.",
        **extra,
    }


def test_secretariat_can_enter_an_email_with_its_position_paper(
    client, consultation, secretariat, media_root, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from comments.search.selectors import comment_search
    from tests.comments.files import pdf_bytes

    client.force_login(secretariat)
    paper = SimpleUploadedFile(
        "paper.pdf", pdf_bytes("Spectrum sharing for rural cooperatives"), "application/pdf"
    )
    # The file's text is read by a task once the entry commits (issue 21).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_comment_enter", args=[consultation.slug]), _entry(attachments=[paper])
        )

    assert response.status_code == 302
    comment = Comment.objects.get()
    attachment = comment.attachments.get()
    assert attachment.original_name == "paper.pdf" and attachment.uploaded_by == secretariat
    assert "rural cooperatives" in comment.search_text
    hits = comment_search(consultation=consultation, query="cooperatives", viewer=None)
    assert [hit.comment.receipt for hit in hits.hits] == [comment.receipt]
    receipt_page = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert "paper.pdf" in receipt_page


def test_an_entry_with_a_file_lying_about_its_type_is_refused_whole(
    client, consultation, secretariat, media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(secretariat)
    fake = SimpleUploadedFile("paper.pdf", b"<html><script>x()</script></html>", "application/pdf")
    response = client.post(
        reverse("staff_comment_enter", args=[consultation.slug]), _entry(attachments=[fake])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "paper.pdf" in page and "Our position paper is attached." in page  # text kept
    assert not Comment.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_the_meeting_page_link_starts_the_entry_form_from_the_meeting(
    client, consultation, secretariat
):
    meeting = Meeting.objects.create(
        consultation=consultation,
        title="Nairobi workshop",
        kind=Meeting.Kind.IN_PERSON,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
        place="Nairobi",
    )
    client.force_login(secretariat)
    url = reverse("staff_comment_enter", args=[consultation.slug])
    page = client.get(f"{url}?channel=meeting&meeting={meeting.pk}").content.decode()

    assert '<option value="meeting" selected>' in page
    assert f'<option value="{meeting.pk}" selected>' in page
