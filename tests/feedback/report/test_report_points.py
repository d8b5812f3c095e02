"""The outcome report lists a comment's points (issue 23): each sub-receipt with its
published decision, and, for a public comment only, its passage and rationale."""

import io

import pytest
from pypdf import PdfReader

from comments.models import Comment
from feedback.ledger import selectors as ledger_selectors
from feedback.models import Status
from feedback.points import services as points
from feedback.report import docx, pdf
from feedback.report import selectors as report
from tests.feedback.ledger.test_chain import comment_on

pytestmark = pytest.mark.django_db

LETTER = (
    "First, the licence must be named in every release of the data.\n\n"
    "Second, regulators should be covered by the same duty.\n\n"
    "Third, publish every quarter."
)
SECRET_PASSAGE = "Confidential-point-passage-8841"
SECRET_RATIONALE = "Confidential-point-rationale-8842"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(pdf, "CHUNK_SIZE", 2)  # the points of several chunks


def answer(secretariat, comment, paragraphs, decisions):
    """Split ``comment`` by paragraph, one point each, and publish ``decisions``
    (status, rationale) for the first points."""
    made = points.points_split_paragraphs(
        actor=secretariat, comment=comment, selected=paragraphs, breaks=paragraphs
    )
    for point, (status, rationale) in zip(made, decisions, strict=False):
        points.point_draft_save(actor=secretariat, point=point, status=status, rationale=rationale)
    if decisions:
        points.points_publish(actor=secretariat, comment=comment)
    return made


@pytest.fixture
def answered(consultation, secretariat, stakeholder, other_stakeholder):
    """A public letter in three points (two decided), a private one in one decided
    point, and a few plain comments around them."""
    comment_on(consultation, other_stakeholder, "A plain comment before.")
    letter = comment_on(consultation, stakeholder, LETTER)
    public = answer(
        secretariat,
        letter,
        [0, 1, 2],
        [(Status.ACCEPTED, ""), (Status.NOT_ACCEPTED, "Regulators are out of our remit.")],
    )
    private = comment_on(
        consultation,
        stakeholder,
        f"{SECRET_PASSAGE}\n\nAnother paragraph.",
        visibility=Comment.Visibility.PRIVATE,
    )
    hidden = answer(secretariat, private, [0], [(Status.NOT_ACCEPTED, SECRET_RATIONALE)])
    comment_on(consultation, other_stakeholder, "A plain comment after.")
    return {"public": public, "private": hidden}


def test_report_points_show_a_public_comments_passage_and_only_status_for_others(
    answered, django_assert_num_queries
):
    one, two, three = answered["public"]
    (secret,) = answered["private"]
    ids = [one.comment_id, secret.comment_id]
    with django_assert_num_queries(1):
        found = report.report_points(comment_ids=ids)
    assert [p["receipt"] for p in found[one.comment_id]] == [
        one.receipt,
        two.receipt,
        three.receipt,
    ]
    first, second, third = found[one.comment_id]
    assert first["quote"] == "First, the licence must be named in every release of the data."
    assert (second["status_label"], second["rationale"]) == (
        "not accepted",
        "Regulators are out of our remit.",
    )
    assert (third["status_label"], third["rationale"]) == ("awaiting response", None)
    (hidden,) = found[secret.comment_id]
    assert hidden == {
        "receipt": secret.receipt,
        "status_label": "not accepted",
        "quote": None,
        "rationale": None,
    }


def test_a_long_passage_is_shortened(consultation, secretariat, stakeholder):
    comment = comment_on(consultation, stakeholder, "word " * 200)
    answer(secretariat, comment, [0], [])
    (point,) = report.report_points(comment_ids=[comment.pk])[comment.pk]
    assert len(point["quote"]) == report.POINT_QUOTE_CHARS
    assert point["quote"].endswith("…")


def test_points_are_read_in_one_query_per_batch_whatever_their_number(
    consultation, secretariat, stakeholder, django_assert_num_queries
):
    sections = ledger_selectors.ledger_sections(consultation=consultation)
    for size, queries in ((2, 1), (6, 2)):
        for _n in range(size - Comment.objects.filter(consultation=consultation).count()):
            answer(secretariat, comment_on(consultation, stakeholder, LETTER), [0, 1, 2], [])
        rows = list(report.appendix_rows(consultation=consultation, sections=sections))
        with django_assert_num_queries(queries):  # batches of 4: one query each
            listed = list(report.with_points(iter(rows), batch=4))
        assert sum(len(row["points"]) for row in listed) == 3 * size


def test_docx_report_lists_each_point_with_its_decision_and_no_private_text(
    consultation, answered, tmp_path
):
    from docx import Document  # loaded on demand: python-docx, only for the DOCX case

    target = tmp_path / "report.docx"
    docx.build_docx(consultation=consultation, target=target, progress=lambda done, total: None)
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    one, two, three = answered["public"]
    assert f"{one.receipt} · accepted · “First, the licence must be named" in text
    assert f"{two.receipt} · not accepted" in text
    assert "Rationale: Regulators are out of our remit." in text
    assert f"{three.receipt} · awaiting response" in text
    (secret,) = answered["private"]
    assert f"{secret.receipt} · not accepted" in text
    assert SECRET_PASSAGE not in text
    assert SECRET_RATIONALE not in text


def test_pdf_report_lists_each_point_with_its_decision_and_no_private_text(
    consultation, answered, tmp_path
):
    target = tmp_path / "report.pdf"
    pdf.build_pdf(consultation=consultation, target=target, folder=tmp_path)
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(target.read_bytes())).pages
    )
    one, two, _three = answered["public"]
    assert f"{one.receipt} · accepted" in text
    assert f"{two.receipt} · not accepted" in text
    assert "Regulators are out of our remit." in text
    (secret,) = answered["private"]
    assert f"{secret.receipt} · not accepted" in text
    assert SECRET_PASSAGE not in text
    assert SECRET_RATIONALE not in text
