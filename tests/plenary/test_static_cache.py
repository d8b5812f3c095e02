"""Static files are fingerprinted and served with a far-future, immutable Cache-Control
(whitenoise over the manifest storage), so a returning visitor downloads none of them.

collectstatic runs into a temporary STATIC_ROOT over the project's own static/
directory only (a fraction of a second), then the whitenoise middleware serves it.
"""

import re

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

ONE_YEAR = 365 * 24 * 3600


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", "--noinput", verbosity=0)
    middleware = WhiteNoiseMiddleware(lambda request: pytest.fail("not a static file"))
    return middleware


def _max_age(response) -> int:
    match = re.search(r"max-age=(\d+)", response["Cache-Control"])
    return int(match.group(1)) if match else 0


def test_hashed_stylesheet_is_cached_for_a_year_and_immutable(collected):
    url = static("css/plenary.css")
    assert re.fullmatch(r"/static/css/plenary\.[0-9a-f]{12}\.css", url), url
    response = collected(RequestFactory().get(url))
    assert response.status_code == 200
    assert _max_age(response) >= ONE_YEAR
    assert "immutable" in response["Cache-Control"]


def test_unhashed_name_is_not_cached_for_long(collected):
    """The plain name may change content at the next deployment: a short lifetime only."""
    response = collected(RequestFactory().get("/static/css/plenary.css"))
    assert response.status_code == 200
    assert _max_age(response) < ONE_YEAR
    assert "immutable" not in response.get("Cache-Control", "")


def test_pages_link_the_fingerprinted_files(client, collected, db):
    page = client.get("/").content.decode()
    assert re.search(r'href="/static/css/plenary\.[0-9a-f]{12}\.css"', page)
