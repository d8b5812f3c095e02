"""POST /api/v1/auth/token/: one door with the sign-in page (allauth's limits, its
two-factor stage, the same audit events), and tokens that are hashed, expire when
idle, are listed and revoked by their owner, and die with the credentials.
"""

from datetime import timedelta

import pytest
import time_machine
from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.privacy import services as privacy
from plenary.audit.models import AuditEvent, Event
from plenary.authentication import TokenAuthentication
from stakeholders.models import ApiToken
from tests.stakeholders.accounts.test_mfa import totp_now
from tests.stakeholders.factories import PASSWORD, UserFactory, api_token_for

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
NEW_PASSWORD = "another-long-pass-77"


def ask(email, password=PASSWORD, client=None, **extra):
    return (client or APIClient()).post(
        TOKEN_URL, {"email": email, "password": password, **extra}, format="json"
    )


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def me(key: str) -> int:
    """The status of a signed-in read with the token ``key``."""
    return with_token(key).get(reverse("api-my-profile")).status_code


def add_totp(user) -> str:
    """A TOTP authenticator (and recovery codes) for ``user``, as the set-up page
    leaves them; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def recovery_codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()


# --- issuing: the password, the limits, the second factor ---------------------------


def test_password_gives_a_token_that_signs_requests_and_is_stored_hashed(stakeholder):
    response = ask(stakeholder.email)
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    key = response.json()["token"]
    assert me(key) == 200
    token = ApiToken.objects.get(user=stakeholder)
    stored = {str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields}
    assert key not in stored  # only its digest (and knox's 15-character lookup prefix)
    assert token.digest != key and len(token.digest) == 128


def test_signing_in_again_gives_a_new_token(stakeholder):
    first, second = ask(stakeholder.email).json()["token"], ask(stakeholder.email).json()["token"]
    assert first != second
    assert ApiToken.objects.filter(user=stakeholder).count() == 2


def test_wrong_password_is_400_naming_the_field_and_issues_nothing(stakeholder):
    response = ask(stakeholder.email, "not-the-password")
    assert response.status_code == 400
    assert "password" in response.json()
    assert not ApiToken.objects.exists()


def test_failed_attempts_lock_the_account_out_then_the_right_password_is_refused(
    stakeholder, settings
):
    """allauth's login_failed limit ("5/5m/key" by default) counts API attempts."""
    for _ in range(5):
        assert ask(stakeholder.email, "guess").status_code == 400
    response = ask(stakeholder.email)
    assert response.status_code == 429
    assert "detail" in response.json() and response["Retry-After"]
    assert not ApiToken.objects.exists()


def test_locked_out_of_the_sign_in_page_is_locked_out_of_the_api(client, stakeholder):
    for _ in range(5):
        client.post("/accounts/login/", {"login": stakeholder.email, "password": "guess"})
    assert ask(stakeholder.email).status_code == 429
    assert not ApiToken.objects.exists()


def test_api_failures_lock_the_sign_in_page_too(client, stakeholder):
    for _ in range(5):
        ask(stakeholder.email, "guess")
    response = client.post("/accounts/login/", {"login": stakeholder.email, "password": PASSWORD})
    assert response.status_code != 302  # the form again, with allauth's "too many" message
    assert "_auth_user_id" not in client.session


def test_an_account_with_an_authenticator_needs_the_code(stakeholder):
    secret = add_totp(stakeholder)
    response = ask(stakeholder.email)
    assert response.status_code == 400
    assert list(response.json()) == ["code"]
    assert not ApiToken.objects.exists()
    assert ask(stakeholder.email, code="000000" if totp_now(secret) != "000000" else "1").json()[
        "code"
    ]
    response = ask(stakeholder.email, code=totp_now(secret))
    assert response.status_code == 200
    assert me(response.json()["token"]) == 200


def test_a_wrong_code_is_audited_as_a_failed_sign_in(stakeholder):
    secret = add_totp(stakeholder)
    wrong = "000000" if totp_now(secret) != "000000" else "111111"
    ask(stakeholder.email, code=wrong)
    failed = AuditEvent.objects.get(event=Event.SIGN_IN_FAILED)
    assert failed.actor_email == stakeholder.email and failed.detail["factor"] == "totp"


