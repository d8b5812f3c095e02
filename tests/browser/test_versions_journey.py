"""Two rounds in a real browser: a commenter on version 1 opens round 2's paragraph, finds
their earlier comment and the word-level diff of their paragraph; the versions page's
downloads open (DOCX read back with python-docx, PDF text extracted with pypdf)."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from comments.threads import services as comment_services
from consult.consultations import services
from consult.models import Round
from consult.versions import services as version_services
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT_V2 = """# Draft policy on open data

## 1. Purpose
This policy sets out how public bodies publish the data they hold.

Open data supports accountability and lets people build useful services.

## 2. Scope
It applies to every ministry, agency and regulator.

## 3. Licensing
Data is published under the CC BY 4.0 licence, which allows reuse.
"""


def sign_in(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def assert_no_serious_axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not serious, f"{page.url}: {serious}"


def test_commenter_sees_how_their_paragraph_changed_in_round_2(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    # Round 1 (the white paper, version 1) is open: the commenter comments on Licensing.
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="3-licensing-1",
        body="Name the licence.",
    )
    # Round 1 closes (moved into the past in setup), version 2 goes out for round 2.
    now = timezone.now()
    Round.objects.filter(consultation=consultation).update(
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10)
    )
    version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT_V2)
    services.round_open(
        actor=secretariat, consultation=consultation, closes_at=now + timedelta(days=30)
    )

    person = new_page()
    sign_in(person, base, stakeholder.email, PASSWORD)
    person.goto(f"{base}/c/{consultation.slug}/")
    assert "The draft (version 2)" in person.content()
    person.get_by_role("link", name="Comment on paragraph 4").click()
    person.get_by_role("link", name="1 comment on the earlier text").click()
    assert comment.receipt in person.content()
    assert "Name the licence." in person.content()
    person.get_by_role("link", name="See how this paragraph changed in version 2").click()
    assert person.url.endswith("/versions/1/diff/2/#d-3-licensing-1")
    paragraph = person.locator("#d-3-licensing-1")
    assert "changed" in paragraph.locator(".badge").inner_text()
    inserted = paragraph.locator("ins").all_inner_texts()
    deleted = paragraph.locator("del").all_inner_texts()
    assert any("CC BY 4.0" in text for text in inserted)
    assert any("an open" in text for text in deleted)
    # Readable without colour: the changes are named in words for screen readers.
    assert paragraph.locator("ins .visually-hidden").first.text_content() == "inserted: "
    assert_no_serious_axe_violations(person)

    # The downloads open.
    person.goto(f"{base}/c/{consultation.slug}/versions/")
    assert_no_serious_axe_violations(person)
    with person.expect_download() as download:
        person.get_by_role("link", name="DOCX version 2").click()
    from docx import Document

    document = Document(download.value.path())
    texts = [p.text for p in document.paragraphs]
    assert "Data is published under the CC BY 4.0 licence, which allows reuse." in texts
    with person.expect_download() as download:
        person.get_by_role("link", name="PDF version 1").click()
    from pypdf import PdfReader

    with open(download.value.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    assert "under an open licence" in "".join(page.extract_text() for page in reader.pages)
