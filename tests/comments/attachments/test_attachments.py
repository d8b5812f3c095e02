"""Position papers and other attachments (issue 10): checks, storage, serving, privacy.

Every refusal leaves nothing behind: no comment, no attachment row, no file
under MEDIA_ROOT (a temporary directory per test), and the typed text comes
back in the form.
"""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from comments.attachments.services import DOCX, ODT, attachments_add
from comments.models import Attachment, Comment
from comments.tasks import extract_attachment_text
from comments.threads import services
from tests.comments.files import PNG_1PX, docx_bytes, odt_bytes, pdf_bytes
from tests.stakeholders.factories import api_token_for

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"
PHRASE = "licence-exempt spectrum for community networks"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def section_url(consultation) -> str:
    return reverse("section", args=[consultation.slug, SECTION])


def post_comment(client, consultation, body: str, *files, visibility: str = "public"):
    return client.post(
        section_url(consultation),
        {"body": body, "visibility": visibility, "attachments": list(files)},
    )


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def read_pending_files(comment: Comment) -> Comment:
    """Run the extraction task for the comment's files whose text is not read yet, as
    the outbox does once the upload commits (tests run inside a transaction that
    never commits), and return the comment as it is then."""
    for pk in comment.attachments.filter(extraction=Attachment.Extraction.PENDING).values_list(
        "pk", flat=True
    ):
        extract_attachment_text.apply(kwargs={"attachment_id": pk}, throw=True)
    comment.refresh_from_db()
    return comment


def comment_with_paper(user, consultation, *, visibility="public", name="paper.pdf", data=None):
    return read_pending_files(
        services.comment_create(
            actor=user,
            consultation=consultation,
            section_key=SECTION,
            body="See our position paper.",
            visibility=visibility,
            attachments=[upload(name, data or pdf_bytes("Our position:", PHRASE))],
        )
    )


# -- accepted files ------------------------------------------------------------------


