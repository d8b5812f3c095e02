"""The anonymous micro-cache of the consultation and section pages (plenary/pagecache.py).

Against the cache of the run (Redis in CI, each test with a key prefix of its
own: conftest._empty_cache) and the real middleware stack.
"""

import re
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.moderation import services as moderation
from comments.threads import services
from feedback.privacy import services as privacy
from plenary import pagecache

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


@pytest.fixture(autouse=True)
def _micro_cache(settings):
    settings.PLENARY_PAGE_CACHE_SECONDS = 60  # long enough to see what is served stale


def _url(consultation) -> str:
    return reverse("section", args=[consultation.slug, SECTION])


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _comment(consultation, author, body):
    return services.comment_create(
        actor=author, consultation=consultation, section_key=SECTION, body=body
    )


def test_anonymous_readers_share_one_render_and_each_gets_their_own_csrf_token(
    consultation, stakeholder
):
    _comment(consultation, stakeholder, "Shared text for every reader.")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page, rendered = _get(first, _url(consultation))
    again, served = _get(second, _url(consultation))
    assert rendered > 5 and served == 0  # the second reader costs no query
    assert "Shared text for every reader." in again
    assert TOKEN.sub("", page) == TOKEN.sub("", again)
    # The language switcher of the stored page works for the second reader:
    # the token is theirs (their cookie), not the first reader's.
    token = TOKEN.search(again).group(1)
    assert token != TOKEN.search(page).group(1)
    switched = second.post(
        reverse("set_language"),
        {"language": "fr", "next": _url(consultation), "csrfmiddlewaretoken": token},
    )
    assert switched.status_code == 302
    french, _n = _get(second, _url(consultation))
    assert '<html lang="fr">' in french  # another language, another stored page


def test_a_new_comment_waits_for_the_cache_but_a_hidden_one_leaves_at_once(
    consultation, stakeholder, other_stakeholder, moderator, django_capture_on_commit_callbacks
):
    reader = Client()
    shown = _comment(consultation, stakeholder, "Advertising: buy our routers.")
    assert "buy our routers" in _get(reader, _url(consultation))[0]
    _comment(consultation, other_stakeholder, "A later point on rural fibre.")
    assert "rural fibre" not in _get(reader, _url(consultation))[0]  # stale, by design

    with django_capture_on_commit_callbacks(execute=True):
        moderation.comment_hide(actor=moderator, comment=shown, reason="Advertising.")
    page, queries = _get(reader, _url(consultation))
    assert queries > 0 and "buy our routers" not in page and "rural fibre" in page


def test_withdrawn_and_erased_text_leaves_the_stored_pages_at_once(
    consultation, stakeholder, other_stakeholder, django_capture_on_commit_callbacks
):
    reader = Client()
    withdrawn = _comment(consultation, stakeholder, "I take this back later.")
    _comment(consultation, other_stakeholder, "Signed by someone who leaves.")
    page = _get(reader, _url(consultation))[0]
    assert "I take this back later." in page and "Wanjiru" in page

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_withdraw(actor=stakeholder, comment=withdrawn)
    assert "I take this back later." not in _get(reader, _url(consultation))[0]

    name = other_stakeholder.participant.display_name
    assert name in _get(reader, _url(consultation))[0]
    other_stakeholder.set_password("pw-for-erasure")
    other_stakeholder.save()
    with django_capture_on_commit_callbacks(execute=True):
        privacy.account_erase(actor=other_stakeholder, password="pw-for-erasure")
    assert name not in _get(reader, _url(consultation))[0]


def test_signed_in_readers_and_readers_with_a_message_are_never_served_or_stored(
    consultation, stakeholder
):
    url = reverse("consultation", args=[consultation.slug])
    anonymous = Client()
    page, _n = _get(anonymous, url)
    assert "Sign in" in page

    signed_in = Client()
    signed_in.force_login(stakeholder)
    own, queries = _get(signed_in, url)
    assert queries > 0 and "Sign out" in own
    assert "Sign out" not in _get(anonymous, url)[0]

    # A waiting message ("Your comment is recorded...") lives in a cookie or the
    # session: such a reader gets the page rendered for them.
    with_message = Client()
    with_message.cookies["messages"] = "anything"
    assert _get(with_message, url)[1] > 0


def test_pages_are_not_stored_when_the_setting_is_zero(settings, consultation):
    settings.PLENARY_PAGE_CACHE_SECONDS = 0
    reader = Client()
    _get(reader, _url(consultation))
    assert _get(reader, _url(consultation))[1] > 0


def test_one_reader_renders_a_page_past_its_seconds_the_others_get_the_stored_one(
    settings, monkeypatch, consultation, stakeholder
):
    settings.PLENARY_PAGE_CACHE_SECONDS = 10
    keys = []
    real_key = pagecache._key
    monkeypatch.setattr(
        pagecache, "_key", lambda request: keys.append(real_key(request)) or keys[-1]
    )
    reader = Client()
    # A frozen clock moved on by hand, not a sleep: "past its seconds" is then exact
    # however slow the machine.  (Redis expires the stored page after its 20 real
    # seconds, ten seconds and a grace period as long: far more than the test takes.)
    with time_machine.travel(time.time(), tick=False) as clock:
        assert _get(reader, _url(consultation))[1] > 0
        _comment(consultation, stakeholder, "Posted after the page was stored.")
        clock.shift(11)  # past its ten seconds, within its grace period

        lock = f"{keys[-1]}:rendering"
        assert cache.add(lock, 1)  # another reader is rendering it anew
        page, queries = _get(reader, _url(consultation))
        assert queries == 0 and "Posted after the page was stored." not in page
        cache.delete(lock)
        page, queries = _get(reader, _url(consultation))
        assert queries > 0 and "Posted after the page was stored." in page
        assert cache.get(lock) is None  # the renderer let go


def test_readers_of_a_cold_page_wait_for_its_renderer_then_render_it_themselves(
    monkeypatch, consultation
):
    monkeypatch.setattr(pagecache, "_key", lambda request: "plenary:page:test-cold")
    monkeypatch.setattr(pagecache, "WAIT_SECONDS", 0.3)
    lock = "plenary:page:test-cold:rendering"
    assert cache.add(lock, 1)  # a renderer that never finishes
    reader = Client()
    started = time.monotonic()
    assert _get(reader, _url(consultation))[1] > 0
    assert time.monotonic() - started >= 0.3
    assert cache.get(lock) == 1  # not this reader's lock to release
    assert _get(reader, _url(consultation))[1] == 0  # but it stored what it rendered