def test_wrong_codes_are_limited_per_account(stakeholder):
    secret = add_totp(stakeholder)
    wrong = "000000" if totp_now(secret) != "000000" else "111111"
    statuses = [ask(stakeholder.email, code=wrong).status_code for _ in range(6)]
    assert statuses[:5] == [400] * 5 and statuses[5] == 429
    assert ask(stakeholder.email, code=totp_now(secret)).status_code == 429
    assert not ApiToken.objects.exists()


def test_a_recovery_code_works_once(stakeholder):
    add_totp(stakeholder)
    code = recovery_codes(stakeholder)[0]
    assert ask(stakeholder.email, code=code).status_code == 200
    response = ask(stakeholder.email, code=code)
    assert response.status_code == 400 and "code" in response.json()
    assert ApiToken.objects.filter(user=stakeholder).count() == 1


def test_staff_without_authenticator_get_no_token_when_two_factor_is_required(
    secretariat, settings
):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    response = ask(secretariat.email)
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    secret = add_totp(secretariat)
    assert ask(secretariat.email, code=totp_now(secret)).status_code == 200


def test_a_participant_needs_no_authenticator_when_staff_do(stakeholder, settings):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    assert ask(stakeholder.email).status_code == 200


def test_an_inactive_account_gets_no_token(stakeholder):
    stakeholder.is_active = False
    stakeholder.save()
    assert ask(stakeholder.email).status_code == 400
    assert not ApiToken.objects.exists()


def test_an_unconfirmed_account_gets_no_token(db):
    """As on the sign-in page (PLENARY_EMAIL_VERIFICATION "mandatory")."""
    user = UserFactory(email="new@example.org", verified_email=False)
    response = ask(user.email)
    assert response.status_code == 400 and "email" in response.json()
    assert not ApiToken.objects.exists()


def test_sign_in_and_failure_are_audited_as_on_the_page(stakeholder):
    ask(stakeholder.email, "guess")
    assert AuditEvent.objects.filter(
        event=Event.SIGN_IN_FAILED, actor_email=stakeholder.email
    ).exists()
    ask(stakeholder.email)
    token = ApiToken.objects.get()
    assert AuditEvent.objects.filter(event=Event.SIGN_IN, actor=stakeholder).count() == 1
    issued = AuditEvent.objects.get(event=Event.API_TOKEN_ISSUED)
    assert issued.actor == stakeholder and issued.detail == {"token": token.pk}
    stakeholder.refresh_from_db()
    assert stakeholder.last_login is not None


# --- listing and revoking ------------------------------------------------------------


def test_the_owner_lists_tokens_without_secrets(stakeholder, other_stakeholder):
    key = ask(stakeholder.email).json()["token"]
    api_token_for(stakeholder)
    api_token_for(other_stakeholder)
    response = with_token(key).get(TOKENS_URL)
    assert response.status_code == 200
    listed = response.json()
    assert len(listed) == 2
    assert [t["current"] for t in listed].count(True) == 1
    text = response.content.decode()
    for token in ApiToken.objects.all():
        assert token.digest not in text and token.token_key not in text
    assert key not in text


def test_revoking_one_token_refuses_it_at_once(stakeholder):
    key, other_key = api_token_for(stakeholder), api_token_for(stakeholder)
    for _ in range(3):  # warm the read cache
        assert me(other_key) == 200
    other = next(t for t in ApiToken.objects.all() if t.pk != _current_id(key))
    assert with_token(key).delete(f"{TOKENS_URL}{other.pk}/").status_code == 204
    assert me(other_key) == 401
    assert me(key) == 200
    revoked = AuditEvent.objects.get(event=Event.API_TOKEN_REVOKED)
    assert revoked.detail == {"tokens": [other.pk], "reason": "revoked_by_owner"}


def _current_id(key: str) -> int:
    return next(t["id"] for t in with_token(key).get(TOKENS_URL).json() if t["current"])


def test_nobody_revokes_another_persons_token(stakeholder, other_stakeholder):
    theirs = api_token_for(other_stakeholder)
    token_id = _current_id(theirs)
    response = with_token(api_token_for(stakeholder)).delete(f"{TOKENS_URL}{token_id}/")
    assert response.status_code == 404 and "detail" in response.json()
    assert me(theirs) == 200


