"""Work shared in a team, in a real browser and without JavaScript's help: the
secretariat assigns a comment from triage to a drafter, the drafter drafts a decision
from their queue (no publish button for them), the secretariat publishes it."""

import pytest

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.models import Assignment, DispositionDraft, DispositionEntry
from tests.stakeholders.factories import PASSWORD, ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_secretariat_assigns_drafter_drafts_secretariat_publishes(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    drafter = ParticipantFactory(display_name="Drafter", user__email="drafter@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=drafter, role=Role.DRAFTER
    )
    comment, other = (
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body=body
        )
        for body in ("Name the licence: CC BY 4.0.", "Publish the data monthly.")
    )

    # 1. The secretariat ticks one comment in triage and assigns it to the drafter.
    staff = new_page()
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/c/{consultation.slug}/triage/")
    staff.get_by_label(f"Select {comment.receipt}").check()
    staff.get_by_label("Team member").select_option(label=f"Drafter ({drafter.email})")
    staff.get_by_role("button", name="Assign the selected comments", exact=True).click()
    assert "1 comment assigned to drafter@example.org" in staff.get_by_role("status").inner_text()
    assert Assignment.objects.get().comment == comment

    # 2. The drafter finds it in their queue, drafts, and cannot publish.
    person = new_page()
    sign_in(person, base, drafter.email, PASSWORD)
    person.goto(f"{base}/staff/c/{consultation.slug}/")
    person.get_by_role("link", name="My queue").click()
    queue = person.locator("#my-queue").inner_text()
    assert comment.receipt in queue
    assert other.receipt not in queue
    person.get_by_role("link", name=f"Draft a decision on {comment.receipt}").click()
    assert person.get_by_role("button", name="Publish and notify the commenter").count() == 0
    person.get_by_label("accepted", exact=True).check()
    person.get_by_label("Rationale").fill("Agreed: the licence will be named.")
    person.get_by_role("button", name="Save draft").click()
    assert "Draft decision saved" in person.get_by_role("status").inner_text()
    assert DispositionDraft.objects.get(comment=comment).drafted_by == drafter
    assert not DispositionEntry.objects.exists()

    # 3. The secretariat publishes the drafted decisions.
    staff.goto(f"{base}/staff/c/{consultation.slug}/triage/?status=drafted")
    staff.get_by_role("button", name="Publish all drafts (1)").click()
    assert "1 decision published" in staff.get_by_role("status").inner_text()
    entry = DispositionEntry.objects.get()
    assert (entry.comment, entry.status, entry.decided_by) == (comment, "accepted", drafter)
    staff.goto(f"{base}/staff/c/{consultation.slug}/workload/")
    row = staff.locator("#workload tbody tr").inner_text()
    assert drafter.email in row
