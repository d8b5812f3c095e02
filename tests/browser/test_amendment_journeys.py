"""Proposing new wording in a real browser (issue 24, static/js/amend.js).

1. At a desk, with the keyboard only: "Propose a change" opens the form at the
   paragraph's plain text; Shift and the arrow keys select "ninety days"; "Use the
   selected text" fills "Text to replace"; the amendment is sent and shows struck
   and inserted in the thread.
2. On a 360-pixel touch screen: a passage of the paragraph selected as touch
   handles select it (across the source's **emphasis**) fills "Text to replace"
   through ``selectionchange``; everything else is tapped; no horizontal scroll.
"""

import pytest

from comments.models import Amendment, Comment
from tests.browser.test_edit_and_moderation_journey import sign_in
from tests.comments.amendments.factories import DRAFT, SECTION
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PLAIN = "Public bodies must publish the data they hold within ninety days. The data is free."
REASON = "Ninety days is too long for people who need the data."

# Select ``words`` in the paragraph as a finger's handles leave it: a document
# selection across the rendered text (here across <strong>), which fires
# selectionchange; no mouse or key event.
TOUCH_SELECT = """(words) => {
  const paragraph = document.querySelector("[data-amend-paragraph]");
  const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const text = nodes.map((n) => n.data).join("");
  const at = text.indexOf(words);
  function point(offset) {
    for (const node of nodes) {
      if (offset <= node.data.length) return [node, offset];
      offset -= node.data.length;
    }
  }
  const range = document.createRange();
  range.setStart(...point(at));
  range.setEnd(...point(at + words.length));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  return selection.toString();
}"""


def _change_in_thread(page, receipt: str) -> tuple[str, ...]:
    entry = page.locator(f"#c-{receipt} .amendment-change")
    return tuple(" ".join(entry.locator(tag).inner_text().split()) for tag in ("del", "ins"))


def test_keyboard_selection_proposes_new_wording(live_server, new_page, secretariat, stakeholder):
    consultation = open_consultation(secretariat=secretariat, draft=DRAFT)
    base = live_server.url
    page = new_page()
    sign_in(page, base, stakeholder.email)
    page.goto(f"{base}/c/{consultation.slug}/s/{SECTION}/")

    page.get_by_role("link", name="Propose a change").focus()
    page.keyboard.press("Enter")
    source = page.get_by_label("Select the passage in the paragraph's text")
    assert page.evaluate("() => document.activeElement.id") == "amend-source"
    assert source.input_value() == PLAIN
    page.keyboard.type("typed")  # the paragraph's text cannot be changed
    assert source.input_value() == PLAIN
    # Shift and the arrow keys: from the start, to "ninety", then 11 characters.
    page.keyboard.press("Control+Home")
    for _n in range(PLAIN.index("ninety")):
        page.keyboard.press("ArrowRight")
    for _n in range(len("ninety days")):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Tab")  # to "Use the selected text"
    assert page.evaluate("() => document.activeElement.textContent") == "Use the selected text"
    page.keyboard.press("Enter")
    quote = page.get_by_label("Text to replace")
    assert quote.input_value() == "ninety days"
    assert page.evaluate("() => document.activeElement.name") == "amendment"
    page.keyboard.press("Tab")
    page.keyboard.type("thirty days")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "body"
    page.keyboard.type(REASON)
    page.get_by_role("button", name="Send proposed wording").focus()
    with page.expect_navigation(url="**/r/**"):
        page.keyboard.press("Enter")

    comment = Comment.objects.get()
    amendment = Amendment.objects.get(comment=comment)
    assert (amendment.quote, amendment.replacement, comment.body) == (
        "ninety days",
        "thirty days",
        REASON,
    )
    assert " ".join(page.locator(".amendment-change del").inner_text().split()) == (
        "deleted: ninety days"
    )
    page.goto(f"{base}/c/{consultation.slug}/s/{SECTION}/")
    assert _change_in_thread(page, comment.receipt) == (
        "deleted: ninety days",
        "inserted: thirty days",
    )


def test_touch_selection_at_360_pixels_proposes_new_wording(
    live_server, new_page, secretariat, stakeholder
):
    consultation = open_consultation(secretariat=secretariat, draft=DRAFT)
    base = live_server.url
    phone = new_page(**PHONE)
    phone.goto(f"{base}/accounts/login/")
    phone.get_by_label("Email").fill(stakeholder.email)
    phone.get_by_label("Password").fill(PASSWORD)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Sign In").tap()
    phone.goto(f"{base}/c/{consultation.slug}/s/{SECTION}/")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360

    selected = phone.evaluate(TOUCH_SELECT, "must publish the data")
    assert selected == "must publish the data"
    quote = phone.get_by_label("Text to replace")
    quote.wait_for()  # selectionchange opened the form
    phone.wait_for_function("() => document.querySelector('textarea[name=amendment]').value !== ''")
    assert quote.input_value() == "must publish the data"
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360

    phone.get_by_label("Proposed wording").tap()
    phone.keyboard.type("shall publish the data")
    phone.get_by_label("Why").tap()
    phone.keyboard.type("Say it as the law says it.")
    with phone.expect_navigation(url="**/r/**"):
        phone.get_by_role("button", name="Send proposed wording").tap()

    comment = Comment.objects.get()
    assert comment.amendment.quote == "must publish the data"
    phone.goto(f"{base}/c/{consultation.slug}/s/{SECTION}/")
    assert _change_in_thread(phone, comment.receipt) == (
        "deleted: must publish the data",
        "inserted: shall publish the data",
    )
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360