def test_deleting_the_current_token_signs_out(stakeholder):
    key = api_token_for(stakeholder)
    for _ in range(3):
        assert me(key) == 200
    assert with_token(key).delete(TOKEN_URL).status_code == 204
    assert me(key) == 401
    assert AuditEvent.objects.get(event=Event.API_TOKEN_REVOKED).detail["reason"] == "signed_out"


def test_the_tokens_page_lists_and_revokes_without_javascript(client, stakeholder):
    key = api_token_for(stakeholder)
    api_token_for(stakeholder)
    client.force_login(stakeholder)
    page = client.get("/me/tokens/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Your API tokens" in text and text.count('name="token" value="') == 3  # two and "all"
    assert key not in text
    token_id = _current_id(key)
    response = client.post("/me/tokens/", {"token": str(token_id)})
    assert response.status_code == 302
    assert me(key) == 401
    assert ApiToken.objects.filter(user=stakeholder).count() == 1
    client.post("/me/tokens/", {"token": "all"})
    assert not ApiToken.objects.filter(user=stakeholder).exists()


def test_the_tokens_page_refuses_another_persons_token(client, stakeholder, other_stakeholder):
    theirs = api_token_for(other_stakeholder)
    client.force_login(stakeholder)
    response = client.post("/me/tokens/", {"token": str(_current_id(theirs))})
    assert response.status_code == 400
    assert "nothing was revoked" in response.content.decode()
    assert me(theirs) == 200
    assert client.post("/me/tokens/", {"token": "x"}).status_code == 400


def test_the_tokens_page_needs_sign_in(client):
    response = client.get("/me/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- expiry --------------------------------------------------------------------------


def test_a_token_expires_after_the_idle_time(stakeholder, settings):
    key = api_token_for(stakeholder)
    for _ in range(3):
        assert me(key) == 200
    days = settings.PLENARY_API_TOKEN_IDLE_DAYS
    with time_machine.travel(timezone.now() + timedelta(days=days, minutes=1)):
        response = with_token(key).get(reverse("api-my-profile"))
        assert response.status_code == 401
    assert not ApiToken.objects.exists()  # an expired token is deleted when presented


def test_use_keeps_a_token_alive(stakeholder, settings):
    key = api_token_for(stakeholder)
    days = settings.PLENARY_API_TOKEN_IDLE_DAYS
    start = timezone.now()
    for step in range(1, 4):  # three uses, each just inside the idle time of the last
        with time_machine.travel(start + timedelta(days=(days - 1) * step)):
            assert me(key) == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert token.expiry > start + timedelta(days=3 * (days - 1))


def test_a_use_within_the_refresh_interval_writes_nothing(stakeholder, django_assert_num_queries):
    key = api_token_for(stakeholder)
    for _ in range(2):
        me(key)
    token = ApiToken.objects.get()
    with django_assert_num_queries(0):
        TokenAuthentication().authenticate_credentials(key.encode())
    assert ApiToken.objects.get().expiry == token.expiry


# --- tokens die with the credentials --------------------------------------------------


def _signed_in(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_password_change_revokes_every_token(client, stakeholder):
    keys = [api_token_for(stakeholder), api_token_for(stakeholder)]
    _signed_in(client, stakeholder)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-pass-77",
            "password2": "another-long-pass-77",
        },
    )
    assert response.status_code == 302
    assert [me(k) for k in keys] == [401, 401]
    event = AuditEvent.objects.get(event=Event.API_TOKEN_REVOKED)
    assert event.detail["reason"] == "password_changed" and len(event.detail["tokens"]) == 2


def test_a_password_changed_outside_allauth_voids_every_token(stakeholder):
    """The admin's password form and ``changepassword`` send no signal: the token
    is bound to the password hash and address it was issued under."""
    key = api_token_for(stakeholder)
    for _ in range(3):  # warm the read cache
        assert me(key) == 200
    stakeholder.set_password(NEW_PASSWORD)
    stakeholder.save()
    assert me(key) == 401
    assert not ApiToken.objects.exists()


def test_an_address_changed_outside_allauth_voids_every_token(stakeholder):
    key = api_token_for(stakeholder)
    assert me(key) == 200
    stakeholder.email = "renamed@example.org"
    stakeholder.save()
    assert me(key) == 401


def test_a_password_reset_revokes_every_token(stakeholder):
    key = api_token_for(stakeholder)
    account_signals.password_reset.send(sender=type(stakeholder), request=None, user=stakeholder)
    assert me(key) == 401


def test_a_new_sign_in_address_revokes_every_token(client, stakeholder):
    key = api_token_for(stakeholder)
    EmailAddress.objects.create(user=stakeholder, email="second@example.org", verified=True)
    _signed_in(client, stakeholder)
    response = client.post(
        reverse("account_email"), {"email": "second@example.org", "action_primary": ""}
    )
    assert response.status_code == 302
    assert me(key) == 401
    assert AuditEvent.objects.get(event=Event.API_TOKEN_REVOKED).detail["reason"] == (
        "address_changed"
    )


def test_removing_a_sign_in_address_revokes_every_token(client, stakeholder):
    EmailAddress.objects.create(user=stakeholder, email="second@example.org", verified=True)
    key = api_token_for(stakeholder)
    _signed_in(client, stakeholder)
    response = client.post(
        reverse("account_email"), {"email": "second@example.org", "action_remove": ""}
    )
    assert response.status_code == 302
    assert me(key) == 401


def test_erasure_revokes_every_token_and_logs_no_address(stakeholder):
    key = api_token_for(stakeholder)
    for _ in range(3):
        assert me(key) == 200
    privacy.account_erase(actor=stakeholder, password=PASSWORD)
    assert me(key) == 401
    assert not ApiToken.objects.exists()
    event = AuditEvent.objects.get(event=Event.API_TOKEN_REVOKED)
    assert event.detail["reason"] == "account_erased"
    assert "wanjiru" not in f"{event.actor_email} {event.target} {event.detail}"


def test_losing_the_last_staff_role_revokes_every_token(consultation, secretariat, moderator):
    key = api_token_for(moderator)
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=moderator, role=Role.ANALYST
    )
    consult_services.consultation_role_revoke(
        actor=secretariat, consultation=consultation, user=moderator, role=Role.MODERATOR
    )
    assert me(key) == 200  # still an analyst
    consult_services.consultation_role_revoke(
        actor=secretariat, consultation=consultation, user=moderator, role=Role.ANALYST
    )
    assert me(key) == 401
    event = AuditEvent.objects.get(event=Event.API_TOKEN_REVOKED)
    assert event.actor == secretariat and event.detail["reason"] == "staff_role_lost"


