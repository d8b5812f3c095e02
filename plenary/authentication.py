"""API authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

Its own module: ``plenary.api`` imports DRF's views, which read the
authentication classes while they load.
"""

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from plenary import readcache


def _token_entry_key(key: str) -> str:
    return readcache.entry_key(f"token:{key}")


def _read_token(key: str) -> Token | None:
    return (
        Token.objects.select_related("user", "user__participant", "user__participant__group")
        .filter(key=key)
        .first()
    )


def token_with_user(key: str) -> Token | None:
    """The token ``key`` with its user, profile and group, from the read cache
    (plenary/readcache.py) when the account has not changed since it was kept.

    An entry is kept per token, beside its user's id and the generation of
    ``user:<id>``: two cache round trips on a hit, none to the database.  The
    first request of a token only learns whose it is (the generation must be
    read before the database); the next one keeps it.
    """
    entry_key = _token_entry_key(key)
    entry = cache.get(entry_key)  # (user id, generation, token) or None
    if entry is None:
        token = _read_token(key)
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
    token = _read_token(key)
    if token is not None and token.user_id == user_id and generation is not None:
        cache.set(entry_key, (user_id, generation, token), readcache.ENTRY_SECONDS)
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the participant and its group with the user.

    Every write checks the profile (``comments.permissions.has_profile``) and
    the response names the author's group: one joined query instead of
    three, and none while the read cache holds them (``token_with_user``).
    """

    def authenticate_credentials(self, key):
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
