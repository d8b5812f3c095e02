"""The language switcher on a 360-pixel touch screen without JavaScript (issue 9)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "java_script_enabled": False,
    "locale": "fr-FR",
}


def test_visitor_switches_language_by_touch_without_javascript(live_server, new_page):
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/r/")
    # The browser asks for French: the first page is in French.
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Aller au contenu").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    switcher = page.locator("#language-switcher-select")
    box = switcher.bounding_box()
    assert box["height"] >= 24 and box["x"] + box["width"] <= 360  # reachable, on screen
    switcher.select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Changer de langue").tap()
    assert page.url.endswith("/r/")  # back on the same page
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "¿Qué pasó con mi aporte?"

    # Remembered (a cookie) on the next page, over the browser's French.
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
