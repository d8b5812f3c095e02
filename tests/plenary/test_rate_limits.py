"""Rate limits: comments and replies (plenary/ratelimit.py, page and API) and
allauth's sign-up, sign-in and password-reset limits (ACCOUNT_RATE_LIMITS)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from comments.models import Comment, CommentRevision
from comments.threads import services
from plenary import ratelimit
from plenary.ratelimit import Rate, RateKey, RateLimited
from tests.api.helpers import comments_url
from tests.stakeholders.factories import PASSWORD, ParticipantFactory, UserFactory, api_token_for

# 10 s into a minute: a 60-s window has 50 s left.
T0 = datetime(2026, 11, 27, 12, 0, 10, tzinfo=UTC)


def section_url(consultation) -> str:
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    return reverse("section", args=[consultation.slug, key])


def stored() -> tuple[int, int]:
    return Comment.objects.count(), CommentRevision.objects.count()


def page_client(user, ip: str) -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.force_login(user)
    return client


def api_client(user, ip: str):
    from rest_framework.test import APIClient

    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def limits(settings):
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = "3/m"
    settings.PLENARY_RATE_COMMENT_PER_IP = "5/m"
    return settings


# --- the rule itself ------------------------------------------------------------


def test_defaults_are_ten_per_account_and_thirty_per_ip_a_minute():
    assert Rate.parse(django_settings.PLENARY_RATE_COMMENT_PER_ACCOUNT) == Rate(10, 60)
    assert Rate.parse(django_settings.PLENARY_RATE_COMMENT_PER_IP) == Rate(30, 60)


@pytest.mark.parametrize(
    ("text", "rate"),
    [("10/m", Rate(10, 60)), ("30/5m", Rate(30, 300)), (" 200 / h ", Rate(200, 3600)), ("", None)],
)
def test_rates_are_read_from_count_and_period(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["10", "ten/m", "10/w", "10/m/ip", "10/0m"])
def test_a_malformed_rate_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        Rate.parse(text)


def test_ipv6_clients_count_per_64_and_ipv4_per_address(rf):
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    same_64 = rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::2")
    other_64 = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert ratelimit.client_ip(one) == ratelimit.client_ip(same_64) == "2001:db8:1:2::"
    assert ratelimit.client_ip(other_64) != ratelimit.client_ip(one)
    assert ratelimit.client_ip(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.7")) == "192.0.2.7"


def test_parallel_attempts_cannot_slip_past_the_limit(rf, settings, db):
    """The counter is one atomic incr: 40 threads at once, exactly 10 get through."""
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = ""
    settings.PLENARY_RATE_COMMENT_PER_IP = "10/h"
    request = rf.post("/", REMOTE_ADDR="192.0.2.50")
    request.user = None
    allowed, refused = [], []
    start = threading.Barrier(40)

    def attempt():
        start.wait()
        try:
            ratelimit.hit("comment", request=request)
            allowed.append(1)
        except RateLimited:
            refused.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(allowed), len(refused)) == (10, 30)


# --- comments through the page ----------------------------------------------------


def test_page_answers_429_after_the_account_limit_and_keeps_the_text(
    limits, frozen, consultation, stakeholder
):
    client = page_client(stakeholder, "192.0.2.1")
    url = section_url(consultation)
    for n in range(3):
        response = client.post(url, {"body": f"Comment {n}", "visibility": "public"})
        assert response.status_code == 302
    before = stored()

    response = client.post(url, {"body": "One too many, kept.", "visibility": "public"})

    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    page = response.content.decode()
    assert "You are posting faster than Plenary allows: try again in 50 seconds." in page
    assert 'role="alert"' in page
    assert "One too many, kept.</textarea>" in page
    assert stored() == before


def test_page_accepts_again_once_the_window_has_passed(limits, frozen, consultation, stakeholder):
    client = page_client(stakeholder, "192.0.2.1")
    url = section_url(consultation)
    for n in range(4):
        client.post(url, {"body": f"Comment {n}", "visibility": "public"})
    assert Comment.objects.count() == 3

    frozen.shift(timedelta(seconds=50))
    response = client.post(url, {"body": "Next minute.", "visibility": "public"})
    assert response.status_code == 302
    assert Comment.objects.filter(body="Next minute.").exists()


def test_replies_count_towards_the_same_limit(limits, frozen, consultation, stakeholder):
    client = page_client(stakeholder, "192.0.2.1")
    url = section_url(consultation)
    client.post(url, {"body": "Root", "visibility": "public"})
    root = Comment.objects.get(body="Root")
    for n in range(2):
        client.post(url, {"body": f"Reply {n}", "parent": root.receipt, "visibility": "public"})
    response = client.post(url, {"body": "Reply 3", "parent": root.receipt, "visibility": "public"})
    assert response.status_code == 429
    assert Comment.objects.count() == 3


def test_another_account_on_another_ip_is_not_blocked(
    limits, frozen, consultation, stakeholder, other_stakeholder
):
    spammer = page_client(stakeholder, "192.0.2.1")
    url = section_url(consultation)
    for n in range(4):
        spammer.post(url, {"body": f"Spam {n}", "visibility": "public"})
    assert spammer.post(url, {"body": "Spam", "visibility": "public"}).status_code == 429

    neighbour = page_client(other_stakeholder, "198.51.100.9")
    response = neighbour.post(url, {"body": "A real point.", "visibility": "public"})
    assert response.status_code == 302
    assert Comment.objects.filter(body="A real point.", author=other_stakeholder).exists()


def test_the_ip_limit_holds_across_accounts_but_not_across_ips(limits, frozen, consultation):
    """Five accounts from one address: the sixth comment from it is refused, whoever
    sends it; the same account from elsewhere goes through."""
    users = [ParticipantFactory().user for _ in range(3)]
    url = section_url(consultation)
    sent = 0
    for user in users[:2]:
        client = page_client(user, "203.0.113.4")
        for n in range(3):
            response = client.post(url, {"body": f"{user.pk}-{n}", "visibility": "public"})
            sent += response.status_code == 302
    assert sent == 5  # the 6th (second account's third) hit the per-IP limit
    assert (
        page_client(users[2], "203.0.113.4")
        .post(url, {"body": "From the same café", "visibility": "public"})
        .status_code
        == 429
    )
    assert (
        page_client(users[2], "203.0.113.99")
        .post(url, {"body": "From home", "visibility": "public"})
        .status_code
        == 302
    )


def test_an_empty_rate_switches_the_limit_off(settings, frozen, consultation, stakeholder):
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = ""
    settings.PLENARY_RATE_COMMENT_PER_IP = ""
    client = page_client(stakeholder, "192.0.2.1")
    url = section_url(consultation)
    for n in range(12):
        assert client.post(url, {"body": f"C{n}", "visibility": "public"}).status_code == 302


# --- comments through the API -------------------------------------------------------


def test_api_answers_429_with_retry_after_and_json(limits, frozen, consultation, stakeholder):
    client = api_client(stakeholder, "192.0.2.1")
    key = consultation.versions.get().sections.order_by("ordinal")[1].key
    for n in range(3):
        response = client.post(
            comments_url(consultation), {"section": key, "body": f"API {n}"}, format="json"
        )
        assert response.status_code == 201
    before = stored()

    response = client.post(
        comments_url(consultation), {"section": key, "body": "Too fast"}, format="json"
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert response.json() == {
        "detail": "You are posting faster than Plenary allows: try again in 50 seconds."
    }
    assert stored() == before


def test_page_and_api_share_one_count(limits, frozen, consultation, stakeholder):
    page = page_client(stakeholder, "192.0.2.1")
    for n in range(3):
        page.post(section_url(consultation), {"body": f"Page {n}", "visibility": "public"})
    response = api_client(stakeholder, "192.0.2.1").post(
        comments_url(consultation), {"body": "API"}, format="json"
    )
    assert response.status_code == 429


def test_api_another_account_on_another_ip_is_not_blocked(
    limits, frozen, consultation, stakeholder, other_stakeholder
):
    spammer = api_client(stakeholder, "192.0.2.1")
    for n in range(4):
        spammer.post(comments_url(consultation), {"body": f"Spam {n}"}, format="json")
    response = api_client(other_stakeholder, "198.51.100.9").post(
        comments_url(consultation), {"body": "Meanwhile, a real point."}, format="json"
    )
    assert response.status_code == 201


def test_api_schema_documents_the_429(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/consultations/{slug}/comments/"]
    assert "429" in operation["post"]["responses"]
    assert "429" not in operation["get"]["responses"]


# --- the service counts, whoever calls it -------------------------------------------


def test_the_comment_service_called_directly_is_limited(limits, frozen, consultation, stakeholder):
    """No page, no API: the service counts with the key its caller gives, and shares
    that count with the page."""
    key = RateKey(user_id=stakeholder.pk, ip="192.0.2.1")
    section = consultation.versions.get().sections.order_by("ordinal")[1].key

    def comment(body: str, **kwargs) -> Comment:
        return services.comment_create(
            actor=stakeholder, consultation=consultation, section_key=section, body=body, **kwargs
        )

    for n in range(3):
        comment(f"Direct {n}", rate_key=key)
    before = stored()

    with pytest.raises(RateLimited) as refused:
        comment("One too many", rate_key=key)

    assert refused.value.retry_after == 50
    assert refused.value.messages == [
        "You are posting faster than Plenary allows: try again in 50 seconds."
    ]
    assert stored() == before
    # The same account through the page, from another address: the same count.
    response = page_client(stakeholder, "198.51.100.7").post(
        section_url(consultation), {"body": "From the page", "visibility": "public"}
    )
    assert response.status_code == 429
    assert stored() == before


def test_a_service_call_without_a_rate_key_is_not_counted(
    limits, frozen, consultation, stakeholder
):
    """Demo seeding and the like: no key, no count, and no participant's budget spent."""
    section = consultation.versions.get().sections.order_by("ordinal")[1].key
    for n in range(5):
        services.comment_create(
            actor=stakeholder, consultation=consultation, section_key=section, body=f"Seed {n}"
        )
    response = page_client(stakeholder, "192.0.2.1").post(
        section_url(consultation), {"body": "Mine", "visibility": "public"}
    )
    assert response.status_code == 302