def test_stakeholder_can_attach_a_pdf_and_its_text_is_extracted(
    client, consultation, stakeholder, media_root
):
    client.force_login(stakeholder)
    response = post_comment(
        client,
        consultation,
        "Our paper is attached.",
        upload("Position paper.pdf", pdf_bytes("Position paper", PHRASE), "text/html"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    comment = read_pending_files(Comment.objects.get())
    attachment = comment.attachments.get()
    assert attachment.extraction == Attachment.Extraction.DONE
    assert attachment.original_name == "Position paper.pdf"
    assert attachment.content_type == "application/pdf"  # from the content, not the browser
    assert PHRASE in attachment.extracted_text
    assert attachment.uploaded_by == stakeholder
    assert len(attachment.sha256) == 64
    assert comment.search_text.startswith("Our paper is attached.")
    assert PHRASE in comment.search_text
    # Stored under an unguessable name, not the original one.
    files = stored_files(media_root)
    assert len(files) == 1
    assert "Position" not in files[0].name
    assert f"attachments/{consultation.pk}/" in files[0].as_posix()

    page = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert "Position paper.pdf" in page
    assert "PDF document" in page
    assert PHRASE in page  # the text preview
    thread = client.get(section_url(consultation)).content.decode()
    assert reverse("attachment", args=[attachment.pk, "Position paper.pdf"]) in thread


@pytest.mark.parametrize(
    ("name", "data", "content_type", "text"),
    [
        ("notes.docx", docx_bytes("Docx paragraph on", PHRASE), DOCX, PHRASE),
        ("notes.odt", odt_bytes("ODT paragraph on", PHRASE), ODT, PHRASE),
        ("notes.txt", f"Plain notes on {PHRASE}".encode(), "text/plain", PHRASE),
        ("diagram.png", PNG_1PX, "image/png", ""),
    ],
)  # fmt: skip
def test_docx_odt_text_and_images_are_accepted(
    consultation, stakeholder, name, data, content_type, text
):
    comment = comment_with_paper(stakeholder, consultation, name=name, data=data)
    attachment = comment.attachments.get()
    assert attachment.content_type == content_type
    assert text in attachment.extracted_text
    assert attachment.size == len(data)


def test_an_edit_keeps_the_attachments_text_searchable(consultation, stakeholder):
    comment = comment_with_paper(stakeholder, consultation)
    services.comment_edit(actor=stakeholder, comment=comment, body="A new text.")
    comment.refresh_from_db()
    assert comment.search_text.startswith("A new text.")
    assert PHRASE in comment.search_text


# -- refusals: nothing stored, the text kept -------------------------------------------


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (120 * 1024 * 1024))
    return out.getvalue()


REFUSALS = {
    "html_named_pdf": (
        [("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>")],
        "not accepted",
    ),
    "pdf_named_docx": ([("paper.docx", pdf_bytes("A PDF in disguise"))], "PDF document"),
    "docx_named_pdf": ([("paper.pdf", docx_bytes("A DOCX in disguise"))], "Word document"),
    "svg": (
        [("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>')],
        "not accepted",
    ),
    "svg_named_txt": ([("logo.txt", b"<svg onload=alert(1)></svg>")], "not accepted"),
    "unreadable_pdf": ([("broken.pdf", b"%PDF-1.4\nthis is not a PDF at all")], "cannot be read"),
    "empty": ([("empty.pdf", b"")], "empty"),
    "executable": (
        [("tool.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)],
        "not one of those accepted",
    ),
    "too_many": ([(f"n{i}.txt", b"note") for i in range(6)], "at most 5 files"),
    "zip_bomb": ([("bomb.docx", _zip_bomb())], "unpacks to far more"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_file_refuses_the_comment_and_stores_nothing(
    client, consultation, stakeholder, media_root, case
):
    files, message = REFUSALS[case]
    client.force_login(stakeholder)
    body = "Please keep this text: I typed it carefully."
    response = post_comment(client, consultation, body, *[upload(n, d) for n, d in files])
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'id="id_attachments_error"' in page or "has-error" in page  # beside the file field
    assert "I typed it carefully." in page  # the text comes back
    assert Comment.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(
    client, settings, consultation, stakeholder, media_root
):
    settings.PLENARY_ATTACHMENT_MAX_BYTES = 1000
    client.force_login(stakeholder)
    response = post_comment(
        client, consultation, "Too big.", upload("big.txt", b"x" * 1001, "text/plain")
    )
    assert response.status_code == 200
    assert "the limit is 1000" in response.content.decode()
    assert (Comment.objects.count(), Attachment.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


def test_one_refused_file_among_good_ones_stores_none_of_them(
    consultation, stakeholder, media_root
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key=SECTION,
            body="Two files.",
            attachments=[upload("good.pdf", pdf_bytes("fine")), upload("bad.pdf", b"<html>")],
        )
    assert "bad.pdf" in str(refused.value.message_dict["attachments"])
    assert (Comment.objects.count(), Attachment.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


def test_a_storage_failure_after_a_file_was_written_leaves_no_file(
    consultation, stakeholder, media_root, monkeypatch
):
    from comments.attachments import services as module

    def broken_refresh(*, comment):
        raise RuntimeError("database went away")

    monkeypatch.setattr(module, "search_text_refresh", broken_refresh)
    with pytest.raises(RuntimeError):
        comment_with_paper(stakeholder, consultation)
    assert (Comment.objects.count(), Attachment.objects.count()) == (0, 0)
    assert stored_files(media_root) == []


# -- adding files later, through the API -------------------------------------------------


def test_author_can_add_files_over_the_api_while_the_round_is_open(
    consultation, stakeholder, other_stakeholder
):
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Paper follows."
    )
    url = reverse("api-comment-attachments", args=[comment.receipt])

    def files():
        return {"files": [upload("paper.pdf", pdf_bytes(PHRASE))]}

    assert api(other_stakeholder).post(url, files(), format="multipart").status_code == 403
    response = api(stakeholder).post(url, files(), format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()[0]["name"] == "paper.pdf"
    assert response.json()[0]["content_type"] == "application/pdf"
    read_pending_files(comment)
    assert PHRASE in comment.search_text
    listed = api(other_stakeholder).get(url).json()
    assert [a["name"] for a in listed] == ["paper.pdf"]
    assert PHRASE in listed[0]["text_preview"]


def test_api_refuses_a_lying_file_with_400_and_stores_nothing(
    consultation, stakeholder, media_root
):
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Paper follows."
    )
    url = reverse("api-comment-attachments", args=[comment.receipt])
    response = api(stakeholder).post(
        url, {"files": [upload("paper.pdf", b"<html><body>hi</body></html>")]}, format="multipart"
    )
    assert response.status_code == 400
    assert "attachments" in response.json()
    assert Attachment.objects.count() == 0
    assert stored_files(media_root) == []


def test_author_cannot_add_files_beyond_the_limit(settings, consultation, stakeholder):
    settings.PLENARY_ATTACHMENTS_PER_COMMENT = 1
    comment = comment_with_paper(stakeholder, consultation)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        attachments_add(
            actor=stakeholder, comment=comment, files=[upload("more.txt", b"more text")]
        )
    assert comment.attachments.count() == 1


# -- serving: headers and privacy ------------------------------------------------------


def download_url(attachment: Attachment) -> str:
    return reverse("attachment", args=[attachment.pk, attachment.original_name])


def test_a_file_is_served_as_a_download_that_the_browser_will_not_render(
    client, consultation, stakeholder
):
    comment = comment_with_paper(stakeholder, consultation, name="Our paper.pdf")
    attachment = comment.attachments.get()
    response = client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Our paper.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"].startswith("private")


def test_media_url_does_not_serve_attachments(client, consultation, stakeholder):
    attachment = comment_with_paper(stakeholder, consultation).attachments.get()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("anonymous", 404), ("other", 404), ("author", 200), ("secretariat", 200), ("moderator", 200)],
)
def test_private_comments_files_only_reach_author_and_staff(
    client, consultation, stakeholder, other_stakeholder, secretariat, moderator, viewer, expected
):
    comment = comment_with_paper(stakeholder, consultation, visibility="private")
    attachment = comment.attachments.get()
    user = {
        "anonymous": None,
        "other": other_stakeholder,
        "author": stakeholder,
        "secretariat": secretariat,
        "moderator": moderator,
    }[viewer]
    if user is not None:
        client.force_login(user)
    response = client.get(download_url(attachment))
    assert response.status_code == expected
    if expected == 200:
        assert response["Cache-Control"] == "private, no-store"
    # The page: the receipt shows the file to those who may read the text only.
    receipt = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert (download_url(attachment) in receipt) == (expected == 200)
    assert (PHRASE in receipt) == (expected == 200)
    # The API.
    listed = api(user).get(reverse("api-comment-attachments", args=[comment.receipt]))
    assert listed.status_code == (200 if expected == 200 else 403)
    assert (PHRASE in listed.content.decode()) == (expected == 200)


def test_files_of_a_hidden_or_withdrawn_comment_are_withheld_from_others(
    client, consultation, stakeholder, other_stakeholder, moderator
):
    from comments.moderation import services as moderation

    hidden = comment_with_paper(stakeholder, consultation)
    moderation.comment_hide(actor=moderator, comment=hidden, reason="Off topic.")
    withdrawn = comment_with_paper(stakeholder, consultation)
    services.comment_withdraw(actor=stakeholder, comment=withdrawn)
    client.force_login(other_stakeholder)
    for comment in (hidden, withdrawn):
        assert client.get(download_url(comment.attachments.get())).status_code == 404
    client.force_login(stakeholder)
    for comment in (hidden, withdrawn):
        assert client.get(download_url(comment.attachments.get())).status_code == 200


def test_a_wrong_name_in_the_url_redirects_to_the_files_own_name(client, consultation, stakeholder):
    attachment = comment_with_paper(stakeholder, consultation).attachments.get()
    response = client.get(reverse("attachment", args=[attachment.pk, "other.html"]))
    assert response.status_code == 302
    assert response["Location"] == download_url(attachment)


def test_author_can_add_files_from_the_receipt_page_and_a_refusal_says_why(
    client, consultation, stakeholder, other_stakeholder, media_root
):
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Paper follows."
    )
    url = reverse("receipt_attachments", args=[comment.receipt])
    client.force_login(other_stakeholder)
    assert "Add files" not in client.get(reverse("receipt", args=[comment.receipt])).text
    refused = client.post(url, {"attachments": [upload("paper.pdf", pdf_bytes(PHRASE))]})
    assert refused.status_code == 403
    client.force_login(stakeholder)
    assert (
        "Add files to this comment" in client.get(reverse("receipt", args=[comment.receipt])).text
    )
    response = client.post(url, {"attachments": [upload("x.pdf", b"<html></html>")]}, follow=True)
    assert "“x.pdf” is refused" in response.text
    assert Attachment.objects.count() == 0
    response = client.post(
        url, {"attachments": [upload("paper.pdf", pdf_bytes(PHRASE))]}, follow=True
    )
    assert "1 file added." in response.text
    assert comment.attachments.get().original_name == "paper.pdf"
    assert len(stored_files(media_root)) == 1


def test_a_reply_can_carry_a_file(client, consultation, stakeholder, other_stakeholder):
    parent = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="First."
    )
    client.force_login(other_stakeholder)
    thread = client.get(section_url(consultation)).text
    assert f'id="reply-files-{parent.receipt}"' in thread
    response = client.post(
        section_url(consultation),
        {
            "body": "Reply with our annex.",
            "parent": parent.receipt,
            "visibility": "public",
            "attachments": [upload("annex.txt", f"Annex: {PHRASE}".encode())],
        },
    )
    assert response.status_code == 302
    reply = Comment.objects.get(parent=parent)
    assert reply.attachments.get().original_name == "annex.txt"
    assert PHRASE in reply.search_text
