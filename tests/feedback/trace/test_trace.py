"""Trace both ways (issue 24, part d): the inputs behind each change of a diff
(``because``), where an amendment went (``applied_in``, the receipt page), and the
report's "What changed and why" (feedback/trace/selectors.py)."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from comments.models import Amendment, Comment
from comments.threads import services as comment_services
from consult.models import Section
from consult.versions import services as version_services
from feedback.models import AmendmentApplication, Status
from feedback.points import services as points
from feedback.report import docx, pdf
from feedback.trace import selectors as trace
from tests.consult.factories import DRAFT
from tests.consult.versions.test_versions import second_round
from tests.feedback.ledger.test_chain import decide

pytestmark = pytest.mark.django_db

LICENSING_V1 = "Data is published under an open licence that allows reuse."
LICENSING_V2 = (
    "Data is promptly published under an open licence that allows reuse and redistribution."
)
PURPOSE_V1 = "This policy sets out how public bodies publish the data they hold."
PURPOSE_V2 = "This policy sets out how public bodies publish the data they hold, free of charge."
# Version 2: two changes in "Licensing" (one amendment each), one in "Purpose" (decisions).
DRAFT_V2 = DRAFT.replace(LICENSING_V1, LICENSING_V2).replace(PURPOSE_V1, PURPOSE_V2)
# Version 3 (a draft, unpublished): "Licensing" changed again.
DRAFT_V3 = DRAFT_V2.replace("Data is promptly", "Data is always promptly")


def comment(consultation, author, key, body="Reason.", **kwargs) -> Comment:
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=key, body=body, **kwargs
    )


def amend(consultation, author, key, quote, replacement, **kwargs) -> Comment:
    """A comment proposing wording (the Amendment row, as 24a's service writes it)."""
    made = comment(consultation, author, key, **kwargs)
    section = made.section
    start = section.body.find(quote)
    Amendment.objects.create(
        comment=made, quote=quote, replacement=replacement, start=start, end=start + len(quote)
    )
    return made


def applied(
    secretariat, made: Comment, section: Section, adopted: str, *, offsets_only=False, entry=None
):
    """Accept the amendment and record where composing put its wording (as 24c does)."""
    entry = entry or decide(secretariat, made, Status.ACCEPTED)
    start = section.body.find(adopted)
    assert start != -1
    return AmendmentApplication.objects.create(
        amendment=made.amendment,
        version=section.version,
        section=section,
        entry=entry,
        adopted_text="" if offsets_only else adopted,
        start=start,
        end=start + len(adopted),
    )


@pytest.fixture
def traced(consultation, secretariat, stakeholder, other_stakeholder):
    """Version 2 with two amendments composed into "Licensing" (one change each) and
    two decisions naming "Purpose" as changed: one public comment, one private."""
    promptly = amend(consultation, stakeholder, "3-licensing-1", "Data is", "Data is promptly")
    redistribution = amend(
        consultation, other_stakeholder, "3-licensing-1", "allows reuse", "allows reuse and more"
    )
    public = comment(consultation, other_stakeholder, "1-purpose-1", "Make it free.")
    private = comment(
        consultation,
        stakeholder,
        "1-purpose-1",
        "Private: make it free.",
        visibility=Comment.Visibility.PRIVATE,
    )
    v2 = second_round(consultation, secretariat, source=DRAFT_V2)
    licensing = v2.sections.get(key="3-licensing-1")
    purpose = v2.sections.get(key="1-purpose-1")
    applied(secretariat, promptly, licensing, "promptly")
    # Offsets only (no adopted text to look for): the plain-text offsets are used.
    applied(secretariat, redistribution, licensing, "and redistribution", offsets_only=True)
    decide(secretariat, public, Status.ACCEPTED, target_section=purpose)
    decide(secretariat, private, Status.ACCEPTED, target_section=purpose)
    return {
        "v2": v2,
        "promptly": promptly,
        "redistribution": redistribution,
        "public": public,
        "private": private,
        "licensing": licensing,
        "purpose": purpose,
    }


def more_inputs(secretariat, author, consultation, version):
    """Two more decided comments naming each section of ``version`` (made in round 2)."""
    for section in version.sections.all():
        for _n in range(2):
            made = comment(consultation, author, section.key, f"More on {section.key}.")
            decide(secretariat, made, Status.ACCEPTED, target_section=section)


def diff_api(client, consultation, old=1, new=2) -> dict:
    response = client.get(reverse("api-version-diff", args=[consultation.slug, old, new]))
    assert response.status_code == 200, response.content
    return {section["key"]: section for section in response.json()["sections"]}


def changed(section: dict) -> list[tuple[str, list[str]]]:
    return [(c["added"], c["because"]) for c in section["changes"] if c["added"] is not None]


# --- because ---------------------------------------------------------------------------


def test_each_change_names_the_amendment_whose_wording_it_is(client, consultation, traced):
    sections = diff_api(client, consultation)
    assert changed(sections["3-licensing-1"]) == [
        (" promptly", [traced["promptly"].receipt]),
        (" and redistribution", [traced["redistribution"].receipt]),
    ]
    unchanged = [c for c in sections["3-licensing-1"]["changes"] if c["added"] is None]
    assert unchanged and all(c["because"] == [] for c in unchanged)


def test_a_decision_naming_the_section_goes_on_its_changes_without_private_receipts(
    client, consultation, traced, secretariat, stakeholder
):
    public, private = traced["public"].receipt, traced["private"].receipt
    assert changed(diff_api(client, consultation)["1-purpose-1"]) == [
        (", free of charge", [public])
    ]
    client.force_login(stakeholder)  # the private comment's author sees their own
    (change,) = changed(diff_api(client, consultation)["1-purpose-1"])
    assert sorted(change[1]) == sorted([public, private])
    client.force_login(secretariat)
    (change,) = changed(diff_api(client, consultation)["1-purpose-1"])
    assert sorted(change[1]) == sorted([public, private])


def test_a_points_decision_naming_the_section_gives_its_sub_receipt(
    client, consultation, secretariat, stakeholder
):
    letter = comment(consultation, stakeholder, "1-purpose-1", "Make it free.\n\nAnd fast.")
    v2 = second_round(consultation, secretariat, source=DRAFT_V2)
    first, _second = points.points_split_paragraphs(
        actor=secretariat, comment=letter, selected=[0, 1], breaks=[0, 1]
    )
    points.point_draft_save(
        actor=secretariat,
        point=first,
        status=Status.ACCEPTED,
        target_section=v2.sections.get(key="1-purpose-1"),
    )
    points.points_publish(actor=secretariat, comment=letter)
    assert changed(diff_api(client, consultation)["1-purpose-1"]) == [
        (", free of charge", [f"{letter.receipt}-1"])
    ]
    # A later decision on the point without a section: no longer a cause.
    points.point_draft_save(
        actor=secretariat, point=first, status=Status.NOT_ACCEPTED, rationale="On reflection."
    )
    points.points_publish(actor=secretariat, comment=letter)
    assert changed(diff_api(client, consultation)["1-purpose-1"]) == [(", free of charge", [])]


def test_sections_nothing_caused_have_empty_because(client, consultation, traced):
    sections = diff_api(client, consultation)
    assert sections["2-scope-1"]["status"] == "unchanged"
    assert all(c["because"] == [] for c in sections["2-scope-1"]["changes"])


def test_an_amendment_overlapping_no_change_goes_on_the_nearest(consultation, traced):
    causes = trace.SectionCauses(
        amendments=[trace.Cause(receipt="R", status="accepted", amendment=True, start=60, end=62)]
    )
    changes = [("Data is", None), ("", " promptly"), (" published … reuse", None), ("", " x")]
    assert trace.because_of_changes(changes, causes) == [[], [], [], ["R"]]


def test_diff_page_says_because_of_with_links_to_the_receipts(client, consultation, traced):
    page = client.get(reverse("version_diff", args=[consultation.slug, 1, 2])).content.decode()
    for key in ("promptly", "redistribution", "public"):
        receipt = traced[key].receipt
        assert f'<a href="{reverse("receipt", args=[receipt])}">{receipt}</a>' in page
    assert page.count("Because of:") == 3  # two changes of Licensing, one line for Purpose
    assert traced["private"].receipt not in page


def test_because_costs_two_queries_whatever_the_number_of_inputs(
    client, consultation, traced, secretariat, stakeholder, django_assert_num_queries
):
    url = reverse("api-version-diff", args=[consultation.slug, 1, 2])
    assert client.get(url).status_code == 200  # the read cache warm, as in the loop
    counts = []
    for _size in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
        with django_assert_num_queries(2):
            trace.section_causes(new=traced["v2"], viewer=None, is_staff=False)
        more_inputs(secretariat, stakeholder, consultation, traced["v2"])
    assert counts[0] == counts[1]


# --- applied_in and the receipt page -------------------------------------------------------


def test_applied_in_is_null_until_the_amendment_is_applied(
    client, consultation, stakeholder, secretariat
):
    made = amend(consultation, stakeholder, "3-licensing-1", "Data is", "Data is promptly")
    url = reverse("api-comment", args=[made.receipt])
    assert client.get(url).json()["applied_in"] is None
    v2 = second_round(consultation, secretariat, source=DRAFT_V2)
    applied(secretariat, made, v2.sections.get(key="3-licensing-1"), "promptly")
    assert client.get(url).json()["applied_in"] == {"version": 2, "section": "3-licensing-1"}


def test_applied_in_a_draft_version_shows_to_the_team_only(
    client, consultation, traced, secretariat
):
    v3 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V3
    )
    assert v3.published_at is None
    made = traced["promptly"]
    decision = AmendmentApplication.objects.get(amendment=made.amendment).entry
    applied(secretariat, made, v3.sections.get(key="3-licensing-1"), "always", entry=decision)
    url = reverse("api-comment", args=[made.receipt])
    assert client.get(url).json()["applied_in"] == {"version": 2, "section": "3-licensing-1"}
    page = client.get(reverse("receipt", args=[made.receipt])).content.decode()
    assert "Your wording was adopted in paragraph" in page and "draft version 3" not in page
    client.force_login(secretariat)
    assert client.get(url).json()["applied_in"] == {"version": 3, "section": "3-licensing-1"}
    page = client.get(reverse("receipt", args=[made.receipt])).content.decode()
    n = v3.sections.get(key="3-licensing-1").ordinal
    assert f"Composed into draft version 3 (paragraph {n})" in page


