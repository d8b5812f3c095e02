"""The foundation's journey in a real browser: two people, four steps, no shortcuts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from comments.models import Comment
from comments.threads import services as comment_services
from consult.models import Consultation
from feedback.models import DispositionEntry
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT = """# Draft policy on community networks

## Licensing
Spectrum for community networks is licensed at nominal cost.

Licences are granted within 60 days of a complete application.

## Funding
A universal service fund supports last-mile networks.
"""


def sign_in(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_secretariat_and_stakeholder_close_the_loop(
    live_server, new_page, secretariat, other_stakeholder, confirm_email
):
    base = live_server.url

    # 1. The secretariat creates a consultation, pastes the draft, opens a round.
    staff = new_page()
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/")
    staff.get_by_role("link", name="New consultation").click()
    staff.get_by_label("Title").fill("Community networks")
    staff.get_by_label("Summary").fill("How should community networks be licensed and funded?")
    staff.get_by_label("Goals").fill("Hear every stakeholder group.")
    staff.get_by_label("Ground rules").fill("Be civil; stay on the text.")
    staff.get_by_role("button", name="Create consultation").click()
    staff.get_by_label("Draft in Markdown").fill(DRAFT)
    staff.get_by_role("button", name="Import").click()
    assert "3 sections" in staff.content()
    staff.get_by_role("link", name="Open a round").click()
    closes = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    staff.get_by_label("Closes at").fill(closes)
    staff.get_by_role("button", name="Open the round").click()
    assert "The round is scheduled." in staff.content()
    consultation = Consultation.objects.get(title="Community networks")
    assert consultation.status == "published"

    # Someone else has already commented on paragraph 2.
    earlier = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="licensing-2",
        body="Sixty days is reasonable for rural applicants.",
    )

    # 2. A stakeholder signs up, fills the profile, comments and replies.
    person = new_page()
    person.goto(f"{base}/accounts/signup/")
    person.get_by_label("Email").fill("amina@example.org")
    person.get_by_label("Password:", exact=True).fill(PASSWORD)
    person.get_by_label("Password (again)").fill(PASSWORD)
    person.get_by_role("button", name="Sign Up").click()
    # Signing in waits for the address to be confirmed: the link in the sign-up
    # mail signs in and leads to the profile form.
    confirm_email(person, "amina@example.org")
    person.get_by_label("Display name or pseudonym").fill("Amina")
    person.get_by_label("Technical community").check()
    person.get_by_label("Country").select_option("KE")
    person.get_by_role("button", name="Save profile").click()
    person.goto(f"{base}/c/{consultation.slug}/")
    person.get_by_role("link", name="Comment on paragraph 2").click()
    person.get_by_label("Your comment").fill("Sixty days is too long; thirty would do.")
    person.get_by_role("button", name="Send comment").click()
    comment = Comment.objects.get(body="Sixty days is too long; thirty would do.")
    assert f"/r/{comment.receipt}/" in person.url
    assert comment.receipt in person.get_by_role("status").inner_text()

    person.goto(f"{base}/c/{consultation.slug}/s/licensing-2/")
    person.get_by_text(f"Reply to {earlier.receipt}", exact=True).click()
    person.get_by_label(f"Your reply to {earlier.receipt}", exact=True).fill(
        "Not for urban operators."
    )
    person.get_by_role("button", name="Send reply").first.click()
    reply = Comment.objects.get(body="Not for urban operators.")
    assert reply.parent == earlier and reply.root == earlier

    # 3. The secretariat decides "partly accepted" and publishes; the commenter is mailed.
    staff.goto(f"{base}/staff/c/{consultation.slug}/triage/")
    staff.get_by_role("link", name=f"Decide on {comment.receipt}").click()
    staff.get_by_label("partly accepted").check()
    staff.get_by_label("Rationale").fill("Thirty days is too short for review; we say 45.")
    staff.get_by_role("button", name="Publish and notify the commenter").click()
    assert "published" in staff.get_by_role("status").inner_text()
    assert DispositionEntry.objects.filter(comment=comment, status="partly_accepted").count() == 1
    decision_mails = [
        m for m in mail.outbox if "decision" in m.subject and comment.receipt in m.subject
    ]
    assert [m.to for m in decision_mails] == [["amina@example.org"]]
    assert f"/r/{comment.receipt}/" in decision_mails[0].body

    # 4. The commenter sees it on /me/input/; anyone sees it at /r/ and in the ledger.
    person.goto(f"{base}/me/input/")
    mine = person.get_by_role("article").filter(has_text=comment.receipt)
    assert "partly accepted" in mine.inner_text()
    assert "we say 45" in mine.inner_text()
    anyone = new_page()
    anyone.goto(f"{base}/r/{comment.receipt}/")
    assert "partly accepted" in anyone.content()
    assert "we say 45" in anyone.content()
    anyone.goto(f"{base}/c/{consultation.slug}/ledger/")
    ledger_row = anyone.get_by_role("row").filter(has_text=comment.receipt)
    assert "partly accepted" in ledger_row.inner_text()
