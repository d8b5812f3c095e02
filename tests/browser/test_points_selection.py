"""Splitting a comment by selecting a passage, in a real browser with JavaScript
(static/js/points.js): the offsets the script computes are the service's, even
with stored "\\r\\n" line breaks and a character outside the BMP before the
selection (two UTF-16 units in the browser, one character in Python)."""

import pytest

from comments.threads import services as comment_services
from feedback.models import CommentPoint
from tests.browser.test_appeal_journey import sign_in
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LETTER = (
    "We welcome the draft.\r\n"
    "Second \U0001f30d line: name the licence, CC BY 4.0.\r\n"
    "\r\n"
    "Third paragraph: publish the register every quarter."
)

# Select from "name" to "register" inclusive: across two stored "\r\n" breaks.
SELECT = """([first, last]) => {
  const source = document.getElementById("point-source");
  const spans = Array.from(source.querySelectorAll("span:not([data-break])"));
  const from = spans.find((s) => s.textContent.includes(first)).firstChild;
  const to = spans.find((s) => s.textContent.includes(last)).firstChild;
  const range = document.createRange();
  range.setStart(from, from.data.indexOf(first));
  range.setEnd(to, to.data.indexOf(last) + last.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  source.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  return range.toString();
}"""


def test_a_selected_passage_becomes_a_point_quoting_it_exactly(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="3-licensing-1", body=LETTER
    )
    assert comment.body == LETTER  # the "\r\n" are stored as sent

    staff = new_page()
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/comments/{comment.receipt}/points/")
    submit = staff.get_by_role("button", name="Make a point of the selected passage")
    assert submit.is_disabled()

    selected = staff.evaluate(SELECT, ["name", "register"])
    assert selected == "name the licence, CC BY 4.0.\n\nThird paragraph: publish the register"
    assert staff.locator("#point-selection").inner_text() == selected
    submit.click()
    assert "1 point added." in staff.get_by_role("status").inner_text()

    point = CommentPoint.objects.get(comment=comment)
    start = LETTER.index("name")
    end = LETTER.index("register") + len("register")
    assert (point.start, point.end) == (start, end)
    assert point.quote == LETTER[start:end]
    assert point.quote.replace("\r\n", "\n") == selected  # what the team member selected


def test_without_javascript_the_passage_form_stays_hidden_and_paragraphs_work(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="3-licensing-1", body=LETTER
    )
    staff = new_page(java_script_enabled=False)
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/comments/{comment.receipt}/points/")
    assert not staff.locator("#passage-split").is_visible()
    staff.locator("tbody tr").nth(1).get_by_label("Paragraph 2").check()
    staff.get_by_role("button", name="Make points of the ticked paragraphs").click()
    assert "1 point added." in staff.get_by_role("status").inner_text()
    assert CommentPoint.objects.get(comment=comment).quote.startswith("Third paragraph")
