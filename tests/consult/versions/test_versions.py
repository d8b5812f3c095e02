"""Versioned drafts: file import, section matching and its corrections, the diff, the
downloads, and "comments on the earlier text" (consult/versions/drafts.py, diff.py, exports.py)."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from comments.threads import services as comment_services
from consult.consultations import services
from consult.models import DocumentVersion, Round, Section
from consult.versions import drafts
from consult.versions import services as version_services

pytestmark = pytest.mark.django_db

# Version 2 of tests.consult.factories.DRAFT: "Purpose" 1 edited, "Purpose" 2 removed,
# "Scope" unchanged, a new "Enforcement" section, "Licensing" reworded.
DRAFT_V2 = """# Draft policy on open data

## 1. Purpose
This policy sets out how public bodies publish the data they hold, free of charge.

## 2. Scope
It applies to every ministry, agency and regulator.

## 3. Licensing
Data is published under an open licence that allows reuse and redistribution.

## 4. Enforcement
An independent commissioner hears complaints about data that was withheld.
"""


def docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Open data", level=1)
    document.add_paragraph("Public bodies publish the data they hold.")
    document.add_paragraph("Ministries", style="List Bullet")
    document.add_paragraph("Agencies", style="List Bullet")
    paragraph = document.add_paragraph("Reuse is ")
    paragraph.add_run("free").bold = True
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Body", "Deadline"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Agency", "2027"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Open data"))
    document.text.addElement(P(text="Public bodies publish the data they hold."))
    items = List()
    for text in ("Ministries", "Agencies"):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    document.text.addElement(items)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def upload(client, consultation, name: str, content: bytes):
    return client.post(
        reverse("staff_draft_upload", args=[consultation.slug]),
        {"file": SimpleUploadedFile(name, content), "changelog": ""},
    )


def second_round(consultation, secretariat, *, source: str = DRAFT_V2) -> DocumentVersion:
    """Close round 1 (moved to the past in the database: test setup only), import
    version 2 and open round 2 on it."""
    now = timezone.now()
    Round.objects.filter(consultation=consultation).update(
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10)
    )
    v2 = version_services.draft_import(actor=secretariat, consultation=consultation, source=source)
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        closes_at=now + timedelta(days=30),
        document_version=v2,
    )
    v2.refresh_from_db()
    return v2


def keys(version) -> list[str]:
    return list(version.sections.order_by("ordinal").values_list("key", flat=True))


# --- import from files ----------------------------------------------------------------


def test_secretariat_can_import_a_docx_draft(client, consultation, secretariat):
    client.force_login(secretariat)
    response = upload(client, consultation, "draft.docx", docx_bytes())
    version = consultation.versions.get(number=2)
    assert response.status_code == 302
    assert response.url == reverse("staff_version_matching", args=[consultation.slug, 2])
    assert version.source_format == DocumentVersion.Format.DOCX
    assert "## Open data" in version.source
    assert "- Ministries\n- Agencies" in version.source
    assert "Reuse is **free**" in version.source
    assert "| Body | Deadline |" in version.source
    sections = list(version.sections.order_by("ordinal"))
    assert [s.heading for s in sections] == ["Open data"] * 4
    assert "<li>Agencies</li>" in sections[1].body_html
    assert "<table>" in sections[3].body_html


def test_secretariat_can_import_an_odt_draft(client, consultation, secretariat):
    client.force_login(secretariat)
    upload(client, consultation, "draft.odt", odt_bytes())
    version = consultation.versions.get(number=2)
    assert version.source_format == DocumentVersion.Format.ODT
    assert version.source == (
        "## Open data\n\nPublic bodies publish the data they hold.\n\n- Ministries\n- Agencies\n"
    )


def test_secretariat_can_import_a_markdown_file(client, consultation, secretariat):
    client.force_login(secretariat)
    upload(client, consultation, "draft.md", DRAFT_V2.encode())
    version = consultation.versions.get(number=2)
    assert version.source_format == DocumentVersion.Format.MARKDOWN
    assert version.sections.count() == 4


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("draft.docx", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "not a real DOCX document"),
        ("draft.odt", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "not a real ODT document"),
        ("draft.docx", b"", "file is empty."),
        ("draft.md", b"%PDF-1.7\n", "not a text file"),
        ("draft.md", "Caf\u00e9".encode("latin-1"), "not in UTF-8"),
        ("draft.pdf", b"%PDF-1.7\n", "Upload a .docx, .odt, .md or .txt file."),
        ("draft.md", b"# Only a heading\n", "no paragraphs to comment on"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(
    client, consultation, secretariat, name, content, message
):
    client.force_login(secretariat)
    response = upload(client, consultation, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert consultation.versions.count() == 1
    assert Section.objects.filter(version__consultation=consultation).count() == 4


def test_a_zip_without_a_word_document_is_refused_as_docx(consultation, secretariat):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(ValidationError, match="no Word document inside"):
        version_services.draft_import_file(
            actor=secretariat, consultation=consultation, name="d.docx", content=out.getvalue()
        )
    assert consultation.versions.count() == 1


def test_a_docx_renamed_odt_is_refused(consultation, secretariat):
    with pytest.raises(ValidationError, match="not an OpenDocument text"):
        version_services.draft_import_file(
            actor=secretariat, consultation=consultation, name="d.odt", content=docx_bytes()
        )


def test_an_oversize_file_is_refused(client, consultation, secretariat, monkeypatch):
    monkeypatch.setattr(drafts, "DRAFT_UPLOAD_MAX_BYTES", 1024)
    client.force_login(secretariat)
    response = upload(client, consultation, "draft.md", b"A paragraph.\n" * 200)
    assert "larger than" in response.content.decode()
    assert consultation.versions.count() == 1


def test_stakeholder_cannot_import_a_draft(client, consultation, stakeholder):
    client.force_login(stakeholder)
    response = upload(client, consultation, "draft.md", DRAFT_V2.encode())
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        version_services.draft_import_file(
            actor=stakeholder, consultation=consultation, name="d.md", content=b"Text.\n"
        )
    assert consultation.versions.count() == 1


def test_anonymous_cannot_open_the_upload_page(client, consultation):
    response = client.get(reverse("staff_draft_upload", args=[consultation.slug]))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# --- matching ---------------------------------------------------------------------------


def test_continued_sections_keep_their_keys_and_new_ones_get_fresh_keys(consultation, secretariat):
    v1 = consultation.versions.get()
    old = {s.key: s for s in v1.sections.all()}
    assert list(old) == ["1-purpose-1", "1-purpose-2", "2-scope-1", "3-licensing-1"]
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    sections = list(v2.sections.order_by("ordinal"))
    assert [s.key for s in sections] == [
        "1-purpose-1",
        "2-scope-1",
        "3-licensing-1",
        "4-enforcement-1",
    ]
    assert [s.previous_id for s in sections] == [
        old["1-purpose-1"].pk,
        old["2-scope-1"].pk,
        old["3-licensing-1"].pk,
        None,
    ]
    assert sections[1].match_score == 1.0
    assert 0.45 <= sections[0].match_score < 1.0
    assert sections[3].match_score is None


def test_a_new_section_never_takes_a_key_an_earlier_version_used(consultation, secretariat):
    # Version 2 drops "Purpose" 2; version 3 adds an unrelated second "Purpose" paragraph.
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT_V2)
    v3 = version_services.draft_import(
        actor=secretariat,
        consultation=consultation,
        source=DRAFT_V2.replace(
            "free of charge.\n", "free of charge.\n\nCitizens may ask for any dataset.\n"
        ),
    )
    assert keys(v3)[:2] == ["1-purpose-1", "1-purpose-3"]


def test_secretariat_can_correct_the_matching_by_swapping_keys(consultation, secretariat):
    v1 = consultation.versions.get()
    old = {s.key: s for s in v1.sections.all()}
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    scope, licensing = v2.sections.get(ordinal=2), v2.sections.get(ordinal=3)
    version_services.version_match_set(
        actor=secretariat,
        version=v2,
        matches={scope.pk: old["3-licensing-1"].pk, licensing.pk: old["2-scope-1"].pk},
    )
    scope.refresh_from_db()
    licensing.refresh_from_db()
    assert (scope.key, scope.previous_id) == ("3-licensing-1", old["3-licensing-1"].pk)
    assert (licensing.key, licensing.previous_id) == ("2-scope-1", old["2-scope-1"].pk)
    assert scope.match_score < 0.45


def test_secretariat_can_mark_a_section_new(consultation, secretariat):
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    purpose = v2.sections.get(ordinal=1)
    version_services.version_match_set(actor=secretariat, version=v2, matches={purpose.pk: None})
    purpose.refresh_from_db()
    assert purpose.previous_id is None and purpose.match_score is None
    assert purpose.key not in {"1-purpose-1", "1-purpose-2"}
    assert len(set(keys(v2))) == 4


def test_two_sections_cannot_continue_the_same_one(consultation, secretariat):
    v1 = consultation.versions.get()
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    before = list(v2.sections.values_list("pk", "key", "previous_id"))
    enforcement = v2.sections.get(ordinal=4)
    with pytest.raises(ValidationError) as refused:
        version_services.version_match_set(
            actor=secretariat,
            version=v2,
            matches={enforcement.pk: v1.sections.get(key="2-scope-1").pk},
        )
    assert f"section_{enforcement.pk}" in refused.value.message_dict
    assert list(v2.sections.values_list("pk", "key", "previous_id")) == before


def test_matching_is_refused_once_the_version_is_published(consultation, secretariat):
    v2 = second_round(consultation, secretariat)
    with pytest.raises(ValidationError, match="published"):
        version_services.version_match_set(
            actor=secretariat, version=v2, matches={v2.sections.first().pk: None}
        )


def test_matching_refuses_a_section_of_another_version(consultation, secretariat):
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    stray = consultation.versions.get(number=1).sections.first()
    with pytest.raises(ValidationError):
        version_services.version_match_set(actor=secretariat, version=v2, matches={stray.pk: None})
    with pytest.raises(ValidationError):
        version_services.version_match_set(
            actor=secretariat, version=v2, matches={v2.sections.first().pk: v2.sections.last().pk}
        )


def test_stakeholder_cannot_correct_the_matching(consultation, secretariat, stakeholder):
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    with pytest.raises(PermissionDenied):
        version_services.version_match_set(
            actor=stakeholder, version=v2, matches={v2.sections.first().pk: None}
        )


def test_matching_page_shows_proposals_and_saves_a_correction(client, consultation, secretariat):
    v1 = consultation.versions.get()
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    client.force_login(secretariat)
    url = reverse("staff_version_matching", args=[consultation.slug, 2])
    page = client.get(url).content.decode()
    assert "Continues paragraph 3 (similarity 1.00)." in page
    assert "A new section: no earlier text." in page
    sections = list(v2.sections.order_by("ordinal"))
    data = {f"section_{s.pk}": str(s.previous_id or "new") for s in sections}
    data[f"section_{sections[3].pk}"] = str(v1.sections.get(key="1-purpose-2").pk)
    response = client.post(url, data)
    assert response.status_code == 302
    assert v2.sections.get(ordinal=4).key == "1-purpose-2"


def test_matching_page_refuses_a_collision_with_a_message(client, consultation, secretariat):
    v1 = consultation.versions.get()
    v2 = version_services.draft_import(
        actor=secretariat, consultation=consultation, source=DRAFT_V2
    )
    client.force_login(secretariat)
    scope = str(v1.sections.get(key="2-scope-1").pk)
    data = {f"section_{s.pk}": str(s.previous_id or "new") for s in v2.sections.all()}
    data[f"section_{v2.sections.get(ordinal=4).pk}"] = scope
    response = client.post(reverse("staff_version_matching", args=[consultation.slug, 2]), data)
    assert response.status_code == 400
    assert "two sections cannot continue the same one" in response.content.decode()
    assert keys(v2)[3] == "4-enforcement-1"


# --- diff -------------------------------------------------------------------------------


def test_anyone_can_read_the_diff_of_published_versions(client, consultation, secretariat):
    second_round(consultation, secretariat)
    response = client.get(reverse("version_diff", args=[consultation.slug, 1, 2]))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span class="visually-hidden">inserted: </span>, free of charge' in page
    assert "<del>" in page
    assert "added in this version" in page and "removed in this version" in page
    assert "2 changed, 1 added, 1 removed, 1 unchanged." in page


def test_anonymous_cannot_read_the_diff_of_an_unpublished_version(
    client, consultation, secretariat
):
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT_V2)
    url = reverse("version_diff", args=[consultation.slug, 1, 2])
    assert client.get(url).status_code == 404
    client.force_login(secretariat)
    assert client.get(url).status_code == 200


def test_diff_of_an_unknown_version_is_404(client, consultation):
    assert client.get(reverse("version_diff", args=[consultation.slug, 1, 9])).status_code == 404


def test_version_picker_redirects_to_the_diff_and_refuses_the_same_version_twice(
    client, consultation, secretariat
):
    second_round(consultation, secretariat)
    url = reverse("versions", args=[consultation.slug])
    response = client.get(url, {"old": 1, "new": 2})
    assert response.url == reverse("version_diff", args=[consultation.slug, 1, 2])
    response = client.get(url, {"old": 2, "new": 2})
    assert response.status_code == 400
    assert "Choose two different versions." in response.content.decode()


def test_word_diff_escapes_the_text():
    from consult.versions.diff import word_diff

    html, changed = word_diff("a <b>old</b> c", "a <script>new</script> c")
    assert changed
    assert "<script" not in html and "<b>" not in html
    assert "&lt;" in html and "&gt;" in html


# --- earlier comments ---------------------------------------------------------------


def test_commenter_sees_comments_on_the_earlier_text_and_the_diff_link(
    client, consultation, secretariat, stakeholder
):
    comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="3-licensing-1",
        body="Name the licence.",
    )
    second_round(consultation, secretariat)
    page = client.get(reverse("section", args=[consultation.slug, "3-licensing-1"])).content
    page = page.decode()
    assert "1 comment on the earlier text" in page
    assert reverse("version_section", args=[consultation.slug, 1, "3-licensing-1"]) in page
    assert reverse("version_diff", args=[consultation.slug, 1, 2]) + "#d-3-licensing-1" in page
    earlier = client.get(reverse("version_section", args=[consultation.slug, 1, "3-licensing-1"]))
    assert "Name the licence." in earlier.content.decode()
    assert "See how this paragraph changed in version 2" in earlier.content.decode()


def test_earlier_comment_counts_take_one_query_however_many_sections(
    consultation, secretariat, stakeholder, django_assert_num_queries
):
    from comments.threads.selectors import earlier_comment_counts

    for key in ("1-purpose-1", "2-scope-1", "2-scope-1"):
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key=key, body="A point."
        )
    v2 = second_round(consultation, secretariat)
    with django_assert_num_queries(1):
        counts = earlier_comment_counts(version=v2)
    assert {key: c.count for key, c in counts.items()} == {"1-purpose-1": 1, "2-scope-1": 2}
    assert {c.version_number for c in counts.values()} == {1}


def _big_draft(n: int) -> str:
    return "\n\n".join(
        f"## Part {i}\nParagraph {i} says thing number {i} plainly." for i in range(n)
    )


@pytest.mark.parametrize(
    "url_name", ["version_diff", "versions", "section", "version_section", "matching"]
)
def test_version_pages_queries_do_not_grow(client, secretariat, stakeholder, url_name):
    """5 and 60 sections, each commented on in version 1: the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.consult.factories import open_consultation

    counts = []
    for size in (5, 60):
        consultation = open_consultation(
            secretariat=secretariat, title=f"Big {size}", draft=_big_draft(size)
        )
        for section in consultation.versions.get().sections.all():
            comment_services.comment_create(
                actor=stakeholder, consultation=consultation, section_key=section.key, body="Hm."
            )
        second_round(consultation, secretariat, source=_big_draft(size).replace("plainly", "now"))
        name, args = {
            "version_diff": ("version_diff", [consultation.slug, 1, 2]),
            "versions": ("versions", [consultation.slug]),
            "section": ("section", [consultation.slug, "part-3-1"]),
            "version_section": ("version_section", [consultation.slug, 1, "part-3-1"]),
            "matching": ("staff_version_matching", [consultation.slug, 2]),
        }[url_name]
        if url_name == "matching":
            client.force_login(secretariat)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name, args=args))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    if url_name == "section":
        assert "1 comment on the earlier text" in response.content.decode()


