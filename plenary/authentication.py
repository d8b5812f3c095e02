"""API authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

Its own module: ``plenary.api`` imports DRF's views, which read the
authentication classes while they load.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the participant and its group with the user.

    Every write checks the profile (``comments.permissions.has_profile``) and
    the response names the author's group: one joined query instead of three.
    """

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:  # get(), not first(): no ORDER BY to compile on every API request
            token = model.objects.select_related(
                "user", "user__participant", "user__participant__group"
            ).get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
