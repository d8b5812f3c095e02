"""A stakeholder submits a position paper as a PDF, finds it by searching for a phrase
inside it, and sees it listed in the public ledger (issue 10), in a real browser.

The PDF is a small real file (tests/comments/files.py) written to a temporary
directory and chosen in the form's file input; MEDIA_ROOT is a temporary
directory too.
"""

import pytest

from comments.models import Comment
from tests.browser.test_edit_and_moderation_journey import paragraph_key, sign_in
from tests.comments.files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHRASE = "spectrum commons for rural cooperatives"


def test_stakeholder_submits_a_position_paper_finds_it_by_search_and_in_the_ledger(
    live_server, new_page, consultation, stakeholder, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    paper = tmp_path / "Position paper.pdf"
    paper.write_bytes(pdf_bytes("Our position", f"We ask for {PHRASE} in article 4."))
    base = live_server.url
    key = paragraph_key(consultation)

    page = new_page()
    sign_in(page, base, stakeholder.email)
    page.goto(f"{base}/c/{consultation.slug}/s/{key}/")
    # The comment form (the paragraph page also has "Propose new wording", issue 24).
    form = page.locator("form[action$='#comment-form']")
    form.get_by_label("Your comment").fill("Our position paper is attached.")
    form.get_by_label("Attach files (optional)").set_input_files(str(paper))
    page.get_by_role("button", name="Send comment").click()
    page.wait_for_url("**/r/**")
    comment = Comment.objects.get(body="Our position paper is attached.")
    assert page.get_by_role("link", name="Position paper.pdf").is_visible()

    # Search from the consultation page, for a phrase inside the PDF only.
    page.goto(f"{base}/c/{consultation.slug}/")
    page.get_by_label("Search the comments and attached papers").fill(f'"{PHRASE}"')
    page.get_by_label("Search the comments and attached papers").press("Enter")
    page.wait_for_url("**/search/**")
    hit = page.locator(f"#hit-{comment.receipt}")
    assert hit.is_visible()
    assert hit.locator("mark").first.inner_text().lower() in PHRASE
    assert hit.get_by_role("link", name="Position paper.pdf").is_visible()

    # The public ledger lists it, signed out too.
    reader = new_page()
    reader.goto(f"{base}/c/{consultation.slug}/ledger/")
    row = reader.get_by_role("row").filter(has_text=comment.receipt)
    assert row.get_by_role("link", name="Position paper.pdf").is_visible()
    with reader.expect_download() as download:
        row.get_by_role("link", name="Position paper.pdf").click()
    assert download.value.suggested_filename == "Position paper.pdf"
