"""Attachments in the ledger page, ledger.csv/.json, the outcome report's appendix and
duplicate detection (issue 10): name, size and link for public comments only."""

import csv
import io
import json

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from comments.threads import services as comment_services
from feedback.ledger import selectors
from feedback.models import CampaignMember
from feedback.report import selectors as report
from feedback.tasks import cluster_comments
from tests.comments.attachments.test_attachments import (
    comment_with_paper,
    read_pending_files,
    upload,
)
from tests.comments.files import pdf_bytes

pytestmark = pytest.mark.django_db

PAPER = "Joint position paper.pdf"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def papers(consultation, stakeholder):
    public = comment_with_paper(stakeholder, consultation, name=PAPER)
    private = comment_with_paper(
        stakeholder, consultation, visibility="private", name="Confidential annex.pdf"
    )
    return public, private


def test_public_ledger_lists_the_files_of_public_comments_only(client, consultation, papers):
    public, _private = papers
    html = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    link = reverse("attachment", args=[public.attachments.get().pk, PAPER])
    assert link in html
    assert PAPER in html
    assert "Confidential annex.pdf" not in html


def test_ledger_csv_and_json_carry_name_size_and_link(client, consultation, papers):
    public, private = papers
    attachment = public.attachments.get()
    url = reverse("api-ledger-csv", args=[consultation.slug])
    text = b"".join(client.get(url).streaming_content).decode()
    rows = {row["receipt"]: row for row in csv.DictReader(io.StringIO(text))}
    cell = rows[public.receipt]["attachments"]
    assert PAPER in cell
    assert f"({attachment.size} bytes)" in cell
    assert reverse("attachment", args=[attachment.pk, PAPER]) in cell
    assert rows[private.receipt]["attachments"] == ""
    assert "Confidential" not in text

    url = reverse("api-ledger-json", args=[consultation.slug])
    data = json.loads(b"".join(client.get(url).streaming_content))
    by_receipt = {row["receipt"]: row for row in data["comments"]}
    [listed] = by_receipt[public.receipt]["attachments"]
    assert listed["name"] == PAPER
    assert listed["size"] == attachment.size
    assert listed["url"].endswith(reverse("attachment", args=[attachment.pk, PAPER]))
    assert by_receipt[private.receipt]["attachments"] is None


def test_report_appendix_rows_name_the_files_of_public_comments(consultation, papers):
    public, private = papers
    sections = selectors.ledger_sections(consultation=consultation)
    rows = {
        row["receipt"]: row
        for row in report.with_attachments(
            report.appendix_rows(consultation=consultation, sections=sections).iterator(),
            consultation=consultation,
        )
    }
    assert [a["name"] for a in rows[public.receipt]["attachments"]] == [PAPER]
    assert rows[private.receipt]["attachments"] is None
    html = render_to_string(
        "feedback/report/appendix.html",
        {"title": "t", "language": "en", "groups": []},
    )
    assert "Confidential" not in html


def test_the_same_paper_under_different_covering_notes_is_one_cluster(
    consultation, stakeholder, other_stakeholder
):
    paper = pdf_bytes(
        "We call on the secretariat to keep the public interest exemption in article four,",
        "because without it small community broadcasters would lose the spectrum they rely",
        "on to reach rural audiences in their own languages every single day of the year.",
    )
    first = comment_with_paper(stakeholder, consultation, data=paper)
    second = read_pending_files(  # the paper's text, read by its task (issue 21)
        comment_services.comment_create(
            actor=other_stakeholder,
            consultation=consultation,
            section_key="1-purpose-2",
            body="Attached, our paper.",
            attachments=[upload("ours.pdf", paper)],
        )
    )
    comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="The definition of broadcaster in section two is unclear to me.",
    )
    cluster_comments.apply(kwargs={"consultation_id": consultation.pk}).get()
    clustered = set(CampaignMember.objects.values_list("comment_id", flat=True))
    assert clustered == {first.pk, second.pk}
