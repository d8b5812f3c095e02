"""API tokens: issued through the browser sign-in's checks, revoked by their owner
and whenever the credentials they were issued under change.

The checks are allauth's own, not copies: ``LoginForm`` (the password, with the
``login_failed`` limits per address and per IP, so an account locked out of
the sign-in page is locked out here too), allauth.mfa's ``AuthenticateForm``
(a TOTP or a recovery code, with its own limit per account), and the staff
rule (``stakeholders.permissions.staff_mfa_satisfied``).  A success sends
Django's ``user_logged_in`` as a browser sign-in does (the audit log's
"Signed in", ``last_login``), a wrong password ``user_login_failed`` (through
``authenticate``).  Storage is django-rest-knox's: only a digest is kept.
"""

from __future__ import annotations

import math

from allauth.account import app_settings as account_settings
from allauth.account.forms import LoginForm
from allauth.account.utils import has_verified_email
from allauth.core import context
from allauth.core import ratelimit as allauth_ratelimit
from allauth.mfa import signals as mfa_signals
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from plenary.audit.models import Event
from plenary.audit.services import ERASED, audit_record
from plenary.authentication import forget_token
from plenary.ratelimit import RateLimited
from stakeholders.models import ApiToken, User
from stakeholders.permissions import (
    STAFF_FACTORS,
    holds_staff_powers,
    staff_mfa_message,
)

# Why tokens died (the audit log's detail["reason"]).
REVOKED_BY_OWNER = "revoked_by_owner"
SIGNED_OUT = "signed_out"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a password)
ADDRESS_CHANGED = "address_changed"
ACCOUNT_ERASED = "account_erased"
STAFF_ROLE_LOST = "staff_role_lost"

LOCKED_OUT = "too_many_login_attempts"


def _locked_out(form) -> bool:
    return any(
        error.code == LOCKED_OUT for errors in form.errors.as_data().values() for error in errors
    )


def _retry_after(action: str) -> int:
    """The longest period among allauth's limits for ``action`` ("10/m/ip,5/5m/key"):
    a client told to wait that long finds the limit lifted."""
    periods = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    longest = 60
    for rate in str(account_settings.RATE_LIMITS.get(action) or "").split(","):
        parts = rate.strip().split("/")
        if len(parts) >= 2 and parts[1]:
            unit, amount = parts[1][-1], parts[1][:-1] or "1"
            if unit in periods and amount.isdigit():
                longest = max(longest, int(amount) * periods[unit])
    return math.ceil(longest)


def _password_checked(request: HttpRequest, email: str, password: str) -> User:
    """The account, as allauth's sign-in form checks it (limits included)."""
    if not allauth_ratelimit.consume(request, action="login"):
        raise RateLimited(_retry_after("login"))
    form = LoginForm(data={"login": email, "password": password}, request=request)
    # allauth lets an inactive account's password through and stops it at its
    # "account inactive" page; a token has no such page.
    if form.is_valid() and form.user.is_active:
        return form.user
    if _locked_out(form):
        raise RateLimited(_retry_after("login_failed"))
    if form.errors.get("login"):
        raise ValidationError({"email": form.errors["login"]})
    raise ValidationError(
        {"password": [_("This email address and password do not match an active account.")]}
    )


def _second_factor_checked(request: HttpRequest, user: User, code: str) -> None:
    """A TOTP or recovery code, validated by allauth.mfa (its limit per account).

    ``AuthenticateForm.save`` would record the step in a browser session; a
    token has none, so what it does besides is done here: the authenticator's
    last use and allauth's ``authenticator_used`` signal.
    """
    if not code:
        raise ValidationError(
            {
                "code": [
                    _(
                        "This account signs in with two factors: send the code from "
                        "your authenticator app, or one of your recovery codes."
                    )
                ]
            }
        )
    form = AuthenticateForm(user=user, data={"code": code})
    # A recovery code is marked used under a row lock (select_for_update).
    with transaction.atomic():
        valid = form.is_valid()
        if valid:
            form.authenticator.record_usage()
    if not valid:
        if _locked_out(form):
            raise RateLimited(_retry_after("login_failed"))
        raise ValidationError({"code": form.errors.get("code") or [_("Incorrect code.")]})
    mfa_signals.authenticator_used.send(
        sender=Authenticator,
        request=request,
        user=user,
        authenticator=form.authenticator,
        reauthenticated=False,
        passwordless=False,
    )


