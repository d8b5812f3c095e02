"""Media on S3-compatible storage (issue 26): attachments and reports go to the bucket
and nowhere on the local disk, are read back from it (downloads, the extraction
task), and are deleted from it (erasure, report replacement).

The bucket is on a real S3-compatible server (moto_server, over HTTP:
tests/s3_server.py); ``MEDIA_ROOT`` points at an empty directory that every test
checks is still empty.
"""

import pytest
from django.core import checks
from django.urls import reverse

from comments.models import Attachment, Comment
from feedback.models import OutcomeReport
from feedback.privacy.services import account_erase
from plenary.checks import check_media_storage
from tests.comments.attachments.test_attachments import (
    PHRASE,
    SECTION,
    api,
    comment_with_paper,
    post_comment,
    read_pending_files,
    upload,
)
from tests.comments.files import docx_bytes, pdf_bytes
from tests.stakeholders.factories import PASSWORD

pytestmark = pytest.mark.django_db


def download_url(attachment: Attachment) -> str:
    return reverse("attachment", args=[attachment.pk, attachment.original_name])


def test_attachment_posted_on_the_page_lands_in_the_bucket_and_its_text_is_read_from_there(
    client, consultation, stakeholder, s3
):
    client.force_login(stakeholder)
    data = pdf_bytes("Position paper", PHRASE)
    response = post_comment(client, consultation, "Paper attached.", upload("Paper.pdf", data))
    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = Attachment.objects.get()
    assert attachment.extraction == Attachment.Extraction.PENDING
    assert s3.objects() == {attachment.file.name: data}
    assert attachment.file.name.startswith(f"attachments/{consultation.pk}/")

    comment = read_pending_files(Comment.objects.get())  # the task reads the bucket's copy
    attachment.refresh_from_db()
    assert attachment.extraction == Attachment.Extraction.DONE, attachment.extraction_error
    assert PHRASE in attachment.extracted_text
    assert PHRASE in comment.search_text
    assert s3.local_files() == []


def test_attachment_added_over_the_api_lands_in_the_bucket(consultation, stakeholder, s3):
    from comments.threads import services

    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body="Paper follows."
    )
    data = docx_bytes("A Word paper on", PHRASE)
    url = reverse("api-comment-attachments", args=[comment.receipt])
    response = api(stakeholder).post(
        url, {"files": [upload("paper.docx", data)]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert s3.objects() == {attachment.file.name: data}
    read_pending_files(comment)
    attachment.refresh_from_db()
    assert PHRASE in attachment.extracted_text
    assert s3.local_files() == []


def test_a_refused_upload_leaves_nothing_in_the_bucket(client, consultation, stakeholder, s3):
    client.force_login(stakeholder)
    lying = upload("paper.pdf", b"<html><body>hi</body></html>")
    response = post_comment(client, consultation, "Paper attached.", lying)
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert s3.objects() == {}


def _answers(client, url, data: bytes) -> tuple[int, bool, dict[str, str]]:
    """Status, whether the body is the file's bytes, and the headers that say what it is.
    (A 404 page names its path, so the pages are compared by their headers.)"""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = {
        name: response.get(name, "")
        for name in ("Content-Type", "Content-Disposition", "Cache-Control")
    }
    return response.status_code, body == data, headers


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_download_streams_the_bucket_bytes_to_an_allowed_reader_and_answers_others_as_on_disk(
    client, settings, tmp_path, consultation, stakeholder, other_stakeholder, visibility, s3
):
    data = pdf_bytes("Our position:", PHRASE)
    on_s3 = comment_with_paper(stakeholder, consultation, visibility=visibility, data=data)
    s3_file = on_s3.attachments.get()
    assert s3.objects() == {s3_file.file.name: data}

    client.force_login(stakeholder)
    response = client.get(download_url(s3_file))
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == data
    assert response["Content-Length"] == str(len(data))
    assert response["Content-Disposition"].startswith("attachment;")

    # The same comment on the local disk (the storage as it was): every reader gets the
    # same answer from both.
    s3_storage = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "disk"
    on_disk = comment_with_paper(stakeholder, consultation, visibility=visibility, data=data)
    disk_file = on_disk.attachments.get()
    readers = {"author": stakeholder, "other": other_stakeholder, "anonymous": None}
    disk_answers, s3_answers = {}, {}
    for who, user in readers.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        disk_answers[who] = _answers(client, download_url(disk_file), data)
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage}
        s3_answers[who] = _answers(client, download_url(s3_file), data)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        }
    assert s3_answers == disk_answers
    assert s3_answers["author"][:2] == (200, True)
    expected_other = (200, True) if visibility == "public" else (404, False)
    assert s3_answers["other"][:2] == expected_other
    assert s3_answers["anonymous"][:2] == expected_other


