"""The participation pages in a real browser: axe-core finds no serious or critical
violation on the staff dashboard and the public summary (desktop and a 360-pixel phone),
and the secretariat sends an invitation from the keyboard, without JavaScript."""

import pytest

from comments.threads import services as comment_services
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import PASSWORD, ParticipantFactory, convenor, group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_balance_pages_are_accessible_and_invite_works_by_keyboard(live_server, new_page):
    from axe_playwright_python.sync_playwright import Axe

    secretariat = convenor(email="secretariat@example.org")
    consultation = open_consultation(secretariat=secretariat)
    for n, slug in enumerate(["government", "civil-society", "civil-society", "users"]):
        author = ParticipantFactory(
            user__email=f"p{n}@example.org", group=group(slug), gender="Female"
        ).user
        comment_services.comment_create(
            actor=author, consultation=consultation, section_key="1-purpose-1", body="Hello."
        )
    base = live_server.url
    page = new_page()
    sign_in(page, base, secretariat.email)
    axe = Axe()
    blocking = []
    for path in (
        f"/staff/c/{consultation.slug}/balance/",
        f"/c/{consultation.slug}/participation/",
    ):
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            assert page.goto(f"{base}{path}").status == 200
            blocking += [
                f"{path} @{width}: {violation['id']} {violation['help']}"
                for violation in axe.run(page).response["violations"]
                if violation["impact"] in {"serious", "critical"}
            ]
    assert not blocking, blocking

    page = new_page(java_script_enabled=False)
    sign_in(page, base, secretariat.email)
    page.goto(f"{base}/staff/c/{consultation.slug}/balance/")
    page.get_by_label("Subject").fill("Come and comment")
    page.get_by_role("button", name="Send the invitation").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("The invitation is on its way to 0 people.").wait_for()
    assert page.url.endswith(f"/staff/c/{consultation.slug}/balance/")
