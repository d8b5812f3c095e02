"""Anonymous readers in a real browser, with the micro-cache on (plenary/pagecache.py):
a stored page's forms work for the next reader, and a hidden comment leaves at once."""

import pytest
from django.urls import reverse

from comments.moderation import services as moderation
from comments.threads import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTION = "1-purpose-2"


def test_a_stored_page_works_for_the_next_reader_and_a_hidden_comment_leaves_it(
    settings, live_server, new_page, consultation, stakeholder, moderator
):
    settings.PLENARY_PAGE_CACHE_SECONDS = 60
    shown = services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="Advertising: buy our routers today.",
    )
    url = live_server.url + reverse("section", args=[consultation.slug, SECTION])

    first = new_page()
    first.goto(url)
    assert first.get_by_text("buy our routers today").count() == 1

    # The second reader gets the stored page; its language form carries their
    # own CSRF token, so switching language works (a 403 otherwise).
    second = new_page(java_script_enabled=False)
    second.goto(url)
    assert second.get_by_text("buy our routers today").count() == 1
    second.locator("#language-switcher-select").select_option("fr")
    with second.expect_navigation():
        second.get_by_role("button", name="Change language").click()
    assert second.locator("html").get_attribute("lang") == "fr"
    assert second.url == url

    moderation.comment_hide(actor=moderator, comment=shown, reason="Advertising.")
    first.reload()
    assert first.get_by_text("buy our routers today").count() == 0
    assert first.locator("html").get_attribute("lang") == "en"
