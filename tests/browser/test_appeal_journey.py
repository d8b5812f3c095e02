"""The appeal journey in a real browser: a commenter appeals a published decision, the
secretariat answers it from the appeals list, the commenter reads the answer."""

import pytest
from django.core import mail

from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from feedback.models import Appeal, DispositionEntry
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_commenter_appeals_and_the_secretariat_answers(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="3-licensing-1",
        body="Name the licence: CC BY 4.0.",
    )
    feedback_services.disposition_record(
        actor=secretariat,
        comment=comment,
        status="not_accepted",
        rationale="The licence is chosen by each ministry.",
        publish=True,
    )
    mail.outbox.clear()

    # 1. The commenter opens the receipt page and appeals, with a reason.
    person = new_page()
    sign_in(person, base, stakeholder.email, PASSWORD)
    person.goto(f"{base}/r/{comment.receipt}/")
    person.get_by_label("Why should the decision be reconsidered?").fill(
        "The draft itself promises one open licence for all."
    )
    person.get_by_role("button", name="Appeal this decision").click()
    assert "Your appeal is recorded" in person.get_by_role("status").inner_text()
    appeal = Appeal.objects.get(comment=comment)
    history = person.locator("section", has=person.get_by_role("heading", name="What happened"))
    assert "awaiting the secretariat" in history.inner_text()
    assert person.get_by_role("button", name="Appeal this decision").count() == 0
    filed = [m for m in mail.outbox if "Appeal on comment" in m.subject]
    assert [m.to for m in filed] == [[secretariat.email]]

    # 2. The secretariat opens the appeals list and answers with a rationale.
    staff = new_page()
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/c/{consultation.slug}/")
    staff.get_by_role("link", name="Appeals (1 open)").click()
    staff.get_by_role("link", name=f"Answer the appeal on {comment.receipt}").click()
    assert f"appeal={appeal.pk}" in staff.url
    assert "one open licence for all" in staff.locator("#appeal-notice").inner_text()
    staff.get_by_label("partly accepted").check()
    staff.get_by_label("Rationale").fill(
        "Fair point: the open licence will be named; ministries may add others."
    )
    staff.get_by_role("button", name="Publish and notify the commenter").click()
    assert "published" in staff.get_by_role("status").inner_text()
    assert "No appeal waits for an answer." in staff.content()
    answer = DispositionEntry.objects.get(appeal=appeal)
    assert answer.status == "partly_accepted"

    # 3. The commenter sees the answer in the history, and was mailed once.
    person.goto(f"{base}/r/{comment.receipt}/")
    history = person.locator("section", has=person.get_by_role("heading", name="What happened"))
    text = history.inner_text()
    assert "The answer to the appeal filed on" in text
    assert "the open licence will be named" in text
    assert "answered on" in text
    to_commenter = [m for m in mail.outbox if m.to == [stakeholder.email]]
    assert len(to_commenter) == 1
    assert "answer to your appeal" in to_commenter[0].body
    assert comment.receipt in to_commenter[0].subject
