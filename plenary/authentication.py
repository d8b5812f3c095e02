"""API authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

Its own module: ``plenary.api`` imports DRF's views, which read the
authentication classes while they load.

Tokens are django-rest-knox's (``KNOX_TOKEN_MODEL``, stakeholders.ApiToken):
only a SHA-512 digest of the secret is stored, each expires after
``PLENARY_API_TOKEN_IDLE_DAYS`` without use, and the header stays
``Authorization: Token <token>``.  The model is named by the setting, so the
platform imports no app; besides knox's fields it must answer
``holds_current_credentials()`` (false once the password or address changed).
"""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import exceptions

from plenary import readcache


def token_digest(key: str) -> str:
    """What is stored of a token: its SHA-512 digest (knox's ``hash_token``)."""
    return hash_token(key)


def _token_entry_key(digest: str) -> str:
    return readcache.entry_key(f"token:{digest[:64]}")


def _read_token(digest: str):
    return (
        get_token_model()
        .objects.select_related("user", "user__participant", "user__participant__group")
        .filter(digest=digest)
        .first()
    )


def forget_token(digest: str) -> None:
    """Drop the kept entry of one token (its revocation also bumps its user's generation)."""
    cache.delete(_token_entry_key(digest))


def token_with_user(key: str):
    """The token ``key`` with its user, profile and group, from the read cache
    (plenary/readcache.py) when the account has not changed since it was kept.

    An entry is kept per token (under its digest, never the secret), beside its
    user's id and the generation of ``user:<id>``: two cache round trips on a
    hit, none to the database.  The first request of a token only learns whose
    it is (the generation must be read before the database); the next one
    keeps it.  A revoked token is refused at once: its deletion bumps the
    generation (stakeholders/signals.py).  Expiry is checked by the caller.
    """
    digest = token_digest(key)
    entry_key = _token_entry_key(digest)
    entry = cache.get(entry_key)  # (user id, generation, token) or None
    if entry is None:
        token = _read_token(digest)
        if token is not None:
            # Whose it is, not the token: its generation was not read first.
            cache.set(entry_key, (token.user_id, None, None), readcache.ENTRY_SECONDS)
        return token
    user_id, stored_generation, token = entry
    scope = readcache.user_scope(user_id)
    known = cache.get(readcache.generation_key(scope))
    if token is not None and known is not None and stored_generation == known:
        return token
    generation = readcache.current_generation(scope, known)  # before the database is read
    token = _read_token(digest)
    if token is not None and token.user_id == user_id and generation is not None:
        cache.set(entry_key, (user_id, generation, token), readcache.ENTRY_SECONDS)
    return token


def _keep(token) -> None:
    """Store ``token`` again under the generation its entry has (after moving its expiry)."""
    entry_key = _token_entry_key(token.digest)
    entry = cache.get(entry_key)
    if entry is not None and entry[1] is not None:
        cache.set(entry_key, (token.user_id, entry[1], token), readcache.ENTRY_SECONDS)


def idle_expiry(now: datetime) -> datetime:
    return now + knox_settings.TOKEN_TTL


def touch(token, now: datetime) -> None:
    """Move the idle expiry on, at most once per MIN_REFRESH_INTERVAL (one UPDATE).

    ``QuerySet.update`` sends no signal: a use is not a change of the account,
    so the user's kept entries stay; this token's entry is stored again.
    """
    if token.expiry is None:
        return
    new_expiry = idle_expiry(now)
    if new_expiry - token.expiry < timedelta(seconds=knox_settings.MIN_REFRESH_INTERVAL):
        return
    type(token).objects.filter(pk=token.pk).update(expiry=new_expiry, last_used_at=now)
    token.expiry, token.last_used_at = new_expiry, now
    _keep(token)


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication (hashed, expiring tokens), through the read cache.

    One lookup by digest (unique) instead of knox's scan of the prefix, with
    the participant and its group joined (every write checks the profile and
    the response names the author's group), and none while the read cache
    holds them (``token_with_user``).  An expired token is deleted and refused.
    """

    def authenticate_credentials(self, token):
        key = token.decode("utf-8", errors="replace") if isinstance(token, bytes) else token
        auth_token = token_with_user(key)
        if auth_token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if auth_token.expiry is not None and auth_token.expiry <= now:
            # Another process may have moved it on since this copy was kept.
            auth_token = _read_token(auth_token.digest)
            if auth_token is None or (auth_token.expiry is not None and auth_token.expiry <= now):
                if auth_token is not None:
                    auth_token.delete()
                raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # The password or address changed since it was issued, by whatever door
        # (the token model binds itself to them: stakeholders.ApiToken).
        if not auth_token.holds_current_credentials():
            auth_token.delete()
            raise exceptions.AuthenticationFailed(
                _("Your password or email address changed: sign in again.")
            )
        touch(auth_token, now)
        return (auth_token.user, auth_token)