# --- downloads ------------------------------------------------------------------------


def test_anyone_can_download_a_published_version_as_pdf(client, consultation):
    from pypdf import PdfReader

    response = client.get(reverse("version_download", args=[consultation.slug, 1, "pdf"]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="{consultation.slug}-v1.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Open data policy" in text
    assert "Version 1" in text
    assert "3-licensing-1" in text
    assert "open licence that allows reuse" in text


def test_anyone_can_download_a_published_version_as_docx(client, consultation):
    from docx import Document

    response = client.get(reverse("version_download", args=[consultation.slug, 1, "docx"]))
    assert response["Content-Type"].endswith("wordprocessingml.document")
    document = Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Open data policy"
    assert "Paragraph 4 · 3-licensing-1" in texts
    assert "Data is published under an open licence that allows reuse." in texts
    assert next(p.text for p in document.paragraphs if p.style.name == "Heading 1") == "1. Purpose"


def test_anyone_can_download_a_published_version_as_odt(client, consultation):
    from odf import teletype
    from odf.opendocument import load
    from odf.text import P

    response = client.get(reverse("version_download", args=[consultation.slug, 1, "odt"]))
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.text"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    document = load(io.BytesIO(response.content))
    texts = [teletype.extractText(p) for p in document.getElementsByType(P)]
    assert "Paragraph 4 · 3-licensing-1" in texts
    assert "It applies to every ministry, agency and regulator." in texts


def test_a_downloaded_odt_imports_back_to_the_same_sections(client, consultation, secretariat):
    response = client.get(reverse("version_download", args=[consultation.slug, 1, "docx"]))
    version = version_services.draft_import_file(
        actor=secretariat, consultation=consultation, name="v1.docx", content=response.content
    )
    bodies = [s.body for s in version.sections.order_by("ordinal") if not s.body.startswith("Par")]
    assert "It applies to every ministry, agency and regulator." in bodies


def test_anonymous_cannot_download_an_unpublished_version(client, consultation, secretariat):
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT_V2)
    url = reverse("version_download", args=[consultation.slug, 2, "docx"])
    assert client.get(url).status_code == 404
    client.force_login(secretariat)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_unknown_download_format_is_404(client, consultation):
    assert client.get(f"/c/{consultation.slug}/versions/1/download.exe").status_code == 404


# --- API --------------------------------------------------------------------------------


def test_api_lists_published_versions_and_staff_also_see_unpublished(
    client, consultation, secretariat
):
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT_V2)
    url = reverse("api-versions", args=[consultation.slug])
    body = client.get(url).json()
    assert [v["number"] for v in body] == [1]
    assert body[0]["section_count"] == 4
    assert body[0]["downloads"]["docx"].endswith(f"/c/{consultation.slug}/versions/1/download.docx")
    client.force_login(secretariat)
    assert [v["number"] for v in client.get(url).json()] == [1, 2]


