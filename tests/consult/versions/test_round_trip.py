"""Drafts that round-trip: Plenary's own DOCX and ODT, edited as a word processor would and
uploaded as the next version, keep their paragraphs and keys; an unpublished version can
be deleted, a published one cannot.

The download adds a title, a version line and a "Paragraph N · key" label above every
section: none of it is content, and the labels' keys are kept exactly (a paragraph
rewritten beyond recognition keeps its key; one added without a label gets a new one).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from odf import teletype
from odf.opendocument import load
from odf.text import P

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import DocumentVersion, Role
from consult.versions import services as version_services
from plenary.audit.models import AuditEvent, Event
from tests.stakeholders.factories import ParticipantFactory

TITLE = "Rules for open data"
DRAFT = """## 1. Purpose
This policy sets out how public bodies publish the data they hold.

Open data supports *accountability* and lets people build **useful** services.

## 2. Scope
It applies to every ministry, agency and regulator.

- national ministries
- regional agencies

## 3. Licensing
Data is published under an open licence that allows reuse.

Personal data is never published.
"""
EDITED_FROM = "It applies to every ministry, agency and regulator."
EDITED_TO = "Courts and parliament fall under it from 2027 onwards."
ADDED_AFTER = "Open data supports"
ADDED = "Nothing here limits requests for information."
DELETED = "Personal data is never published."
# What the download adds and must not come back as content, in any section.
FURNITURE = ("Paragraph", "·", "Version 1", TITLE)


@pytest.fixture
def drafted(secretariat):
    consultation = consult_services.consultation_create(
        actor=secretariat, title=TITLE, summary="Rules.", goals="Hear everyone.", ground_rules="-"
    )
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
    return consultation


def download(client, consultation, fmt: str) -> bytes:
    response = client.get(reverse("version_download", args=[consultation.slug, 1, fmt]))
    assert response.status_code == 200
    return response.content


def upload(client, consultation, name: str, content: bytes):
    return client.post(
        reverse("staff_draft_upload", args=[consultation.slug]),
        {"file": SimpleUploadedFile(name, content), "changelog": "Edited offline."},
    )


def edit_docx(content: bytes) -> bytes:
    """Rewrite one paragraph's words, add one after another (Enter, then type), and
    delete one with its label, as in Word; the rest stays as downloaded."""
    document = Document(io.BytesIO(content))
    paragraphs = document.paragraphs
    for n, paragraph in enumerate(paragraphs):
        if paragraph.text == EDITED_FROM:
            for run in paragraph.runs[1:]:
                run.text = ""
            paragraph.runs[0].text = EDITED_TO
        elif paragraph.text.startswith(ADDED_AFTER):
            paragraphs[n + 1].insert_paragraph_before(ADDED)
        elif paragraph.text == DELETED:
            for gone in (paragraphs[n - 1], paragraph):  # the label above it, then the text
                gone._element.getparent().remove(gone._element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def edit_odt(content: bytes) -> bytes:
    """The same edits in an OpenDocument, as in LibreOffice, except that the deleted
    paragraph's label is left behind (a label that labels nothing)."""
    document = load(io.BytesIO(content))
    for paragraph in document.text.getElementsByType(P):
        text = teletype.extractText(paragraph)
        if text == EDITED_FROM:  # retyped: odfpy replaces the paragraph's element
            paragraph.parentNode.insertBefore(P(text=EDITED_TO), paragraph)
            paragraph.parentNode.removeChild(paragraph)
        elif text.startswith(ADDED_AFTER):
            paragraph.parentNode.insertBefore(P(text=ADDED), paragraph.nextSibling)
        elif text == DELETED:
            paragraph.parentNode.removeChild(paragraph)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "edit"), [("docx", edit_docx), ("odt", edit_odt)])
def test_a_download_edited_and_uploaded_keeps_every_key(client, secretariat, drafted, fmt, edit):
    client.force_login(secretariat)
    before = {s.key: s for s in drafted.versions.get(number=1).sections.all()}
    assert list(before) == [
        "1-purpose-1",
        "1-purpose-2",
        "2-scope-1",
        "2-scope-2",
        "3-licensing-1",
        "3-licensing-2",
    ]

    response = upload(client, drafted, f"edited.{fmt}", edit(download(client, drafted, fmt)))
    assert response.status_code == 302, response.content.decode()[:2000]
    version = drafted.versions.get(number=2)
    after = list(version.sections.order_by("ordinal"))
    keys = [s.key for s in after]
    new_key = keys[2]
    # Unchanged, unchanged, new, edited, unchanged (the list), unchanged; the deleted is gone.
    assert keys == [
        "1-purpose-1",
        "1-purpose-2",
        new_key,
        "2-scope-1",
        "2-scope-2",
        "3-licensing-1",
    ]
    assert new_key not in before
    for section in after:
        if section.key in ("1-purpose-1", "1-purpose-2", "2-scope-2", "3-licensing-1"):
            old = before[section.key]
            assert (section.body, section.heading) == (old.body, old.heading), section.key
            assert section.previous_id == old.pk
        for furniture in FURNITURE:
            assert furniture not in section.body and furniture not in section.heading
    edited = after[3]
    assert edited.body == EDITED_TO and edited.previous_id == before["2-scope-1"].pk
    assert after[2].body == ADDED and after[2].previous_id is None
    assert after[2].heading == "1. Purpose"
    # The matching page agrees: nothing for the secretariat to correct.
    page = client.get(reverse("staff_version_matching", args=[drafted.slug, 2]))
    assert page.status_code == 200