def api_token_issue(
    *, request: HttpRequest, email: str, password: str, code: str = ""
) -> tuple[ApiToken, str]:
    """A new token for the account ``email``/``password`` (and ``code``), and its
    secret, which is shown once and never stored.

    Refusals: ValidationError naming ``email``, ``password`` or ``code`` (400),
    RateLimited when allauth's limits are spent (429), PermissionDenied for
    staff without a second factor while PLENARY_STAFF_REQUIRE_MFA is on (403).
    Nothing is issued when anything is refused.  The checks run outside the
    issuing transaction: what a refusal records (the audit log's failed
    sign-in, allauth's counters) must stay.
    """
    with context.request_context(request):
        user = _password_checked(request, email.strip().lower(), password)
        if account_settings.EMAIL_VERIFICATION == (
            account_settings.EmailVerificationMethod.MANDATORY
        ) and not has_verified_email(user):
            raise ValidationError(
                {"email": [_("Confirm your email address first (see the mail we sent).")]}
            )
        if is_mfa_enabled(user, STAFF_FACTORS):
            _second_factor_checked(request, user, code)
        elif settings.PLENARY_STAFF_REQUIRE_MFA and holds_staff_powers(user):
            raise PermissionDenied(staff_mfa_message())
    with transaction.atomic():
        token, key = ApiToken.objects.create(
            user=user, client=request.headers.get("User-Agent", "")[:200]
        )
        audit_record(
            event=Event.API_TOKEN_ISSUED,
            actor=user,
            target=user.email,
            request=request,
            token=token.pk,
        )
        # As a browser sign-in: the audit log's "Signed in" and last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token, key


def _revoke(tokens, *, user, reason: str, actor=None, request=None) -> int:
    ids = list(tokens.values_list("pk", flat=True))
    if not ids:
        return 0
    digests = list(tokens.values_list("digest", flat=True))
    ApiToken.objects.filter(pk__in=ids).delete()  # post_delete bumps the user's generation
    for digest in digests:
        forget_token(digest)
    # Erasure has already redacted the log (audit_redact): name nobody.
    erased = reason == ACCOUNT_ERASED
    audit_record(
        event=Event.API_TOKEN_REVOKED,
        actor=actor if actor is not None else user,
        actor_email=ERASED if erased else "",
        target=ERASED if erased else user.email,
        request=request,
        tokens=ids,
        reason=reason,
    )
    return len(ids)


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, request=None, reason: str = REVOKED_BY_OWNER):
    """Revoke one of ``actor``'s own tokens (the page, the API, signing out)."""
    if not actor.is_authenticated or token.user_id != actor.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    _revoke(ApiToken.objects.filter(pk=token.pk), user=actor, reason=reason, request=request)


@transaction.atomic
def api_tokens_revoke_all(*, user, reason: str, actor=None, request=None) -> int:
    """Revoke every token of ``user``: their password or address changed, they
    were erased, or they lost their last staff role.  Returns how many."""
    if user is None or user.pk is None:
        return 0
    return _revoke(
        ApiToken.objects.filter(user=user), user=user, reason=reason, actor=actor, request=request
    )


def api_tokens_revoke_unless_staff(*, user, actor=None) -> int:
    """After a role was taken away: a person left without staff powers loses
    the tokens issued while they held them (consultation_role_revoke)."""
    if holds_staff_powers(user):
        return 0
    return api_tokens_revoke_all(user=user, reason=STAFF_ROLE_LOST, actor=actor)
