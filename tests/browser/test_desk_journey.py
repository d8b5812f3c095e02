"""Issue 23's proof journey, in a real browser and without JavaScript: the
secretariat splits a long comment into two points and assigns the comment to a
drafter from triage; the drafter drafts the comment's decision from their queue
(and cannot publish); the secretariat publishes it, decides both points and
publishes them; the author reads the comment's decision and each point's answer
on /r/<receipt>/."""

import pytest

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.models import Assignment, CommentPoint, DispositionDraft, DispositionEntry
from tests.browser.test_appeal_journey import sign_in
from tests.stakeholders.factories import PASSWORD, ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LETTER = (
    "Name the licence in the text: CC BY 4.0.\r\n\r\n"
    "Cover the regulators too, since they enforce it."
)


def test_secretariat_splits_and_assigns_drafter_drafts_secretariat_publishes_author_reads(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    drafter = ParticipantFactory(display_name="Drafter", user__email="drafter@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=drafter, role=Role.DRAFTER
    )
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="3-licensing-1", body=LETTER
    )

    # 1. The secretariat splits the comment into two points, one per paragraph.
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
    assert list(CommentPoint.objects.order_by("number").values_list("quote", flat=True)) == [
        "Name the licence in the text: CC BY 4.0.",
        "Cover the regulators too, since they enforce it.",
    ]

    # 2. ... and assigns the comment to the drafter from triage.
    staff.goto(f"{base}/staff/c/{consultation.slug}/triage/")
    staff.get_by_label(f"Select {comment.receipt}").check()
    staff.get_by_label("Team member").select_option(label=f"Drafter ({drafter.email})")
    staff.get_by_role("button", name="Assign the selected comments", exact=True).click()
    assert "1 comment assigned to drafter@example.org" in staff.get_by_role("status").inner_text()
    assert Assignment.objects.get().assignee == drafter

    # 3. The drafter drafts the comment's decision from their queue; no publish button.
    person = new_page(java_script_enabled=False)
    sign_in(person, base, drafter.email, PASSWORD)
    person.goto(f"{base}/staff/c/{consultation.slug}/")
    person.get_by_role("link", name="My queue").click()
    assert comment.receipt in person.locator("#my-queue").inner_text()
    person.get_by_role("link", name=f"Draft a decision on {comment.receipt}").click()
    assert person.get_by_role("button", name="Publish and notify the commenter").count() == 0
    person.get_by_label("partly accepted", exact=True).check()
    person.get_by_label("Rationale").fill("The licence is named; regulators, see point 2.")
    person.get_by_role("button", name="Save draft").click()
    assert "Draft decision saved" in person.get_by_role("status").inner_text()
    assert DispositionDraft.objects.get(comment=comment).drafted_by == drafter
    assert not DispositionEntry.objects.exists()

    # 4. The secretariat publishes the comment's decision, then decides and publishes
    # both points.
    staff.goto(f"{base}/staff/c/{consultation.slug}/triage/?status=drafted")
    staff.get_by_role("button", name="Publish all drafts (1)").click()
    assert "1 decision published" in staff.get_by_role("status").inner_text()
    staff.goto(f"{base}/staff/comments/{comment.receipt}/points/")
    one = staff.locator("#point-1")
    one.get_by_label("accepted", exact=True).check()
    one.get_by_role("button", name="Save draft").click()
    two = staff.locator("#point-2")
    two.get_by_label("not accepted", exact=True).check()
    two.get_by_label("Rationale").fill("Regulators are covered by their own statute.")
    two.get_by_role("button", name="Save draft").click()
    staff.get_by_role("button", name="Publish the 2 drafted point decisions").click()
    assert "2 decisions published" in staff.get_by_role("status").inner_text()
    entries = DispositionEntry.objects.order_by("sequence")
    assert [(e.point.number if e.point else None, e.status) for e in entries] == [
        (None, "partly_accepted"),
        (1, "accepted"),
        (2, "not_accepted"),
    ]
    assert entries[0].decided_by == drafter

    # 5. The author reads the comment's decision and each point's answer.
    author = new_page(java_script_enabled=False)
    sign_in(author, base, stakeholder.email, PASSWORD)
    author.goto(f"{base}/r/{comment.receipt}/")
    assert "partly accepted" in author.locator("dl.facts").inner_text()
    assert "regulators, see point 2" in author.content()
    first = author.locator("#point-1").inner_text()
    second = author.locator("#point-2").inner_text()
    assert f"{comment.receipt}-1" in first and "accepted" in first and "CC BY 4.0" in first
    assert f"{comment.receipt}-2" in second and "not accepted" in second
    assert "Cover the regulators" in second and "their own statute" in second
