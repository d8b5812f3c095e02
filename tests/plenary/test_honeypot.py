"""The honeypot on the comment, reply and sign-up forms (plenary/honeypot.py)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from comments.models import Comment
from stakeholders.models import User
from tests.stakeholders.factories import PASSWORD

REFUSAL = "This form could not be sent. Please try again."


def section_url(consultation) -> str:
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    return reverse("section", args=[consultation.slug, key])


def honeypots(page: str) -> list[str]:
    return re.findall(r'<span class="honeypot" aria-hidden="true">.*?</span>', page, re.S)


def assert_hidden_accessibly(snippet: str) -> None:
    assert "Leave this empty" in snippet  # what a bot reading labels is told
    assert 'tabindex="-1"' in snippet  # the keyboard skips it
    assert 'autocomplete="off"' in snippet  # browsers do not fill it
    assert 'value=""' in snippet
    label_for = re.search(r'<label for="([^"]+)"', snippet).group(1)
    assert f'id="{label_for}"' in snippet


def test_comment_form_and_reply_forms_carry_a_hidden_honeypot(client, consultation, stakeholder):
    client.force_login(stakeholder)
    client.post(section_url(consultation), {"body": "A first thread.", "visibility": "public"})
    page = client.get(section_url(consultation)).content.decode()
    snippets = honeypots(page)
    assert len(snippets) == 3  # the comment form, "Propose new wording", the one reply form
    for snippet in snippets:
        assert_hidden_accessibly(snippet)
    ids = re.findall(r'id="((?:id_|amend_)?website[^"]*)"', page)
    assert len(ids) == len(set(ids)) == 3  # ids stay unique


def test_honeypot_css_keeps_it_off_screen():
    text = Path(finders.find("css/plenary.css")).read_text()
    rule = re.search(r"\.honeypot \{([^}]*)\}", text).group(1)
    assert "position: absolute" in rule and "left: -10000px" in rule


def test_filled_honeypot_refuses_a_comment_and_stores_nothing(client, consultation, stakeholder):
    client.force_login(stakeholder)
    response = client.post(
        section_url(consultation),
        {"body": "Buy cheap pills", "visibility": "public", "website": "http://spam.example"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSAL in page
    assert "Buy cheap pills</textarea>" in page  # a person's text is not lost
    assert "spam.example" not in page  # the trap is never filled back in
    assert Comment.objects.count() == 0


def test_filled_honeypot_refuses_a_reply(client, consultation, stakeholder):
    client.force_login(stakeholder)
    client.post(section_url(consultation), {"body": "Root", "visibility": "public"})
    root = Comment.objects.get()
    response = client.post(
        section_url(consultation),
        {"body": "Spam reply", "parent": root.receipt, "visibility": "public", "website": "x"},
    )
    assert REFUSAL in response.content.decode()
    assert Comment.objects.count() == 1


def test_empty_honeypot_lets_the_comment_through(client, consultation, stakeholder):
    client.force_login(stakeholder)
    response = client.post(
        section_url(consultation), {"body": "Real input.", "visibility": "public", "website": ""}
    )
    assert response.status_code == 302
    assert Comment.objects.filter(body="Real input.").exists()


def test_sign_up_form_carries_the_honeypot(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    snippets = honeypots(page)
    assert len(snippets) == 1
    assert_hidden_accessibly(snippets[0])
    assert "style=" not in snippets[0]  # the CSP forbids inline styles


@pytest.mark.django_db
def test_filled_honeypot_refuses_a_sign_up_and_creates_no_account(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "bot@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not User.objects.filter(email="bot@example.org").exists()
    assert mailoutbox == []
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_up_without_the_honeypot_still_works(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "person@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="person@example.org").exists()
