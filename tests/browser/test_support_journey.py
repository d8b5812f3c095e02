"""Supporting a proposed change on a 360 px phone without JavaScript, with the keyboard
only: the button posts, the page comes back at the change's comment with the count."""

import pytest

from comments.models import AmendmentSupport
from tests.browser.test_appeal_journey import sign_in
from tests.comments.supports.factories import propose
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participant_supports_a_change_by_keyboard_without_javascript(
    live_server, new_page, consultation, stakeholder, other_stakeholder
):
    base = live_server.url
    amendment = propose(actor=stakeholder, consultation=consultation)
    page = new_page(java_script_enabled=False, viewport={"width": 360, "height": 740})
    sign_in(page, base, other_stakeholder.email, PASSWORD)
    page.goto(f"{base}/c/{consultation.slug}/s/1-purpose-2/")

    block = page.locator("section.proposed-changes")
    # After the visually hidden "deleted:" / "inserted:" that screen readers announce.
    assert block.locator("del").first.inner_text().split() == ["deleted:", "accountability"]
    inserted = block.locator("ins").first.inner_text().split()
    assert inserted == ["inserted:", "public", "accountability"]
    button = block.get_by_role("button", name=f"Support this change (0) {amendment.receipt}")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/s/1-purpose-2/#c-{amendment.receipt}")
    assert AmendmentSupport.objects.filter(user=other_stakeholder).count() == 1
    assert page.get_by_role(
        "button", name=f"Withdraw my support (1 supporter) {amendment.receipt}"
    ).first.is_visible()
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
