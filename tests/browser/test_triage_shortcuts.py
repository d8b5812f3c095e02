"""Triage's keyboard shortcuts (static/js/triage.js) in a real browser: j and k move the
focus between the comments, a status key picks the decision in the form (the bulk form's
select on triage, the radio buttons on the decide page), o opens the comment, ? opens
the help, and keys typed in a field stay text.  Without JavaScript the help is there."""

import pytest

from comments.threads import services as comment_services
from tests.browser.test_balance_pages import sign_in
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory, convenor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE_ROW = "() => document.activeElement.closest('tr[data-comment]')?.id || ''"


def test_j_k_and_status_keys_move_and_pick_on_triage_and_decide(live_server, new_page):
    secretariat = convenor(email="secretariat@example.org")
    consultation = open_consultation(secretariat=secretariat)
    author = ParticipantFactory(user__email="p@example.org").user
    comments = [
        comment_services.comment_create(
            actor=author, consultation=consultation, section_key="1-purpose-1", body=f"Point {n}."
        )
        for n in range(3)
    ]
    rows = [f"c-{comment.receipt}" for comment in comments]
    base = live_server.url
    page = new_page()
    sign_in(page, base, secretariat.email)
    assert page.goto(f"{base}/staff/c/{consultation.slug}/triage/?status=awaiting").status == 200

    page.keyboard.press("j")
    assert page.evaluate(ACTIVE_ROW) == rows[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(ACTIVE_ROW) == rows[2]
    page.keyboard.press("k")
    assert page.evaluate(ACTIVE_ROW) == rows[1]
    page.keyboard.press("x")
    assert page.locator(f"#pick-{comments[1].receipt}").is_checked()
    page.keyboard.press("n")
    assert page.locator("#bulk_status").input_value() == "not_accepted"
    # Typing in a field is typing: "j" goes into the rationale, the focus stays.
    page.locator("#bulk_rationale").fill("")
    page.locator("#bulk_rationale").press("j")
    assert page.locator("#bulk_rationale").input_value() == "j"
    assert page.locator("#bulk_status").input_value() == "not_accepted"
    page.locator("#bulk_rationale").blur()

    assert not page.locator("#shortcuts").evaluate("d => d.open")
    page.keyboard.press("?")
    assert page.locator("#shortcuts").evaluate("d => d.open")

    page.keyboard.press("k")
    page.keyboard.press("k")
    assert page.evaluate(ACTIVE_ROW) in rows
    focused = page.evaluate(ACTIVE_ROW)
    page.keyboard.press("o")
    page.wait_for_url(f"**/staff/comments/{focused[2:]}/decide/**")
    assert "next=" in page.url
    page.keyboard.press("a")
    assert page.locator('input[name="status"][value="accepted"]').is_checked()
    page.keyboard.press("t")
    assert page.locator('input[name="status"][value="noted"]').is_checked()
    assert not page.locator('input[name="status"][value="accepted"]').is_checked()


def test_the_shortcuts_help_is_there_without_javascript(live_server, new_page):
    secretariat = convenor(email="secretariat@example.org")
    consultation = open_consultation(secretariat=secretariat)
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server.url, secretariat.email)
    page.goto(f"{live_server.url}/staff/c/{consultation.slug}/triage/")
    page.get_by_text("Keyboard shortcuts").click()
    assert page.get_by_text("next / previous comment").is_visible()
