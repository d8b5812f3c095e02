"""Answering a long comment point by point in a real browser, without JavaScript
on the team's page: the secretariat splits by paragraph, decides two points and
publishes; the author reads each point's answer on the receipt page."""

import pytest

from comments.threads import services as comment_services
from feedback.models import DispositionEntry
from tests.browser.test_appeal_journey import sign_in
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LETTER = (
    "Name the licence: CC BY 4.0.\n\n"
    "Cover the regulators too, since they enforce it.\n\n"
    "Publish the register every quarter."
)


def test_secretariat_answers_point_by_point_and_the_author_reads_each_answer(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="3-licensing-1", body=LETTER
    )

    staff = new_page(java_script_enabled=False)
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/comments/{comment.receipt}/decide/")
    staff.get_by_role("link", name="Answer this comment point by point").click()
    rows = staff.locator("tbody tr")
    rows.nth(0).get_by_label("Paragraph 1").check()
    rows.nth(1).get_by_label("Paragraph 2").check()
    rows.nth(1).get_by_label("New point here").check()
    staff.get_by_role("button", name="Make points of the ticked paragraphs").click()
    assert "2 points added." in staff.get_by_role("status").inner_text()

    one = staff.locator("#point-1")
    one.get_by_label("accepted", exact=True).check()
    one.get_by_role("button", name="Save draft").click()
    two = staff.locator("#point-2")
    two.get_by_label("not accepted", exact=True).check()
    two.get_by_label("Rationale").fill("Regulators are covered by their own statute.")
    two.get_by_role("button", name="Save draft").click()
    staff.get_by_role("button", name="Publish the 2 drafted point decisions").click()
    assert "2 decisions published" in staff.get_by_role("status").inner_text()
    assert DispositionEntry.objects.filter(point__comment=comment).count() == 2

    person = new_page()
    sign_in(person, base, stakeholder.email, PASSWORD)
    person.goto(f"{base}/r/{comment.receipt}/")
    first = person.locator("#point-1").inner_text()
    second = person.locator("#point-2").inner_text()
    assert f"{comment.receipt}-1" in first and "accepted" in first
    assert "Name the licence" in first
    assert f"{comment.receipt}-2" in second and "not accepted" in second
    assert "their own statute" in second
    assert "2 points:" in person.content()
