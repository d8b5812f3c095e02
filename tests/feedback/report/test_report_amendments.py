"""The outcome report shows an amendment (issue 24): its passage struck and its
wording inserted in the PDF and DOCX appendix, a private one's not at all."""

import io

import pytest
from pypdf import PdfReader

from feedback.report import docx, pdf
from tests.comments.amendments.factories import propose

pytestmark = pytest.mark.django_db

SECTION = (
    "1-purpose-2"  # "Open data supports accountability and lets people build useful services."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def amendments(consultation, stakeholder, other_stakeholder):
    propose(
        consultation,
        stakeholder,
        quote="accountability",
        replacement="public-scrutiny-wording",
        section_key=SECTION,
    )
    propose(
        consultation,
        other_stakeholder,
        quote="useful services",
        replacement="private-wording-7731",
        section_key=SECTION,
        visibility="private",
    )


def test_docx_strikes_the_passage_and_underlines_the_wording(consultation, amendments, tmp_path):
    from docx import Document  # loaded on demand: python-docx, only for the DOCX case

    target = tmp_path / "report.docx"
    docx.build_docx(consultation=consultation, target=target, progress=lambda done, total: None)
    paragraphs = Document(str(target)).paragraphs
    (change,) = [p for p in paragraphs if p.text.startswith("Proposed change:")]
    assert change.text == "Proposed change: accountability public-scrutiny-wording"
    struck = [run.text for run in change.runs if run.font.strike]
    underlined = [run.text for run in change.runs if run.font.underline]
    assert struck == ["accountability"] and underlined == ["public-scrutiny-wording"]
    assert "private-wording-7731" not in "\n".join(p.text for p in paragraphs)


def test_pdf_shows_the_change_and_no_private_wording(consultation, amendments, tmp_path):
    target = tmp_path / "report.pdf"
    pdf.build_pdf(consultation=consultation, target=target, folder=tmp_path)
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(target.read_bytes())).pages
    )
    assert "Proposed change: accountability public-scrutiny-wording" in text
    assert "private-wording-7731" not in text
