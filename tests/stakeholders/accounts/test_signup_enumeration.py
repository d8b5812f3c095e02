"""Sign-up does not tell whether an address already has an account (issue 21, finding 9).

allauth's ACCOUNT_PREVENT_ENUMERATION, which needs mandatory confirmation: a
known address gets the same answer as a new one, and its owner a mail.
"""

import pytest
from django.urls import reverse

from stakeholders.models import User
from tests.stakeholders.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(client, email):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def test_a_known_address_gets_the_same_answer_as_a_new_one(client, stakeholder, mailoutbox):
    known = sign_up(client, stakeholder.email)
    new = sign_up(client.__class__(), "someone-new@example.org")
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"] == reverse("account_email_verification_sent")
    page = client.get(known["Location"]).content.decode()
    assert "already" not in page.lower()
    assert User.objects.filter(email=stakeholder.email).count() == 1
    # The address's owner is told instead, by mail.
    to_owner = [m for m in mailoutbox if stakeholder.email in m.to]
    assert len(to_owner) == 1 and "Already Exists" in to_owner[0].subject


def test_the_form_never_says_already_registered(client, stakeholder):
    response = sign_up(client, stakeholder.email.upper())
    follow = client.get(response["Location"]) if response.status_code == 302 else response
    assert "already registered" not in follow.content.decode().lower()
    assert "_auth_user_id" not in client.session
