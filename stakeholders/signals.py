"""The read cache's invalidation (plenary/readcache.py, plenary/authentication.py),
and API tokens dying with the credentials they were issued under.

Every save or delete of what an API token's entry holds (the account, its
profile, its token, its group's name) bumps its user's generation, and of
what a person's standing holds (the account, its addresses) their standing's,
whoever writes it: the services, allauth, the admin.

allauth's signals for a password changed, set or reset and for a sign-in
address changed or removed revoke the account's API tokens
(``stakeholders.accounts.services.api_tokens_revoke_all``, audited).
Imported by ``StakeholdersConfig.ready``.
"""

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from plenary.readcache import forget, standing_scope, user_scope
from stakeholders.accounts.services import (
    ADDRESS_CHANGED,
    PASSWORD_CHANGED,
    api_tokens_revoke_all,
)
from stakeholders.models import ApiToken, Participant, StakeholderGroup


def _forget_users(*user_ids):
    forget(*(user_scope(pk) for pk in user_ids if pk is not None))


def _user_changed(sender, instance, **kwargs):
    """The account: kept with its token, and its address is part of its standing."""
    forget(user_scope(instance.pk), standing_scope(instance.pk))


def _address_changed(sender, instance, **kwargs):
    """An address added, confirmed or removed (allauth): part of the kept standing."""
    forget(standing_scope(instance.user_id))


def _of_user_changed(sender, instance, **kwargs):
    """A profile or an API token: kept with the user by ``token_with_user``."""
    _forget_users(instance.user_id)


def _group_changed(sender, instance, **kwargs):
    """A renamed group: the API answers name it.  Rare (the secretariat's settings)."""
    _forget_users(*Participant.objects.filter(group=instance).values_list("user_id", flat=True))


def _password_changed(sender, request, user, **kwargs):
    api_tokens_revoke_all(user=user, reason=PASSWORD_CHANGED, request=request)


def _address_changed_or_removed(sender, request, user, **kwargs):
    api_tokens_revoke_all(user=user, reason=ADDRESS_CHANGED, request=request)


def connect() -> None:
    for signal in (
        account_signals.password_changed,
        account_signals.password_set,
        account_signals.password_reset,
    ):
        signal.connect(_password_changed, dispatch_uid="api-tokens-password")
    for signal in (account_signals.email_changed, account_signals.email_removed):
        signal.connect(_address_changed_or_removed, dispatch_uid="api-tokens-address")
    for signal in (post_save, post_delete):
        signal.connect(_user_changed, sender=get_user_model(), dispatch_uid="readcache")
        signal.connect(_of_user_changed, sender=Participant, dispatch_uid="readcache-p")
        signal.connect(_of_user_changed, sender=ApiToken, dispatch_uid="readcache-t")
        signal.connect(_group_changed, sender=StakeholderGroup, dispatch_uid="readcache-g")
        signal.connect(_address_changed, sender=EmailAddress, dispatch_uid="readcache-e")