def test_api_diff_names_each_change(client, consultation, secretariat):
    second_round(consultation, secretariat)
    body = client.get(reverse("api-version-diff", args=[consultation.slug, 1, 2])).json()
    by_key = {s["key"]: s for s in body["sections"]}
    assert by_key["1-purpose-2"]["status"] == "removed"
    assert by_key["4-enforcement-1"]["status"] == "added"
    assert by_key["2-scope-1"]["status"] == "unchanged"
    assert {"text": "", "added": ", free of charge", "because": []} in by_key["1-purpose-1"][
        "changes"
    ]
    assert (
        client.get(reverse("api-version-diff", args=[consultation.slug, 1, 7])).status_code == 404
    )


def test_api_versions_queries_do_not_grow(client, consultation, secretariat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("api-versions", args=[consultation.slug])
    counts = []
    for _n in range(2):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
        for _more in range(5):
            version_services.draft_import(
                actor=secretariat, consultation=consultation, source=DRAFT_V2
            )
        DocumentVersion.objects.update(published_at=timezone.now())
    assert counts[0] == counts[1]


def test_a_published_version_file_is_built_once_and_an_edited_title_rebuilds_it(
    client, consultation, secretariat, monkeypatch
):
    from consult.versions import exports

    built = []
    real = exports.version_docx
    monkeypatch.setitem(
        exports.BUILDERS, "docx", lambda *, version: built.append(1) or real(version=version)
    )
    url = reverse("version_download", args=[consultation.slug, 1, "docx"])
    first = client.get(url).content
    assert client.get(url).content == first
    assert len(built) == 1
    services.consultation_update(
        actor=secretariat,
        consultation=consultation,
        title="Open data policy, revised",
        summary=consultation.summary,
        goals="",
        ground_rules="",
    )
    client.get(url)
    assert len(built) == 2


def test_moved_and_retitled_sections_keep_their_keys(consultation, secretariat):
    moved = """# Draft policy on open data

## Licences
Data is published under an open licence that allows reuse.

## 1. Purpose
Open data supports accountability and lets people build useful services.

This policy sets out how public bodies publish the data they hold.

## 2. Scope
It applies to every ministry, agency and regulator.
"""
    v2 = version_services.draft_import(actor=secretariat, consultation=consultation, source=moved)
    assert keys(v2) == ["3-licensing-1", "1-purpose-2", "1-purpose-1", "2-scope-1"]
    assert v2.sections.get(ordinal=1).match_score == 0.8  # same text, another heading


def test_a_damaged_docx_is_refused_with_a_message(consultation, secretariat):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "not xml at all <")
    with pytest.raises(ValidationError, match="damaged"):
        version_services.draft_import_file(
            actor=secretariat, consultation=consultation, name="d.docx", content=out.getvalue()
        )
    assert consultation.versions.count() == 1


