"""Disputed authorship in a real browser without JavaScript, by keyboard (issue 25):
someone reports a comment made in another's name, the named person confirms with
the link mailed to them (a real SMTP sink), the receipt shows the mark, and the
secretariat upholds it."""

import re

import pytest
from django.test.utils import override_settings

from comments.models import Dispute
from comments.threads import services as comment_services
from feedback.models import LedgerEvent
from tests.browser.test_appeal_journey import sign_in
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARK = "Disputed: the named person says they did not submit it"


def test_a_report_confirmed_by_the_mailed_link_and_upheld_by_the_secretariat(
    live_server, new_page, smtp, secretariat, consultation, stakeholder, other_stakeholder
):
    base = live_server.url
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Sell the data to the highest bidder.",
    )
    smtp.clear()  # the receipt
    with override_settings(SITE_URL=base):
        reporter = new_page(java_script_enabled=False, viewport={"width": 360, "height": 740})
        sign_in(reporter, base, other_stakeholder.email, PASSWORD)
        reporter.goto(f"{base}/r/{comment.receipt}/")
        reporter.get_by_role("link", name=re.compile("This was not me")).focus()
        reporter.keyboard.press("Enter")
        reporter.get_by_label("Why do you say it was not you?").fill(
            "My neighbour says she never wrote this."
        )
        reporter.get_by_role("button", name="Send the report").press("Enter")
        assert "asked the person named" in reporter.content()
        assert MARK not in reporter.content()

        (mail,) = smtp.wait_for(1, 10)
        assert mail.rcpt_tos == (stakeholder.email,)
        link = re.search(r"(https?://\S+/disputes/\S+/)", mail.text).group(1)

        named = new_page(java_script_enabled=False, viewport={"width": 360, "height": 740})
        named.goto(link)
        assert "Sell the data" in named.content()
        named.get_by_role("button", name="Yes, I did not submit this").press("Enter")
        assert "now shows that the named person says" in named.content()
        named.goto(f"{base}/r/{comment.receipt}/")
        assert MARK in named.content()
        assert named.evaluate("document.documentElement.scrollWidth") <= 360
        named.goto(link)  # used: refused
        assert "used already" in named.content()

    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.confirmed_by) == ("confirmed", "link")
    staff = new_page(java_script_enabled=False)
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/c/{consultation.slug}/disputes/?status=confirmed")
    staff.get_by_role("link", name=re.compile(f"Open the dispute on {comment.receipt}")).click()
    staff.get_by_label("Uphold: it was not made by the named person").check()
    staff.get_by_label("Reason").fill("The named person confirmed by mail.")
    staff.get_by_role("button", name="Record the decision").click()
    assert "decided: upheld by the secretariat" in staff.content()
    dispute.refresh_from_db()
    assert dispute.status == "upheld"
    assert [e.payload["status"] for e in LedgerEvent.objects.order_by("sequence")] == [
        "confirmed",
        "upheld",
    ]
