"""Errors reach Sentry without what participants wrote or who they are.

A real Sentry client sends to a local HTTP receiver (``receiver.py``); the
envelope it gets is read back, decompressed, and searched for the markers a
participant typed: comment body, display name, address, password, token.
"""

import pytest
import sentry_sdk
from celery import shared_task
from django.test import Client
from django.urls import reverse

from comments.threads import services as comment_services
from plenary.observability import sentry
from tests.plenary.observability.receiver import Receiver
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

BODY = "Zqbody the participant's own words"
NAME = "Zqname Okonkwo"
EMAIL = "zqmail.person@example.org"
QUERY_TOKEN = "Zqquerytoken"
AUTH_TOKEN = "Zqauthtoken"
TASK_EMAIL = "zqtask.person@example.net"


@shared_task(name="tests.observability.fail")
def fail_for(*, address: str) -> None:
    raise ValueError(f"no mailbox for {address}")


@pytest.fixture
def receiver(settings):
    with Receiver() as server:
        settings.SENTRY_DSN = server.dsn
        settings.SENTRY_ENVIRONMENT = "test"
        assert sentry.init_from_settings()
        yield server
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)


def test_a_failing_comment_post_reaches_sentry_without_what_was_written(
    receiver, consultation, monkeypatch
):
    user = ParticipantFactory(display_name=NAME, user__email=EMAIL).user
    client = Client(raise_request_exception=False)
    client.force_login(user)
    session_cookie = client.cookies["sessionid"].value

    def broken_store(**kwargs):
        # str(actor) is the address: the scrubber must take it out of the message.
        raise RuntimeError(f"the store broke under {kwargs['actor']}")

    monkeypatch.setattr(comment_services, "comment_create", broken_store)
    section = consultation.versions.get().sections.order_by("ordinal")[1]
    url = reverse("section", args=[consultation.slug, section.key])
    response = client.post(
        f"{url}?token={QUERY_TOKEN}&email={EMAIL}",
        {"body": BODY, "visibility": "public", "display_name": NAME, "email": EMAIL},
        HTTP_AUTHORIZATION=f"Bearer {AUTH_TOKEN}",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    sent = receiver.wait_for(b"RuntimeError").decode()
    assert "the store broke under" in sent  # the error itself is reported
    assert "/c/{slug}/s/{key}/" in sent  # where it happened: the route
    # Django's test client bypasses the WSGI handler where the SDK reads headers and
    # the query string: test_the_scrubber_... covers those parts of the event.
    for marker in (
        "Zqbody",
        "Zqname",
        EMAIL,
        "zqmail",
        QUERY_TOKEN,
        AUTH_TOKEN,
        session_cookie,
    ):
        assert marker not in sent, marker


def test_a_failing_task_reaches_sentry_without_the_address(receiver):
    with pytest.raises(ValueError):
        fail_for.apply(kwargs={"address": TASK_EMAIL})
    sentry_sdk.flush(timeout=5)

    sent = receiver.wait_for(b"no mailbox for").decode()
    assert "ValueError" in sent
    assert "tests.observability.fail" in sent  # the task's name
    assert TASK_EMAIL not in sent
    assert "zqtask" not in sent


def test_the_scrubber_replaces_addresses_anywhere_and_drops_frame_variables():
    event = {
        "message": "mail to ana@example.org failed",
        "user": {"id": 7, "email": "ana@example.org", "username": "ana"},
        "request": {
            "data": {"body": "text"},
            "query_string": "token=x",
            "headers": {"Cookie": "sessionid=s", "Authorization": "Token t", "Accept": "x"},
        },
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "bad <ana@example.org>",
                    "stacktrace": {"frames": [{"function": "f", "vars": {"body": "text"}}]},
                }
            ]
        },
        "extra": {"display_name": "Ana", "nested": [{"note": "write to ana@example.org"}]},
    }
    scrubbed = sentry.before_send(event, {})
    assert "ana@example.org" not in repr(scrubbed)
    assert "'text'" not in repr(scrubbed)
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["request"]["headers"]["Accept"] == "x"
    assert scrubbed["request"]["headers"]["Cookie"] == sentry.FILTERED
    assert "vars" not in scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert scrubbed["exception"]["values"][0]["type"] == "ValueError"
    assert scrubbed["extra"]["display_name"] == sentry.FILTERED


@pytest.mark.django_db(transaction=True)
def test_through_the_wsgi_handler_headers_query_and_cookies_are_scrubbed(
    receiver, live_server, monkeypatch
):
    """The same failing POST, sent over HTTP to a real WSGI server: here the SDK sees
    the headers, the cookies and the query string, and none of them may reach Sentry."""
    import re

    import requests

    from tests.consult.factories import open_consultation
    from tests.stakeholders.factories import convenor

    consultation = open_consultation(secretariat=convenor())
    user = ParticipantFactory(display_name=NAME, user__email=EMAIL).user
    signed_in = Client()
    signed_in.force_login(user)
    session_cookie = signed_in.cookies["sessionid"].value

    def broken_store(**kwargs):
        raise RuntimeError(f"the store broke under {kwargs['actor']}")

    monkeypatch.setattr(comment_services, "comment_create", broken_store)
    section = consultation.versions.get().sections.order_by("ordinal")[1]
    url = f"{live_server.url}{reverse('section', args=[consultation.slug, section.key])}"
    http = requests.Session()
    http.cookies.set("sessionid", session_cookie)
    page = http.get(url, timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = http.post(
        f"{url}?token={QUERY_TOKEN}&email={EMAIL}",
        data={
            "body": BODY,
            "visibility": "public",
            "display_name": NAME,
            "email": EMAIL,
            "csrfmiddlewaretoken": token,
        },
        headers={"Authorization": f"Bearer {AUTH_TOKEN}", "Referer": url},
        timeout=30,
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)

    sent = receiver.wait_for(b"RuntimeError").decode()
    assert "the store broke under" in sent
    assert '"headers"' in sent  # the WSGI handler did give the SDK the request
    for marker in (
        "Zqbody",
        "Zqname",
        EMAIL,
        "zqmail",
        QUERY_TOKEN,
        AUTH_TOKEN,
        session_cookie,
        token,
    ):
        assert marker not in sent, marker
