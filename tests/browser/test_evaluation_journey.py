"""The process evaluation and a meeting in a real browser, with JavaScript off: a
participant answers the three scales (radio buttons in fieldsets) once; the meeting page
offers its .ics file.  axe-core checks each page of the two features."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from comments.threads import services as comment_services
from consult.meetings import services as meetings
from feedback.models import EvaluationResponse
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import PASSWORD, ParticipantFactory, convenor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def assert_accessible(page):
    """No serious or critical axe-core violation (as tests/browser/test_accessibility.py)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert not blocking, f"{page.url}: " + "; ".join(blocking)


def test_participant_evaluates_once_without_javascript(live_server, new_page):
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        secretariat = convenor(email="sec-eval@example.org")
        consultation = open_consultation(secretariat=secretariat, days=30)
        amara = ParticipantFactory(user__email="amara-eval@example.org").user
        comment_services.comment_create(
            actor=amara, consultation=consultation, section_key="2-scope-1", body="Mine."
        )
        meeting = meetings.meeting_create(
            actor=secretariat,
            consultation=consultation,
            title="Regional meeting",
            kind="online",
            starts_at=timezone.now() + timedelta(days=3),
            ends_at=timezone.now() + timedelta(days=3, hours=2),
            timezone="Africa/Nairobi",
            link="https://meet.example.org/r",
            language="sw",
        )
    base = live_server.url
    checker = new_page()  # axe-core needs JavaScript; the journey below runs without it
    sign_in(checker, base, amara.email)
    assert checker.goto(f"{base}/c/{consultation.slug}/evaluation/").status == 200
    assert_accessible(checker)

    page = new_page(java_script_enabled=False)
    sign_in(page, base, amara.email)

    page.goto(f"{base}/c/{consultation.slug}/")
    page.get_by_role("link", name="tell the secretariat how the process went").click()
    page.get_by_role("group", name="The process was clear").get_by_label("4").check()
    page.get_by_role("group", name="I felt safe to speak").get_by_label("5: fully").check()
    page.get_by_role("group", name="I got feedback on my input").get_by_label("2").check()
    page.get_by_label("Anything else? (optional)").fill("More time to read, please.")
    page.get_by_role("button", name="Send my evaluation").click()
    page.wait_for_url(f"{base}/c/{consultation.slug}/")
    assert "Thank you: your evaluation is recorded." in page.content()

    page.goto(f"{base}/c/{consultation.slug}/evaluation/")
    assert "You already answered" in page.content()
    assert page.get_by_role("button", name="Send my evaluation").count() == 0
    row = EvaluationResponse.objects.get()
    assert (row.clarity, row.safety, row.feedback) == (4, 5, 2)

    page.goto(f"{base}/c/{consultation.slug}/meetings/{meeting.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar (.ics)").click()
    body = Path(download.value.path()).read_bytes()
    assert b"BEGIN:VEVENT" in body and b"TZID=Africa/Nairobi" in body

    # axe-core needs JavaScript: the staff pages, the meeting page and the results.
    staff = new_page()
    sign_in(staff, base, secretariat.email)
    for path in (
        f"/c/{consultation.slug}/meetings/{meeting.pk}/",
        f"/staff/c/{consultation.slug}/meetings/",
        f"/staff/c/{consultation.slug}/meetings/new/",
        f"/staff/c/{consultation.slug}/meetings/{meeting.pk}/summary/",
        f"/staff/c/{consultation.slug}/evaluation/",
    ):
        assert staff.goto(f"{base}{path}").status == 200, path
        assert_accessible(staff)
