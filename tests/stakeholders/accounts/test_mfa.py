"""allauth's TOTP: open to everyone; with PLENARY_STAFF_REQUIRE_MFA, required for staff pages."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from plenary.audit.models import AuditEvent, Event
from tests.stakeholders.factories import PASSWORD

ACTIVATE = "/accounts/2fa/totp/activate/"


def totp_now(secret: str) -> str:
    """The current code, computed as an authenticator app would (RFC 6238, SHA-1, 30 s)."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def sign_in(client, user) -> None:
    # A real sign-in, not force_login: allauth asks for a recent one before MFA set-up.
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client) -> None:
    """Go through allauth's set-up page as a user would: read the secret, send a code."""
    response = client.get(ACTIVATE)
    # allauth asks for the password again before changing sign-in methods.
    assert response.status_code == 302 and "/accounts/reauthenticate/" in response["Location"]
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == ACTIVATE
    response = client.get(ACTIVATE)
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(ACTIVATE, {"code": totp_now(secret)})
    assert response.status_code == 302, response.content[:2000]


def test_staff_pages_are_open_without_the_setting(client, secretariat, settings):
    settings.PLENARY_STAFF_REQUIRE_MFA = False
    client.force_login(secretariat)
    assert client.get(reverse("staff_home")).status_code == 200


def test_staff_without_authenticator_is_sent_to_totp_setup(client, secretariat, settings):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    client.force_login(secretariat)
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and response["Location"] == ACTIVATE


def test_participant_without_role_is_not_sent_to_setup(client, stakeholder, settings):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    client.force_login(stakeholder)
    response = client.get(reverse("staff_home"))
    assert response.get("Location") != ACTIVATE
    assert client.get("/").status_code == 200  # public pages never ask for it


def test_moderator_role_counts_as_staff(client, moderator, settings):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    client.force_login(moderator)
    assert client.get(reverse("staff_home"))["Location"] == ACTIVATE


def test_after_totp_setup_staff_pages_open_and_sign_in_asks_for_the_code(
    client, secretariat, settings
):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    sign_in(client, secretariat)
    activate_totp(client)
    authenticator = Authenticator.objects.get(user=secretariat, type=Authenticator.Type.TOTP)
    assert client.get(reverse("staff_home")).status_code == 200

    client.logout()
    sign_ins = AuditEvent.objects.filter(event=Event.SIGN_IN, actor=secretariat)
    before = sign_ins.count()
    response = client.post("/accounts/login/", {"login": secretariat.email, "password": PASSWORD})
    assert response.status_code == 302 and "/2fa/authenticate/" in response["Location"]
    assert sign_ins.count() == before  # the password alone does not sign in

    from allauth.mfa.utils import decrypt

    code = totp_now(decrypt(authenticator.data["secret"]))
    response = client.post(response["Location"], {"code": "000000" if code != "000000" else "1"})
    assert response.status_code == 200  # wrong code: the form again
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("staff_home")).status_code == 200
    assert sign_ins.count() == before + 1


@pytest.mark.parametrize("code", ["", "12345", "abcdef"])
def test_bad_code_at_setup_creates_no_authenticator(client, secretariat, code):
    sign_in(client, secretariat)
    client.post(client.get(ACTIVATE)["Location"], {"password": PASSWORD})
    assert client.get(ACTIVATE).status_code == 200
    response = client.post(ACTIVATE, {"code": code})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=secretariat).exists()


def test_admin_sign_in_goes_through_allauth(client):
    """/admin/login/ would accept a password alone; it sends people to allauth's sign-in."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_recovery_codes_come_with_the_authenticator_and_their_pages_work(client, stakeholder):
    sign_in(client, stakeholder)
    activate_totp(client)
    assert Authenticator.objects.filter(
        user=stakeholder, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    page = client.get("/accounts/2fa/recovery-codes/")
    assert page.status_code == 200
    codes = (
        Authenticator.objects.get(user=stakeholder, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )
    assert codes and codes[0] in page.content.decode()
    assert client.get("/accounts/2fa/recovery-codes/generate/").status_code == 200
    # A recovery code stands in for the app's code at sign-in, once.
    client.logout()
    response = client.post("/accounts/login/", {"login": stakeholder.email, "password": PASSWORD})
    assert "/2fa/authenticate/" in response["Location"]
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302 and "_auth_user_id" in client.session
