"""The affiliation journey in a real browser, with JavaScript off: a participant asks to
speak for an organisation, the registry's secretariat confirms, the participant comments
on its behalf and the thread shows the organisation with its "verified" badge."""

import pytest
from django.contrib.auth.models import Permission

from stakeholders.models import User
from stakeholders.registry import services
from tests.stakeholders.factories import PASSWORD, OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, email, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_participant_asks_the_secretariat_confirms_and_the_badge_shows(
    live_server, new_page, secretariat, consultation, stakeholder
):
    base = live_server.url
    secretariat.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    desk = User.objects.get(pk=secretariat.pk)
    organisation = services.organisation_verify(
        actor=desk, organisation=OrganisationFactory(name="Open Data Kenya"), note="Reg. 42"
    )

    person = new_page(java_script_enabled=False)
    sign_in(person, base, stakeholder.email, PASSWORD)
    person.goto(f"{base}/me/affiliations/")
    person.get_by_label("Organisation").select_option(label="Open Data Kenya")
    person.get_by_role("button", name="Ask the secretariat").click()
    assert "waiting for the secretariat" in person.locator("table").inner_text()

    staff = new_page(java_script_enabled=False)
    sign_in(staff, base, secretariat.email, PASSWORD)
    staff.goto(f"{base}/staff/registry/affiliations/")
    staff.get_by_label("Confirm").check()
    staff.get_by_role("button", name="Record the decision").click()
    assert "No request is waiting." in staff.content()

    person.goto(f"{base}/c/{consultation.slug}/s/1-purpose-2/")
    # The comment form (the paragraph page also has "Propose new wording", issue 24).
    form = person.locator("form[action$='#comment-form']")
    form.get_by_label("Your comment").fill("Our members support this paragraph.")
    form.get_by_label("Speaking for").select_option(label=organisation.name)
    person.get_by_role("button", name="Send").first.click()
    # The receipt page names the organisation, then the thread does.
    assert "for Open Data Kenya verified" in " ".join(person.locator("main").inner_text().split())
    person.goto(f"{base}/c/{consultation.slug}/s/1-purpose-2/")
    byline = person.locator("article", has_text="Our members support").first
    assert "for Open Data Kenya verified" in " ".join(byline.inner_text().split())
