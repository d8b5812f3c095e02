"""Sign-in, failed sign-in and sign-out, from django.contrib.auth's signals, and
a wrong second-factor code from allauth.mfa's.

allauth signs users in through ``django.contrib.auth.login`` and reports
failed attempts through ``authenticate``; the API token view sends the same
signals (stakeholders.accounts.services), so these cover the web forms, the
admin and the API alike.
"""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

from plenary.audit.models import Event
from plenary.audit.services import audit_record


def on_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(event=Event.SIGN_IN, actor=user, target=user.email, request=request)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None:  # signing out while not signed in
        return
    audit_record(event=Event.SIGN_OUT, actor=user, target=user.email, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django already masks the password in ``credentials``; keep only the address.
    attempted = str(credentials.get("email") or credentials.get("username") or "").strip()
    audit_record(
        event=Event.SIGN_IN_FAILED,
        actor_email=attempted.lower(),
        target=attempted.lower()[:254],
        request=request,
    )


def on_second_factor_failed(sender, request, user, authenticator, **kwargs) -> None:
    """A wrong TOTP or recovery code after the right password (page or API)."""
    audit_record(
        event=Event.SIGN_IN_FAILED,
        actor_email=user.email.lower(),
        target=user.email.lower()[:254],
        request=request,
        factor=str(authenticator.type),
        reauthentication=bool(kwargs.get("reauthentication")),
    )


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="audit_logged_in")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="audit_logged_out")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    mfa_signals.authentication_failed.connect(
        on_second_factor_failed, dispatch_uid="audit_second_factor_failed"
    )
