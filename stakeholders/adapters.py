from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Send new and profile-less accounts to the short profile form first."""

    def get_signup_redirect_url(self, request):
        return reverse("profile")

    def get_login_redirect_url(self, request):
        if not hasattr(request.user, "participant"):
            return reverse("profile")
        return super().get_login_redirect_url(request)
