"""Accounts in the site's look (issue 22): allauth's mails say the site's name, the
way back to the page the person came from survives sign-up and confirmation, only
people with a role see "Staff", and ``make run`` sets PLENARY_SITE_URL from PORT."""

import re
import subprocess  # nosec B404: make -n, to read the run target's commands
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.comments.threads.test_email_verification import confirm_link
from tests.stakeholders.factories import PASSWORD, ParticipantFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def paragraph(consultation) -> str:
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    return reverse("section", args=[consultation.slug, key])


def sign_up_from(client, url: str, email: str = "amina@example.org"):
    page = client.get(url).content.decode()
    header = page[page.index('<header class="site-header">') : page.index("</header>")]
    # The header's "Sign up" link (on every page) carries the page the person is on.
    match = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', header)
    assert match, "the header's Sign up link carries no next"
    signup = match.group(1).replace("&amp;", "&")
    response = client.post(signup, {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302


def test_the_confirmation_mail_says_the_site_name_not_the_host(
    client, consultation, mailoutbox, settings
):
    settings.PLENARY_SITE_NAME = "Open Policy Forum"
    sign_up_from(client, paragraph(consultation))
    [mail] = [m for m in mailoutbox if "amina@example.org" in m.to]
    assert mail.subject.startswith("[Open Policy Forum] ")
    assert "Hello from Open Policy Forum!" in mail.body
    assert "testserver" not in mail.subject and "Hello from testserver" not in mail.body


def test_after_confirming_the_person_returns_to_the_paragraph(client, consultation, mailoutbox):
    url = paragraph(consultation)
    sign_up_from(client, url)
    response = client.post(confirm_link(mailoutbox, "amina@example.org"))
    assert "_auth_user_id" in client.session
    assert response.status_code == 302 and response.url == url


def test_only_people_with_a_role_see_staff(client, consultation, stakeholder, moderator):
    staff_link = f'href="{reverse("staff_home")}"'
    client.force_login(stakeholder)
    assert staff_link not in client.get(reverse("home")).content.decode()
    client.force_login(moderator)
    assert staff_link in client.get(reverse("home")).content.decode()
    creator = ParticipantFactory().user
    creator.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    client.force_login(creator)
    assert staff_link in client.get(reverse("home")).content.decode()


def test_make_run_sets_the_site_url_from_port():
    commands = subprocess.run(  # nosec B603 B607: a dry run of our own Makefile
        ["make", "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    runserver = next(line for line in commands.splitlines() if "runserver" in line)
    assert "http://127.0.0.1:8101" in runserver and "PLENARY_SITE_URL" in runserver