def test_an_ordinary_document_with_a_title_keeps_it_as_a_heading(client, secretariat, drafted):
    """Without labels nothing is dropped: a Word "Title" is the heading it always was."""
    document = Document()
    document.add_heading("A title of my own", level=0)
    document.add_paragraph("Version 7")
    document.add_paragraph("A paragraph written from scratch.")
    out = io.BytesIO()
    document.save(out)
    client.force_login(secretariat)
    assert upload(client, drafted, "own.docx", out.getvalue()).status_code == 302
    sections = list(drafted.versions.get(number=2).sections.order_by("ordinal"))
    assert [(s.heading, s.body) for s in sections] == [
        ("A title of my own", "Version 7"),
        ("A title of my own", "A paragraph written from scratch."),
    ]


# --- deleting a version -------------------------------------------------------------------


def test_secretariat_deletes_an_unpublished_version_after_confirming(client, secretariat, drafted):
    version_services.draft_import(actor=secretariat, consultation=drafted, source=DRAFT)
    client.force_login(secretariat)
    staff_page = client.get(reverse("staff_consultation", args=[drafted.slug])).content.decode()
    url = reverse("staff_version_delete", args=[drafted.slug, 2])
    assert url in staff_page
    confirm = client.get(url)
    assert confirm.status_code == 200 and b'method="post"' in confirm.content
    assert drafted.versions.filter(number=2).exists()  # a GET deletes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert list(drafted.versions.values_list("number", flat=True)) == [1]
    assert AuditEvent.objects.filter(event=Event.VERSION_DELETED, target="v2").exists()
    # The next upload is version 2 again.
    version_services.draft_import(actor=secretariat, consultation=drafted, source=DRAFT)
    assert drafted.versions.filter(number=2).exists()


def test_a_published_version_cannot_be_deleted(client, secretariat, drafted):
    DocumentVersion.objects.filter(consultation=drafted).update(published_at=timezone.now())
    client.force_login(secretariat)
    response = client.post(reverse("staff_version_delete", args=[drafted.slug, 1]))
    assert response.status_code == 400
    assert "Version 1 is published: it cannot be deleted." in response.content.decode()
    assert drafted.versions.count() == 1
    api = client.delete(reverse("api-version", args=[drafted.slug, 1]))
    assert api.status_code == 400
    assert api.json()["version"] == ["Version 1 is published: it cannot be deleted."]
    assert drafted.versions.count() == 1


def test_only_the_newest_version_can_be_deleted(client, secretariat, drafted):
    version_services.draft_import(actor=secretariat, consultation=drafted, source=DRAFT)
    client.force_login(secretariat)
    response = client.delete(reverse("api-version", args=[drafted.slug, 1]))
    assert response.status_code == 400
    assert "newest" in response.json()["version"][0]
    assert drafted.versions.count() == 2
    assert client.delete(reverse("api-version", args=[drafted.slug, 2])).status_code == 204
    assert client.delete(reverse("api-version", args=[drafted.slug, 1])).status_code == 204
    assert drafted.versions.count() == 0


def test_a_version_a_round_reviews_cannot_be_deleted(secretariat, consultation, stakeholder):
    """The fixture's consultation reviews its version 1 in an open round (with a comment)."""
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="2-scope-1", body="Hm."
    )
    version = consultation.versions.get(number=1)
    DocumentVersion.objects.filter(pk=version.pk).update(published_at=None)
    with pytest.raises(Exception, match="round reviews version 1"):
        version_services.version_delete(actor=secretariat, version=version)
    assert consultation.versions.count() == 1


def test_a_moderator_cannot_delete_a_version(client, secretariat, drafted):
    moderator = ParticipantFactory(display_name="Mod").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=drafted, user=moderator, role=Role.MODERATOR
    )
    client.force_login(moderator)
    assert client.post(reverse("staff_version_delete", args=[drafted.slug, 1])).status_code == 403
    assert client.delete(reverse("api-version", args=[drafted.slug, 1])).status_code == 403
    assert drafted.versions.count() == 1