def test_receipt_page_says_where_the_wording_was_adopted_with_the_diff(
    client, consultation, traced
):
    n = traced["licensing"].ordinal
    page = client.get(reverse("receipt", args=[traced["promptly"].receipt])).content.decode()
    where = page[page.index("Where your proposal went") :]
    assert f"Your wording was adopted in paragraph {n} of version 2." in where
    assert '<ins><span class="visually-hidden">inserted: </span> promptly' in where
    assert reverse("version_section", args=[consultation.slug, 2, "3-licensing-1"]) in where


def test_receipt_page_of_a_comment_whose_decision_changed_a_paragraph(client, consultation, traced):
    n = traced["purpose"].ordinal
    page = client.get(reverse("receipt", args=[traced["public"].receipt])).content.decode()
    assert f"Your input changed paragraph {n} of version 2." in page
    assert "free of charge" in page[page.index("Where your proposal went") :]


def test_receipt_page_says_nothing_before_anything_changed(client, consultation, stakeholder):
    made = amend(consultation, stakeholder, "3-licensing-1", "Data is", "Data is promptly")
    page = client.get(reverse("receipt", args=[made.receipt])).content.decode()
    assert "Where your proposal went" not in page


# --- the report ----------------------------------------------------------------------------


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_what_changed_is_read_in_a_bounded_number_of_queries(
    consultation, traced, secretariat, stakeholder, django_assert_num_queries
):
    # One for the versions, then per pair of versions: two for the diff, two for the inputs.
    with django_assert_num_queries(5):
        first = trace.what_changed(consultation=consultation)
    more_inputs(secretariat, stakeholder, consultation, traced["v2"])
    # A draft version composed but not published stays out of the published report.
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT_V3)
    with django_assert_num_queries(5):
        assert len(trace.what_changed(consultation=consultation)) == 1
    (pair,) = first
    keys = [paragraph.row.key for paragraph in pair.paragraphs]
    assert keys == ["1-purpose-1", "3-licensing-1"]  # changed paragraphs only, in order