def test_odt_tables_and_heading_levels_are_kept(consultation, secretariat):
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=2, text="Deadlines"))
    table = Table(name="t")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for cells in (("Body", "When"), ("Agency | office", "2027")):
        row = TableRow()
        for text in cells:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    out = io.BytesIO()
    document.write(out)
    version = version_services.draft_import_file(
        actor=secretariat, consultation=consultation, name="d.odt", content=out.getvalue()
    )
    assert version.source == (
        "### Deadlines\n\n| Body | When |\n| --- | --- |\n| Agency \\| office | 2027 |\n"
    )
    section = version.sections.get()
    assert section.heading == "Deadlines"
    assert "<td>Agency | office</td>" in section.body_html


def test_with_no_draft_under_review_a_paragraph_shows_its_latest_published_text(
    client, consultation, secretariat
):
    second_round(consultation, secretariat)
    now = timezone.now()
    Round.objects.filter(consultation=consultation).update(
        opens_at=now - timedelta(days=5), closes_at=now - timedelta(days=1)
    )
    Round.objects.filter(consultation=consultation, number=1).update(
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10)
    )
    services.round_open(
        actor=secretariat,
        consultation=consultation,
        closes_at=now + timedelta(days=30),
        kind=Round.Kind.OPEN_INPUT,
    )
    version_services.draft_import(
        actor=secretariat,
        consultation=consultation,
        source=DRAFT_V2.replace("reuse and redistribution", "any reuse, unpublished"),
    )
    url = reverse("section", args=[consultation.slug, "3-licensing-1"])
    page = client.get(url).content.decode()
    assert "reuse and redistribution" in page
    assert "unpublished" not in page
    client.force_login(secretariat)
    assert "any reuse, unpublished" in client.get(url).content.decode()


