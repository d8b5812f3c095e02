"""Production settings pass Django's deployment checks; every page carries a strict CSP."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from plenary.secret_key import LOCAL_ONLY_KEY

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "PLENARY_HTTPS": "true",
    "DJANGO_ALLOWED_HOSTS": "plenary.example.org",
}


def _check_deploy(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PLENARY_"))
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _check_deploy(PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "security.W" not in output, output


def test_check_deploy_flags_a_plain_http_setup():
    """The same check fails without TLS settings, so the test above can fail."""
    result = _check_deploy({**PRODUCTION_ENV, "PLENARY_HTTPS": "false"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


def _manage(args: list[str], extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PLENARY_"))
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# An empty variable stands for an unset one: it wins over the checkout's .env
# (read without overriding the environment), which `make` fills with a key.
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "DJANGO_SECRET_KEY is not set"),
        (LOCAL_ONLY_KEY, "DJANGO_SECRET_KEY is a key published in Plenary's source code"),
        (
            "change-me-this-key-is-for-local-docker-compose-only",
            "DJANGO_SECRET_KEY is a key published in Plenary's source code",
        ),
    ],
    ids=["missing", "built-in", "old-compose-default"],
)
def test_production_settings_refuse_to_start_without_a_secret_key_of_their_own(key, message):
    """Issue 21, finding 4: DEBUG off with the built-in key ran, and check --deploy was clean."""
    result = _manage(["check", "--deploy"], {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": key})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ImproperlyConfigured" in output, output
    assert message in output, output
    assert "secrets.token_urlsafe(50)" in output, output  # says how to make one


def test_check_deploy_fails_on_the_built_in_key_even_with_debug_on():
    """The registered deploy check catches the key before DEBUG goes off."""
    result = _manage(
        ["check", "--deploy"],
        {**PRODUCTION_ENV, "DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": ""},
    )
    assert result.returncode != 0
    assert "plenary.E001" in result.stderr + result.stdout
    # Debug without any key keeps working (`manage.py shell`, a developer's run).
    assert _manage(["check"], {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": ""}).returncode == 0


def test_demo_defaults_keep_plain_http_working():
    # The test run uses the defaults: the embedded http demo must not redirect.
    assert django_settings.SECURE_SSL_REDIRECT is False
    assert django_settings.SECURE_HSTS_SECONDS == 0
    assert django_settings.SESSION_COOKIE_HTTPONLY is True


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/r/", "/accounts/signup/", "/healthz"])
def test_pages_carry_a_csp_without_inline_scripts(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]


def test_consultation_page_has_csp_and_no_inline_script(client, consultation):
    response = client.get(reverse("consultation", args=[consultation.slug]))
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert b"<script>" not in response.content and b' style="' not in response.content


def test_api_docs_load_their_script_from_the_same_origin(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]  # only styles get an exception here
    assert b"<script>" not in response.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_templates_have_no_inline_script_or_style():
    paths = [
        *(ROOT / "templates").rglob("*.html"),
        *ROOT.glob("*/templates/**/*.html"),
        *ROOT.glob("plenary/*/templates/**/*.html"),
    ]
    needles = ("<script>", "<style", ' style="', " onclick=", " onload=", " onsubmit=")
    offenders = [
        f"{path.relative_to(ROOT)}: {needle}"
        for path in paths
        for needle in needles
        if needle in path.read_text()
    ]
    assert paths and offenders == []