# --- the staff rule through the API ---------------------------------------------------


@pytest.fixture
def private_comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="2-scope-1",
        body="Confidential: our budget is 3.2 million",
        visibility=Comment.Visibility.PRIVATE,
    )


def test_staff_without_authenticator_cannot_read_private_text_through_the_api(
    secretariat, private_comment, settings
):
    url = reverse("api-comment", args=[private_comment.receipt])
    client = with_token(api_token_for(secretariat))
    assert client.get(url).json()["body"] == private_comment.body
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    assert client.get(url).json()["body"] is None
    add_totp(secretariat)
    assert client.get(url).json()["body"] == private_comment.body


def test_staff_without_authenticator_cannot_moderate_through_the_api(
    moderator, private_comment, settings
):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    url = reverse("api-comment-moderation", args=[private_comment.receipt])
    response = with_token(api_token_for(moderator)).post(
        url, {"action": "hide", "reason": "Off topic."}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "staff_mfa_required"
    assert "two-factor" in response.json()["detail"]
    private_comment.refresh_from_db()
    assert private_comment.moderation != Comment.Moderation.HIDDEN


def test_staff_session_without_authenticator_cannot_moderate_through_the_api(
    client, moderator, private_comment, settings
):
    """The same browser session that /staff/ redirects: refused on /api/v1/ too."""
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    client.force_login(moderator)
    url = reverse("api-comment-moderation", args=[private_comment.receipt])
    response = client.post(
        url, {"action": "hide", "reason": "Off topic."}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "staff_mfa_required"


def test_superuser_without_authenticator_is_sent_from_the_admin_to_set_one_up(
    client, settings, django_user_model
):
    settings.PLENARY_STAFF_REQUIRE_MFA = True
    admin = django_user_model.objects.create_superuser(email="root@example.org", password="x")
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