# --- a diff people can read (issue 22) --------------------------------------------------

# consultation, the two versions, their sections (two), the inputs behind the changes
# (two: feedback.trace, issue 24); the same with ?all=1.
QUERIES_DIFF_PAGE = 7

MARKDOWN_V2 = (
    DRAFT_V2.replace("under an open licence", "under an **open licence** (*CC BY*)")
    + "\n- reuse by anyone\n- redistribution\n"
)


def test_diff_shows_rendered_text_with_word_marks_not_markdown_source(
    client, consultation, secretariat
):
    second_round(consultation, secretariat, source=MARKDOWN_V2)
    page = client.get(reverse("version_diff", args=[consultation.slug, 1, 2])).content.decode()
    assert "**" not in page and "*CC BY*" not in page and "- reuse" not in page
    # the marks sit on rendered words: the bold phrase stays bold, the new words are marked
    assert "<strong>open licence</strong>" in page
    assert (
        '<ins><span class="visually-hidden">inserted: </span> (</ins><em><ins>CC BY</ins></em>'
        in (page)
    )
    assert "<ul>\n<li><ins>" in page and "reuse by anyone</ins></li>" in page


def test_diff_shows_changes_only_and_folds_unchanged_paragraphs(client, consultation, secretariat):
    second_round(consultation, secretariat)
    url = reverse("version_diff", args=[consultation.slug, 1, 2])
    page = client.get(url).content.decode()
    assert "It applies to every ministry" not in page  # 2-scope-1 is unchanged: folded
    assert '<a href="?all=1#d-2-scope-1">1 unchanged paragraph</a>' in page
    assert 'class="badge diff-badge diff-badge-changed"' in page
    assert 'class="badge diff-badge diff-badge-added"' in page
    assert 'class="badge diff-badge diff-badge-removed"' in page
    whole = client.get(url, {"all": "1"}).content.decode()
    assert "It applies to every ministry" in whole
    assert 'class="section diff-row diff-unchanged" id="d-2-scope-1"' in whole
    assert "Show changes only" in whole