def test_a_file_missing_from_the_bucket_is_a_404_not_an_error(
    client, consultation, stakeholder, s3
):
    attachment = comment_with_paper(stakeholder, consultation).attachments.get()
    s3.server.client().delete_object(Bucket=s3.name, Key=attachment.file.name)
    client.force_login(stakeholder)
    assert client.get(download_url(attachment)).status_code == 404


# -- reports --------------------------------------------------------------------------


def _request_report(client, consultation, capture):
    with capture(execute=True):
        response = client.post(reverse("staff_report", args=[consultation.slug]), {"format": "pdf"})
    assert response.status_code == 302
    return OutcomeReport.objects.filter(consultation=consultation).order_by("-pk").first()


def test_a_report_is_built_into_the_bucket_and_downloaded_from_it(
    client,
    secretariat,
    consultation,
    stakeholder,
    other_stakeholder,
    s3,
    django_capture_on_commit_callbacks,
):
    comment_with_paper(stakeholder, consultation)
    client.force_login(secretariat)
    run = _request_report(client, consultation, django_capture_on_commit_callbacks)
    assert run.state == OutcomeReport.State.DONE, run.error
    objects = s3.objects()
    assert run.file.name in objects and run.file.name.startswith("reports/")
    assert objects[run.file.name].startswith(b"%PDF-")

    url = reverse("staff_report_download", args=[consultation.slug, run.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == objects[run.file.name]
    client.force_login(other_stakeholder)
    assert client.get(url).status_code == 403
    assert s3.local_files() == []

    s3.server.client().delete_object(Bucket=s3.name, Key=run.file.name)
    client.force_login(secretariat)
    assert client.get(url).status_code == 404  # media not restored: a 404, not an error


def test_a_newer_report_deletes_the_replaced_ones_object(
    client, settings, secretariat, consultation, stakeholder, s3, django_capture_on_commit_callbacks
):
    settings.PLENARY_REPORTS_KEPT = 1
    client.force_login(secretariat)
    comment_with_paper(stakeholder, consultation)
    first = _request_report(client, consultation, django_capture_on_commit_callbacks)
    first_name = first.file.name
    assert first_name in s3.objects()
    comment_with_paper(stakeholder, consultation, name="second.pdf")
    second = _request_report(client, consultation, django_capture_on_commit_callbacks)
    assert second.pk != first.pk and second.state == OutcomeReport.State.DONE, second.error
    reports = sorted(key for key in s3.objects() if key.startswith("reports/"))
    assert reports == [second.file.name]
    first.refresh_from_db()
    assert first.file.name == ""


def test_erasure_deletes_the_report_objects_that_name_the_person(
    client, secretariat, consultation, stakeholder, s3, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    comment = comment_with_paper(stakeholder, consultation)
    run = _request_report(client, consultation, django_capture_on_commit_callbacks)
    assert run.file.name in s3.objects()

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(actor=stakeholder, password=PASSWORD)

    remaining = s3.objects()
    assert run.file.name not in remaining
    # The comment stays in the record, and with it the file it carries.
    assert list(remaining) == [comment.attachments.get().file.name]


# -- configuration --------------------------------------------------------------------


def test_s3_without_a_bucket_is_refused_at_start(settings):
    settings.PLENARY_MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": ""}},
    }
    errors = check_media_storage(None)
    assert [e.id for e in errors] == ["plenary.E021"]
    assert "AWS_STORAGE_BUCKET_NAME" in errors[0].msg
    assert "plenary.E021" in [e.id for e in checks.run_checks()]


def test_an_unknown_media_storage_is_refused_at_start(settings):
    settings.PLENARY_MEDIA_STORAGE = "nfs"
    assert [e.id for e in check_media_storage(None)] == ["plenary.E020"]


def test_the_local_disk_stays_the_default(settings):
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
    assert check_media_storage(None) == []