def test_rate_key_names_the_signed_in_account_and_the_address(rf, stakeholder, anonymous_user):
    request = rf.post("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    request.user = stakeholder
    assert ratelimit.rate_key(request) == RateKey(user_id=stakeholder.pk, ip="2001:db8:1:2::")
    request.user = anonymous_user
    assert ratelimit.rate_key(request) == RateKey(user_id=None, ip="2001:db8:1:2::")


# --- allauth: sign-in, sign-up, password reset ---------------------------------------


def test_allauth_limits_are_configured_explicitly():
    configured = django_settings.ACCOUNT_RATE_LIMITS
    assert configured["login"] == "30/m/ip"
    assert configured["login_failed"] == "10/m/ip,5/5m/key"
    assert configured["signup"] == "20/m/ip,200/h/ip"
    assert configured["reset_password"] == "20/m/ip,5/m/key"


def test_sign_in_answers_429_after_thirty_attempts_from_one_ip(frozen, db):
    user = UserFactory(email="many@example.org")
    url = reverse("account_login")
    for _ in range(30):
        client = Client(REMOTE_ADDR="192.0.2.30")
        response = client.post(url, {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="192.0.2.30").post(
        url, {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    # Another address signs in.
    response = Client(REMOTE_ADDR="198.51.100.30").post(
        url, {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_failed_sign_ins_lock_the_address_typed_after_five(frozen, db):
    user = UserFactory(email="target@example.org")
    url = reverse("account_login")
    for n in range(5):
        # From five addresses: the per-address (key) limit, not the per-IP one.
        response = Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(
            url, {"login": user.email, "password": "wrong-guess"}
        )
        assert response.status_code == 200
        assert b"Too many failed login attempts" not in response.content
    response = Client(REMOTE_ADDR="192.0.2.99").post(
        url, {"login": user.email, "password": PASSWORD}
    )
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in response.client.session


def test_sign_up_answers_429_after_twenty_from_one_ip(frozen, db):
    url = reverse("account_signup")
    for n in range(20):
        response = Client(REMOTE_ADDR="192.0.2.40").post(
            url, {"email": f"new{n}@example.org", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="192.0.2.40").post(
        url, {"email": "new20@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 429
    from stakeholders.models import User

    assert not User.objects.filter(email="new20@example.org").exists()


def test_password_reset_answers_429_after_five_for_one_address(frozen, db, mailoutbox):
    user = UserFactory(email="forgetful@example.org")
    url = reverse("account_reset_password")
    for n in range(5):
        response = Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(url, {"email": user.email})
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="192.0.2.77").post(url, {"email": user.email})
    assert response.status_code == 429
    assert len([m for m in mailoutbox if user.email in m.to]) == 5
