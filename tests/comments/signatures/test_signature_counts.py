"""Every count says "1 submission, N co-signatories" where it applies, by stakeholder
group where known: the thread, the receipt page, the ledger page and its CSV/JSON, the
outcome report and the clusters page; each page in a number of queries that does
not grow with the submissions or the signatures."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, Signature
from comments.signatures import selectors
from comments.threads.receipts import new_receipt
from feedback.models import CampaignCluster, CampaignMember
from feedback.report import docx
from tests.stakeholders.factories import ParticipantFactory, group

pytestmark = pytest.mark.django_db


def add_signed(consultation, n: int, signatures: int = 3) -> list[Comment]:
    """Bulk set-up (the product writes through services): ``n`` public submissions on
    1-purpose-2, each with ``signatures`` confirmed co-signatures (two in the
    academic community, the rest without a group) and one unconfirmed."""
    section = consultation.versions.get().sections.get(key="1-purpose-2")
    author = ParticipantFactory().user
    made = Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=consultation.rounds.get(),
            section=section,
            author=author,
            body=f"Submission {i}",
            body_html=f"<p>Submission {i}</p>",
        )
        for i in range(n)
    )
    academic = group("academic-community")
    now = timezone.now()
    Signature.objects.bulk_create(
        [
            *(
                Signature(
                    comment=comment,
                    email=f"s{k}-{comment.receipt.lower()}@example.org",
                    name=f"Signatory {k}",
                    group=academic if k < 2 else None,
                    source=Signature.Source.LINK,
                    confirmed_at=now,
                )
                for comment in made
                for k in range(signatures)
            ),
            *(
                Signature(comment=comment, email=f"p-{comment.receipt.lower()}@example.org")
                for comment in made
            ),
        ]
    )
    return made


def queries(client, url: str) -> tuple[int, str]:
    """The queries of a GET of ``url`` (after one GET that fills the caches) and its text."""
    warm = client.get(url)
    if getattr(warm, "streaming", False):
        b"".join(warm.streaming_content)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    text = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return len(captured), text.decode()


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PLENARY_PAGE_CACHE_SECONDS = 0  # each GET is measured, not the micro-cache


def test_line_says_one_submission_and_its_cosignatories_by_group():
    count = selectors.SignatureCount(total=12403, by_group=[("Citizens", 9000)])
    assert count.line() == "1 submission, 12,403 co-signatories (9,000 Citizens)"
    assert selectors.SignatureCount(total=1).line() == "1 submission, 1 co-signatory"


def test_counts_read_in_one_query_whatever_the_number(consultation, django_assert_num_queries):
    made = add_signed(consultation, 5)
    with django_assert_num_queries(1):
        counts = selectors.signature_counts(comments=[c.pk for c in made])
    assert {count.total for count in counts.values()} == {3}  # the unconfirmed one does not count
    academic = group("academic-community").name
    assert all(count.by_group == [(academic, 2)] for count in counts.values())


def test_section_thread_shows_each_count_in_constant_queries(client, consultation):
    url = reverse("section", args=[consultation.slug, "1-purpose-2"])
    add_signed(consultation, 2)
    small, text = queries(client, url)
    assert text.count("1 submission, 3 co-signatories") == 2
    add_signed(consultation, 6)
    large, text = queries(client, url)
    assert text.count("1 submission, 3 co-signatories") == 8
    assert large == small


def test_receipt_page_shows_the_count_in_constant_queries(client, consultation):
    (comment,) = add_signed(consultation, 1, signatures=2)
    url = reverse("receipt", args=[comment.receipt])
    small, text = queries(client, url)
    assert "1 submission, 2 co-signatories" in text
    Signature.objects.bulk_create(
        Signature(
            comment=comment,
            email=f"more{k}@example.org",
            confirmed_at=timezone.now(),
            source=Signature.Source.LINK,
        )
        for k in range(20)
    )
    large, text = queries(client, url)
    assert "1 submission, 22 co-signatories" in text
    assert large == small


def test_ledger_page_shows_the_count_in_constant_queries(client, consultation):
    url = reverse("ledger", args=[consultation.slug])
    add_signed(consultation, 2)
    small, text = queries(client, url)
    assert text.count("1 submission, 3 co-signatories") == 2
    add_signed(consultation, 6)
    large, text = queries(client, url)
    assert text.count("1 submission, 3 co-signatories") == 8
    assert large == small


def test_ledger_exports_carry_a_signatures_column_in_constant_queries(client, consultation):
    add_signed(consultation, 2)
    csv_url = reverse("api-ledger-csv", args=[consultation.slug])
    json_url = reverse("api-ledger-json", args=[consultation.slug])
    small_csv, _text = queries(client, csv_url)
    small_json, _text = queries(client, json_url)
    add_signed(consultation, 6, signatures=1)
    large_csv, text = queries(client, csv_url)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["signatures"] for row in rows) == ["1"] * 6 + ["3"] * 2
    large_json, text = queries(client, json_url)
    assert sorted(c["signatures"] for c in json.loads(text)["comments"]) == [1] * 6 + [3] * 2
    assert (large_csv, large_json) == (small_csv, small_json)


def test_exports_give_no_count_where_the_row_shows_only_receipt_and_status(client, consultation):
    (comment,) = add_signed(consultation, 1)
    Comment.objects.filter(pk=comment.pk).update(moderation=Comment.Moderation.HIDDEN)
    _n, text = queries(client, reverse("api-ledger-json", args=[consultation.slug]))
    (row,) = json.loads(text)["comments"]
    assert row["signatures"] is None


def test_outcome_report_counts_cosignatories(consultation, tmp_path):
    from docx import Document  # loaded on demand: python-docx, only for the DOCX case

    add_signed(consultation, 2)
    target = tmp_path / "report.docx"
    docx.build_docx(consultation=consultation, target=target, progress=lambda done, total: None)
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "Co-signatures: 6 co-signatories of 2 submissions" in text
    assert text.count("1 submission, 3 co-signatories") == 2


def test_clusters_page_shows_the_representatives_count_in_constant_queries(
    client, consultation, secretariat
):
    def cluster_of(comments):
        cluster = CampaignCluster.objects.create(
            consultation=consultation, representative=comments[0], size=len(comments)
        )
        CampaignMember.objects.bulk_create(
            CampaignMember(cluster=cluster, comment=c) for c in comments
        )

    client.force_login(secretariat)
    url = reverse("staff_clusters", args=[consultation.slug])
    for _n in range(2):
        cluster_of(add_signed(consultation, 2))
    small, text = queries(client, url)
    assert text.count("1 submission, 3 co-signatories") == 2
    for _n in range(5):
        cluster_of(add_signed(consultation, 2))
    large, text = queries(client, url)
    assert text.count("1 submission, 3 co-signatories") == 7
    assert large == small
