"""A first comment needs a confirmed email address (comments.permissions.require_can_comment)."""

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from comments import permissions
from comments.models import Comment
from comments.threads import services
from stakeholders.models import Participant, User
from tests.api.helpers import comments_url
from tests.stakeholders.factories import PASSWORD, ParticipantFactory, api_token_for
from tests.stakeholders.factories import group as stakeholder_group

CONFIRM_LINK = re.compile(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/")


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
        return client

    return make


@pytest.fixture
def unverified(db):
    return ParticipantFactory(
        display_name="Newcomer", user__email="new@example.org", user__verified_email=False
    ).user


def section_url(consultation) -> str:
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    return reverse("section", args=[consultation.slug, key])


def confirm_link(mailoutbox, to: str) -> str:
    bodies = [m.body for m in mailoutbox if to in m.to]
    links = [match for body in bodies for match in CONFIRM_LINK.findall(body)]
    assert links, f"no confirmation link mailed to {to}"
    return links[-1]


def test_factory_participants_are_verified(stakeholder):
    assert permissions.has_verified_email(stakeholder)


def test_page_says_to_confirm_and_offers_to_send_the_mail_again(client, consultation, unverified):
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    earlier = services.comment_create(
        actor=ParticipantFactory().user,
        consultation=consultation,
        section_key=key,
        body="An earlier thread.",
    )
    client.force_login(unverified)
    page = client.get(section_url(consultation)).content.decode()
    assert "Confirm your email address to comment" in page
    assert "new@example.org" in page
    resend = re.search(
        r'<form method="post" action="/accounts/email/" class="inline">(.*?)</form>', page, re.S
    )
    assert 'name="email" value="new@example.org"' in resend.group(1)
    assert 'name="action_send"' in resend.group(1)
    assert "Your comment" not in page  # no comment form
    assert "Send reply" not in page  # and no reply boxes
    thread = client.get(reverse("thread", args=[consultation.slug, key, earlier.receipt]))
    assert thread.status_code == 200
    assert "Send reply" not in thread.content.decode()
    client.force_login(ParticipantFactory().user)  # a confirmed participant gets them
    assert "Send reply" in client.get(section_url(consultation)).content.decode()


def test_unverified_account_cannot_comment_through_the_page(client, consultation, unverified):
    client.force_login(unverified)
    response = client.post(section_url(consultation), {"body": "Hello", "visibility": "public"})
    assert response.status_code == 403
    assert "Confirm your email address before commenting" in response.content.decode()
    assert Comment.objects.count() == 0


def test_unverified_account_cannot_comment_through_the_api(client_for, consultation, unverified):
    response = client_for(unverified).post(
        comments_url(consultation), {"body": "Hello"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Confirm your email address before commenting")
    assert Comment.objects.count() == 0


def test_service_refuses_an_unverified_account(consultation, unverified):
    with pytest.raises(PermissionDenied):
        services.comment_create(actor=unverified, consultation=consultation, body="Hello")
    assert Comment.objects.count() == 0


def test_only_the_sign_in_address_counts(consultation, unverified):
    """A confirmed second address does not stand in for the one receipts go to."""
    EmailAddress.objects.create(user=unverified, email="other@example.org", verified=True)
    assert not permissions.has_verified_email(unverified)
    EmailAddress.objects.filter(email="new@example.org").update(verified=True)
    assert permissions.has_verified_email(unverified)


def test_send_again_mails_a_link_and_following_it_allows_comments(
    client, client_for, consultation, unverified, mailoutbox
):
    client.force_login(unverified)
    response = client.post(
        reverse("account_email"), {"email": "new@example.org", "action_send": ""}
    )
    assert response.status_code == 302
    link = confirm_link(mailoutbox, "new@example.org")

    response = client.post(link)  # the confirmation page's button
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.org").verified

    response = client.post(
        section_url(consultation), {"body": "Now I can.", "visibility": "public"}
    )
    assert response.status_code == 302
    response = client_for(unverified).post(
        comments_url(consultation), {"body": "And by API."}, format="json"
    )
    assert response.status_code == 201
    assert Comment.objects.filter(author=unverified).count() == 2


@pytest.mark.django_db
def test_sign_up_then_confirm_then_comment(client, consultation, mailoutbox):
    """The whole way in: the sign-up mail's link signs in (sign-in waits for it)."""
    response = client.post(
        reverse("account_signup"),
        {"email": "amina@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"login": "amina@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session  # not before the address is confirmed

    client.post(confirm_link(mailoutbox, "amina@example.org"))
    assert "_auth_user_id" in client.session

    client.post(
        reverse("profile"),
        {
            "display_name": "Amina",
            "group": stakeholder_group("technical-community").pk,
            "country": "KE",
            "gender": "",
        },
    )
    assert Participant.objects.filter(display_name="Amina").exists()
    url = section_url(consultation)
    page = client.get(url).content.decode()
    assert "Confirm your email address" not in page
    response = client.post(url, {"body": "Confirmed, here I am.", "visibility": "public"})
    assert response.status_code == 302
    assert Comment.objects.get().body == "Confirmed, here I am."


@pytest.mark.django_db
def test_demo_participants_are_verified():
    call_command("seed_demo", "--quiet-mail", stdout=StringIO())
    users = list(User.objects.filter(participant__isnull=False))
    assert len(users) > 3
    assert all(permissions.has_verified_email(user) for user in users)
