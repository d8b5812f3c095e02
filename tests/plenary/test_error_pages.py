"""Errors in the site's look (issue 22): 400, 403, 404, 429, 500 and a refused form
(CSRF) answer with the site's header and navigation, in the visitor's language.

Tests run with DEBUG off, as production does, so Django's handlers render these
templates."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

NAV = '<header class="site-header">'


def has_navigation(page: str) -> bool:
    return NAV in page and reverse("home") in page


def test_tests_run_with_debug_off():
    assert settings.DEBUG is False


def test_an_unknown_receipt_is_the_sites_404_with_navigation(client):
    response = client.get("/r/ZZZZZ-ZZZZZ/")
    assert response.status_code == 404
    page = response.content.decode()
    assert has_navigation(page) and "Page not found" in page
    assert reverse("receipt_lookup") in page
    assert "<h1>Not Found</h1>" not in page  # not Django's bare page


def test_the_404_is_in_the_visitors_language(client):
    response = client.get("/r/ZZZZZ-ZZZZZ/", HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert response.status_code == 404 and '<html lang="fr">' in page
    assert "Page introuvable" in page and NAV in page


def test_a_bad_request_is_the_sites_400(client):
    response = client.get("/", HTTP_HOST="not-allowed.example")  # DisallowedHost
    assert response.status_code == 400
    page = response.content.decode()
    assert NAV in page and "Bad request" in page


def test_a_refusal_is_the_sites_403_in_the_visitors_language(client, consultation, stakeholder):
    client.force_login(stakeholder)
    response = client.get(
        reverse("staff_moderation", args=[consultation.slug]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert NAV in page and '<html lang="es">' in page and "No permitido" in page


def test_a_form_without_its_csrf_token_is_the_sites_403(consultation, stakeholder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(stakeholder)
    url = reverse("section", args=[consultation.slug, "1-purpose-1"])
    response = client.post(url, {"body": "Lost?", "visibility": "public"})
    assert response.status_code == 403
    page = response.content.decode()
    assert NAV in page and "The form has expired" in page and "Nothing was saved" in page
    # Django's CSRF failure view renders templates/403_csrf.html with the request, so the
    # header knows who is signed in.
    assert "Sign out" in page and reverse("my_input") in page
    response = client.post(url, {"body": "Lost?"}, HTTP_ACCEPT_LANGUAGE="pt")
    assert '<html lang="pt">' in response.content.decode()


def test_too_many_sign_ins_is_the_sites_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    login = reverse("account_login")
    client.post(login, {"login": "someone@example.org", "password": "wrong"})
    response = client.post(login, {"login": "someone@example.org", "password": "wrong"})
    assert response.status_code == 429
    page = response.content.decode()
    assert NAV in page and "Too many attempts" in page


def test_the_500_page_keeps_the_sites_look_without_a_request_context():
    with translation.override("fr"):
        response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert NAV in page and 'href="/"' in page and "plenary" in page and ".css" in page
    assert '<html lang="fr">' in page and "Un problème est survenu" in page
