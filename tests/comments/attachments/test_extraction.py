"""Reading an attachment's text (issue 21, finding 7): never in the upload request,
bounded in pages and in seconds, recorded on the attachment, searchable once read.

A 20,000-page PDF (2.8 MB) used to hold the upload request 34 s: pypdf read every
page there.  The PDFs here are made with pypdf from the one-page PDF of
tests/comments/files.py, its page repeated.
"""

import io
import zipfile
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PageObject, PdfReader, PdfWriter

from comments.attachments import extract
from comments.attachments import services as attachment_files
from comments.models import Attachment, Comment
from comments.search.selectors import comment_search
from comments.tasks import extract_attachment_text
from comments.threads import services
from plenary.outbox.models import OutboxMessage
from tests.comments.files import pdf_bytes

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"
WORD = "heliotrope"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def many_pages(pages: int, *, numbered: bool = False) -> bytes:
    """A PDF of ``pages`` pages: the same page repeated (small, as the attack's was),
    or each page its own with "page-<n>" on it."""
    writer = PdfWriter()
    if numbered:
        for number in range(1, pages + 1):
            writer.add_page(PdfReader(io.BytesIO(pdf_bytes(f"page-{number} {WORD}"))).pages[0])
    else:
        page = PdfReader(io.BytesIO(pdf_bytes(f"The annex on {WORD} spectrum."))).pages[0]
        for _ in range(pages):
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def comment_with(user, consultation, data: bytes, name: str = "annex.pdf") -> Comment:
    return services.comment_create(
        actor=user,
        consultation=consultation,
        section_key=SECTION,
        body="Our annex is attached.",
        attachments=[SimpleUploadedFile(name, data)],
    )


def run_task(attachment: Attachment) -> str:
    return extract_attachment_text.apply(kwargs={"attachment_id": attachment.pk}, throw=True).result


def found(consultation, viewer, query: str) -> set[str]:
    hits = comment_search(consultation=consultation, query=query, viewer=viewer).hits
    return {hit.comment.receipt for hit in hits}


@pytest.fixture
def pages_read(monkeypatch):
    """How many PDF pages pypdf extracted text from, anywhere in this process."""
    calls = {"n": 0}
    real = PageObject.extract_text

    def counted(self, *args, **kwargs):
        calls["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", counted)
    return calls


def test_a_20000_page_pdf_upload_answers_before_its_text_is_read_and_search_finds_it_after(
    client, settings, consultation, stakeholder, secretariat, pages_read
):
    settings.PLENARY_TASKS_INLINE = False  # leave the task in the outbox, as a broker would
    settings.PLENARY_EXTRACT_MAX_PAGES = 40
    data = many_pages(20_000)
    client.force_login(stakeholder)
    response = client.post(
        reverse("section", args=[consultation.slug, SECTION]),
        {
            "body": "Our annex.",
            "visibility": "public",
            "attachments": [SimpleUploadedFile("annex.pdf", data)],
        },
    )

    assert response.status_code == 302
    assert pages_read["n"] == 0  # the request read no page
    attachment = Attachment.objects.get()
    assert attachment.extraction == Attachment.Extraction.PENDING
    assert attachment.extracted_text == ""
    assert found(consultation, secretariat, WORD) == set()
    (message,) = OutboxMessage.objects.filter(task_name="comments.tasks.extract_attachment_text")
    assert message.kwargs == {"attachment_id": attachment.pk}
    # The staff see that the text is not read yet.
    client.force_login(secretariat)
    receipt = reverse("receipt", args=[attachment.comment.receipt])
    assert "Its text is being read" in client.get(receipt).content.decode()

    assert run_task(attachment) == Attachment.Extraction.TRUNCATED

    assert pages_read["n"] == 40  # the page bound, not 20,000
    attachment.refresh_from_db()
    assert (attachment.extracted_units, attachment.extraction_stopped) == (40, extract.PAGES)
    assert attachment.extracted_at is not None
    assert found(consultation, secretariat, WORD) == {attachment.comment.receipt}
    assert "Only its first 40 pages are searchable (page limit)." in client.get(receipt).text
    # Idempotent: a second delivery reads nothing.
    assert run_task(attachment) == ""
    assert pages_read["n"] == 40


