"""A participant's own data: download all of it (JSON), or erase the account.

``personal_data_export(user)`` (``feedback.privacy.selectors``) gathers
everything Plenary holds about one account in a fixed number of queries,
whatever the number of comments: every part is one ``.values()`` query.

``account_erase(actor=..., ...)`` (the service) removes the personal data and
keeps the public record:

- the account: email becomes ``erased-<id>@invalid``, the password unusable,
  the account inactive, its roles, permissions, sign-in addresses, social
  accounts, MFA authenticators, API token and sessions go, and ``erased_at``
  is set;
- the profile: the display name becomes "Withdrawn participant <code>",
  gender, age range and interests are cleared, affiliations and follows are
  deleted, and so are the network hashes of what they sent
  (comments/provenance/).  Group and country stay: they are what every public comment
  already shows, and the balance statistics count them;
- comments stay in the record, attributed to that withdrawn participant
  (PLENARY_ERASURE_POLICY="keep", the default), or are withdrawn
  ("withdraw": ``withdrawn_at`` set, text no longer public).  Comment bodies
  are what the person published and are never rewritten: a body that names
  its author still names them.  The ledger is not touched: its counts and
  hashes are the same after an erasure (the hash chain covers receipts and
  decisions, not names);
- outcome reports of the consultations the person commented on are deleted
  (``feedback.report.services.reports_forget_author``), and the report's
  state key counts the erasure, so the next one is built without the name;
- logs: the audit log is redacted (``plenary.audit.services.audit_redact``),
  mail deliveries and admin log entries lose the address and the name.
"""

from __future__ import annotations

import secrets

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.models import Comment
from comments.participation.services import participation_comments_leaving_public
from comments.provenance.services import submission_networks_forget
from comments.signatures.services import signatures_forget
from consult.models import Follow
from feedback.privacy.selectors import MAIL_SWITCHES
from feedback.report.services import reports_forget_author
from plenary.audit.services import ERASED, audit_redact
from plenary.outbox.models import MailDelivery
from plenary.pagecache import pages_changed
from stakeholders.accounts.services import ACCOUNT_ERASED, api_tokens_revoke_all
from stakeholders.models import Affiliation, Participant, User
from stakeholders.registry.services import WITHDRAWN_NAME

# Typed by people who have no password (accounts made through a social login).
ERASE_PHRASE = gettext_lazy("erase my account")


def _withdrawn_name() -> str:
    while True:
        name = f"{WITHDRAWN_NAME} {secrets.token_hex(3)}"
        if not Participant.objects.filter(display_name__iexact=name).exists():
            return name


def _check_confirmation(*, actor: User, password: str, phrase: str) -> None:
    if actor.has_usable_password():
        if not password or not actor.check_password(password):
            raise ValidationError({"password": _("This is not your password.")})
    elif phrase.strip().casefold() != str(ERASE_PHRASE).casefold():
        raise ValidationError(
            {"phrase": _("Type “%(phrase)s” to confirm.") % {"phrase": ERASE_PHRASE}}
        )


@transaction.atomic
def account_erase(*, actor: User, password: str = "", phrase: str = "") -> User:
    """Erase the signed-in person's account (see the module docstring); no undo.

    Confirmed by their password, or, for an account without one, by typing
    ``ERASE_PHRASE``.  Everything happens in one transaction: if any step
    fails, nothing is erased.
    """
    if not actor.is_authenticated or not actor.is_active or actor.erased_at is not None:
        raise PermissionDenied(_("Sign in to erase your account."))
    user = User.objects.select_for_update().get(pk=actor.pk)
    _check_confirmation(actor=user, password=password, phrase=phrase)
    now = timezone.now()
    email = user.email.lower()
    placeholder = f"erased-{user.pk}@invalid"

    if settings.PLENARY_ERASURE_POLICY == "withdraw":
        # As comment_withdraw does, but for every round, open or closed: the
        # right to erasure does not wait for a round to reopen.
        withdrawn = Comment.objects.filter(author=user, withdrawn_at__isnull=True)
        # Locked first, so that no moderator moves one between the count and the update.
        list(withdrawn.select_for_update().values_list("pk", flat=True))
        participation_comments_leaving_public(comments=withdrawn)
        withdrawn.update(withdrawn_at=now, updated_at=now)

    # Logs first, while the address is still on the account.
    audit_redact(user=user)
    MailDelivery.objects.filter(recipient__iexact=email).update(recipient=placeholder)
    participant = Participant.objects.filter(user=user).first()
    log_entries = Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    if participant is not None:
        log_entries |= Q(
            content_type=ContentType.objects.get_for_model(Participant),
            object_id=str(participant.pk),
        )
    LogEntry.objects.filter(log_entries).update(object_repr=ERASED, change_message="")

    # Sign-in: addresses, social accounts, second factors, tokens, sessions, roles.
    for label in ("account.EmailAddress", "socialaccount.SocialAccount", "mfa.Authenticator"):
        app_label = label.split(".")[0]
        if any(config.label == app_label for config in apps.get_app_configs()):
            apps.get_model(label).objects.filter(user=user).delete()
    api_tokens_revoke_all(user=user, reason=ACCOUNT_ERASED)
    if apps.is_installed("guardian"):
        from guardian.models import UserObjectPermission  # an optional app: only if installed

        UserObjectPermission.objects.filter(user=user).delete()
    _delete_sessions(user_id=user.pk, now=now)
    Follow.objects.filter(user=user).delete()
    submission_networks_forget(user=user)  # where they sent from (comments/provenance/)
    # Co-signatures stay and still count, anonymously (issue 25, part 25a).
    signatures_forget(user=user, email=email)

    if participant is not None:
        Affiliation.objects.filter(participant=participant).delete()
        participant.interests.clear()
        participant.display_name = _withdrawn_name()
        participant.gender = ""
        participant.age_range = ""
        participant.save(update_fields=["display_name", "gender", "age_range"])

    user.email = placeholder
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.erased_at = now
    for switch in MAIL_SWITCHES:
        setattr(user, switch, False)
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    reports_forget_author(user=user)  # and stored outcome reports (issue 21)
    pages_changed()  # the name leaves anonymous readers' stored pages at once
    # The caller's object too (request.user): signing out next must not log the old address.
    actor.refresh_from_db()
    return user


def _delete_sessions(*, user_id: int, now) -> None:
    """Sign the account out everywhere (database sessions).

    Sessions do not say whose they are without decoding them, so this reads
    every unexpired one: fine for the session counts of a consultation site.
    (An unusable password already invalidates them all: Django checks the
    session's password hash on every request.)
    """
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user_id)
    ]
    Session.objects.filter(pk__in=doomed).delete()