def test_diff_page_query_count_does_not_grow_with_the_draft(
    client, consultation, secretariat, django_assert_num_queries
):
    long = DRAFT_V2 + "".join(f"\nParagraph {i} about open data.\n" for i in range(60))
    second_round(consultation, secretariat, source=long)
    url = reverse("version_diff", args=[consultation.slug, 1, 2])
    client.get(url)  # warm the caches (site settings, languages)
    with django_assert_num_queries(QUERIES_DIFF_PAGE):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(QUERIES_DIFF_PAGE):
        assert client.get(url, {"all": "1"}).status_code == 200


def test_api_diff_keeps_its_fields_and_adds_the_rendered_html(client, consultation, secretariat):
    second_round(consultation, secretariat, source=MARKDOWN_V2)
    body = client.get(reverse("api-version-diff", args=[consultation.slug, 1, 2])).json()
    licensing = {s["key"]: s for s in body["sections"]}["3-licensing-1"]
    assert {"key", "status", "old", "new", "changes", "html"} <= set(licensing)
    assert any(c["added"] and "**" in c["added"] for c in licensing["changes"])  # source, as before
    assert "<strong>open licence</strong>" in licensing["html"] and "**" not in licensing["html"]


def test_fold_unchanged_counts_each_run_and_keeps_every_anchor():
    from consult.versions.diff import Fold, SectionDiff, fold_unchanged

    statuses = ["unchanged", "unchanged", "changed", "unchanged", "added", "unchanged"] + [
        "unchanged"
    ] * 3
    rows = [SectionDiff(f"k{i}", status, None, None) for i, status in enumerate(statuses)]
    folded = fold_unchanged(rows)
    assert [(r.key, r.count) if isinstance(r, Fold) else r.status for r in folded] == [
        ("k0", 2),
        "changed",
        ("k3", 1),
        "added",
        ("k5", 4),
    ]
    assert folded[-1].more_keys == ["k6", "k7", "k8"]
