from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Send new and profile-less accounts to the short profile form first,
    keeping where they were going (``?next=``) for after it."""

    def _profile_url(self, request) -> str:
        url = reverse("profile")
        next_url = get_next_redirect_url(request)
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def get_signup_redirect_url(self, request):
        return self._profile_url(request)

    def get_login_redirect_url(self, request):
        if not hasattr(request.user, "participant"):
            return self._profile_url(request)
        return super().get_login_redirect_url(request)
