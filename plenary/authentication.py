"""API authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

Its own module: ``plenary.api`` imports DRF's views, which read the
authentication classes while they load.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from plenary.prepared import Prepared

# Compiled once per thread (plenary/prepared.py): every API request asks it.
_TOKENS = Prepared(
    lambda key: Token.objects.select_related(
        "user", "user__participant", "user__participant__group"
    ).filter(key=key),
    key=str,
)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the participant and its group with the user.

    Every write checks the profile (``comments.permissions.has_profile``) and
    the response names the author's group: one joined query instead of three.
    """

    def authenticate_credentials(self, key):
        tokens = _TOKENS.run(key=key)  # the key is the primary key: one or none
        if not tokens:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        (token,) = tokens
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