def test_the_page_bound_keeps_the_first_pages_only(settings, consultation, stakeholder):
    settings.PLENARY_EXTRACT_MAX_PAGES = 5
    comment = comment_with(stakeholder, consultation, many_pages(12, numbered=True))
    attachment = comment.attachments.get()
    run_task(attachment)
    attachment.refresh_from_db()
    assert attachment.extraction == Attachment.Extraction.TRUNCATED
    assert "page-5 " in attachment.extracted_text and "page-6 " not in attachment.extracted_text
    comment.refresh_from_db()
    assert "page-1 " in comment.search_text and "page-6 " not in comment.search_text


def test_a_short_file_is_read_whole(settings, consultation, stakeholder):
    settings.PLENARY_EXTRACT_MAX_PAGES = 5
    attachment = comment_with(
        stakeholder, consultation, many_pages(5, numbered=True)
    ).attachments.get()
    assert run_task(attachment) == Attachment.Extraction.DONE
    attachment.refresh_from_db()
    assert (attachment.extracted_units, attachment.extraction_stopped) == (5, "")


def test_the_time_bound_stops_between_pages_and_keeps_what_was_read(
    settings, consultation, stakeholder
):
    """A clock that moves one second per look: no wall-clock time in the test."""
    settings.PLENARY_EXTRACT_MAX_SECONDS = 3
    settings.PLENARY_EXTRACT_MAX_PAGES = 1000
    attachment = comment_with(
        stakeholder, consultation, many_pages(50, numbered=True)
    ).attachments.get()
    ticks = iter(range(10_000))

    outcome = attachment_files.attachment_text_extract(
        attachment_id=attachment.pk, clock=lambda: float(next(ticks))
    )

    assert outcome == Attachment.Extraction.TRUNCATED
    attachment.refresh_from_db()
    # Deadline at 0 + 3; looked at after pages 1 and 2 (1, 2), stopped before page 4 (3).
    assert (attachment.extracted_units, attachment.extraction_stopped) == (3, extract.SECONDS)
    assert "page-3 " in attachment.extracted_text and "page-4 " not in attachment.extracted_text
    comment = Comment.objects.get(pk=attachment.comment_id)
    assert "page-3 " in comment.search_text


def test_a_page_slower_than_the_soft_time_limit_is_recorded_as_failed(
    consultation, stakeholder, monkeypatch
):
    attachment = comment_with(stakeholder, consultation, pdf_bytes(WORD)).attachments.get()

    def stuck(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(extract, "extract", stuck)
    assert run_task(attachment) == "failed"
    attachment.refresh_from_db()
    assert attachment.extraction == Attachment.Extraction.FAILED
    assert attachment.extraction_error == "reading it took longer than 20 seconds"


def test_a_file_that_killed_the_worker_twice_is_not_tried_again(
    consultation, stakeholder, pages_read
):
    attachment = comment_with(stakeholder, consultation, pdf_bytes(WORD)).attachments.get()
    # Two runs started and never finished (the hard time limit killed them).
    Attachment.objects.filter(pk=attachment.pk).update(extraction_attempts=2)
    assert run_task(attachment) == ""
    attachment.refresh_from_db()
    assert attachment.extraction == Attachment.Extraction.FAILED
    assert attachment.extraction_error == "reading it stopped the worker 2 times"
    assert pages_read["n"] == 0


def test_an_unreadable_document_is_failed_with_its_reason_and_the_comment_stands(
    client, consultation, stakeholder, secretariat
):
    # A zip that looks like a DOCX to the upload's checks but is no Word document.
    out = io.BytesIO()

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "not xml at all")
    comment = comment_with(stakeholder, consultation, out.getvalue(), name="broken.docx")
    attachment = comment.attachments.get()
    assert run_task(attachment) == Attachment.Extraction.FAILED
    attachment.refresh_from_db()
    assert attachment.extraction_error == "it cannot be read as a Word document"
    client.force_login(secretariat)
    page = client.get(reverse("receipt", args=[comment.receipt])).text
    assert "Its text could not be read (it cannot be read as a Word document)" in page


def test_a_password_protected_pdf_is_still_refused_at_upload(consultation, stakeholder):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(WORD))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(Exception, match="protected by a password"):
        comment_with(stakeholder, consultation, out.getvalue())
    assert not Attachment.objects.exists()