@pytest.mark.usefixtures("_media")
def test_pdf_report_has_what_changed_and_why(consultation, traced, tmp_path):
    target = tmp_path / "report.pdf"
    pdf.build_pdf(consultation=consultation, target=target, folder=tmp_path)
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "What changed and why" in text
    why = text[text.index("From version 1 to version 2") :]
    assert f"{traced['promptly'].receipt} (accepted)" in why
    assert f"{traced['redistribution'].receipt} (accepted)" in why
    assert f"{traced['public'].receipt} (accepted)" in why
    assert "redistribution" in why
    assert traced["private"].receipt not in why.split("Evaluation of the process")[0]


@pytest.mark.usefixtures("_media")
def test_docx_report_has_what_changed_and_why_with_struck_and_inserted_words(
    consultation, traced, tmp_path
):
    from docx import Document

    target = tmp_path / "report.docx"
    docx.build_docx(consultation=consultation, target=target, progress=lambda done, total: None)
    document = Document(io.BytesIO(target.read_bytes()))
    texts = [paragraph.text for paragraph in document.paragraphs]
    start = texts.index("What changed and why")
    end = texts.index("Evaluation of the process")
    why = texts[start:end]
    assert "From version 1 to version 2" in why
    assert any(
        traced["promptly"].receipt in line and traced["redistribution"].receipt in line
        for line in why
    )
    assert not any(traced["private"].receipt in line for line in why)
    inserted = [
        run.text
        for paragraph in document.paragraphs[start:end]
        for run in paragraph.runs
        if run.font.underline
    ]
    assert " promptly" in inserted and " and redistribution" in inserted
