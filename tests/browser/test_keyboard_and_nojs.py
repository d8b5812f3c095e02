"""The commenting journey with the keyboard alone, and with JavaScript disabled.

Keyboard: after the first ``goto`` every step is a key press (Tab, Shift+Tab, Enter,
Space) or typed text; reading ``document.activeElement`` is the only other thing the
test does in the page, to know where the focus is and that it is visible.
"""

import pytest

from comments.models import Comment
from comments.threads import services as comment_services
from consult.models import Section
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(),
    type: e.type || "",
    text: (e.innerText || e.value || "").trim().replace(/\\s+/g, " "),
    label: e.labels && e.labels.length ? e.labels[0].innerText.trim() : "",
    outlineStyle: style.outlineStyle,
    outlineWidth: style.outlineWidth,
  };
}"""


class Keyboard:
    """Moves the focus with Tab / Shift+Tab and checks every focused link or button shows it."""

    def __init__(self, page):
        self.page = page
        self.checked = 0

    def focused(self) -> dict:
        info = self.page.evaluate(FOCUSED)
        if info["tag"] in {"a", "button", "summary"}:
            assert info["outlineStyle"] != "none" and info["outlineWidth"] != "0px", (
                f"no visible focus on {info['tag']} “{info['text']}”: "
                f"outline {info['outlineStyle']} {info['outlineWidth']}"
            )
            self.checked += 1
        return info

    def tab_to(self, matches, *, backwards=False, limit=150) -> dict:
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            info = self.focused()
            if matches(info):
                return info
        raise AssertionError(f"{key} never reached the element ({self.page.url})")


def link(text):
    return lambda info: info["tag"] == "a" and info["text"] == text


def field(label):
    return lambda info: info["label"].rstrip(":*").strip() == label


def button(text):
    return lambda info: info["tag"] == "button" and info["text"] == text


def test_commenting_with_the_keyboard_alone(live_server, new_page, consultation, stakeholder):
    base = live_server.url
    page = new_page()
    keys = Keyboard(page)
    page.goto(f"{base}/accounts/login/")

    # Sign in.
    keys.tab_to(field("Email"))
    page.keyboard.type(stakeholder.email)
    keys.tab_to(field("Password"))
    page.keyboard.type(PASSWORD)
    keys.tab_to(button("Sign In"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url

    # Go to the consultation and open paragraph 2.
    keys.tab_to(link("Consultations"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys.tab_to(link(consultation.title))
    with page.expect_navigation(url=f"**/c/{consultation.slug}/"):
        page.keyboard.press("Enter")
    keys.tab_to(link("Comment on paragraph 2"))
    with page.expect_navigation(url=f"**/c/{consultation.slug}/s/**"):
        page.keyboard.press("Enter")

    # Write the comment; Shift+Tab back from the button reaches the form again.
    keys.tab_to(field("Your comment"))
    page.keyboard.type("Keyboard users need this paragraph to name the publication deadline.")
    keys.tab_to(button("Send comment"))
    keys.tab_to(lambda info: info["tag"] in {"textarea", "input", "select"}, backwards=True)
    keys.tab_to(button("Send comment"))
    with page.expect_navigation(url="**/r/**"):
        page.keyboard.press("Space")

    comment = Comment.objects.get(
        body="Keyboard users need this paragraph to name the publication deadline."
    )
    assert comment.author == stakeholder and comment.section.ordinal == 2
    assert f"/r/{comment.receipt}/" in page.url
    assert comment.receipt in page.get_by_role("status").inner_text()
    # Read the receipt page by keyboard too: its receipt link or heading is reachable.
    assert comment.receipt in page.locator("main").inner_text()
    assert keys.checked >= 5, "the focus outline was checked on too few links and buttons"


def test_commenting_and_replying_without_javascript(
    live_server, new_page, consultation, other_stakeholder, confirm_email
):
    base = live_server.url
    earlier = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key=Section.objects.filter(version__consultation=consultation, ordinal=2)
        .latest("version__number")
        .key,
        body="Publication within a month is realistic.",
    )
    page = new_page(java_script_enabled=False)
    page.goto(f"{base}/accounts/signup/")

    page.get_by_label("Email").fill("nojs@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    # Signing in waits for the address to be confirmed: the link in the sign-up
    # mail signs in and leads to the profile form.
    confirm_email(page, "nojs@example.org")
    page.get_by_label("Display name or pseudonym").fill("Kofi")
    page.get_by_label("Civil society").check()
    page.get_by_label("Country").select_option("GH")
    page.get_by_role("button", name="Save profile").click()

    page.goto(f"{base}/c/{consultation.slug}/")
    page.get_by_role("link", name="Comment on paragraph 2").click()
    page.get_by_label("Your comment").fill("Without scripts this form still works.")
    page.get_by_role("button", name="Send comment").click()
    comment = Comment.objects.get(body="Without scripts this form still works.")
    assert comment.author.email == "nojs@example.org"
    assert f"/r/{comment.receipt}/" in page.url
    assert comment.receipt in page.get_by_role("status").inner_text()

    # The reply box is a plain <details>: it opens without JavaScript.
    page.goto(f"{base}/c/{consultation.slug}/s/{earlier.section.key}/")
    page.get_by_text(f"Reply to {earlier.receipt}", exact=True).click()
    page.get_by_label(f"Your reply to {earlier.receipt}", exact=True).fill(
        "Agreed, for most agencies."
    )
    page.locator(f"#c-{earlier.receipt}").get_by_role("button", name="Send reply").click()
    reply = Comment.objects.get(body="Agreed, for most agencies.")
    assert reply.parent == earlier and reply.author.email == "nojs@example.org"
    assert f"/r/{reply.receipt}/" in page.url
    assert reply.receipt in page.get_by_role("status").inner_text()
