"""allauth's adapter: the site's name in its mails, the short profile form first,
and the way back to the page the person came from (``next``) through sign-up,
the confirmation of the address and signing in."""

from dataclasses import dataclass
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# Where a person signing up was going: kept in the session from the sign-up form
# until the address is confirmed (possibly after signing in again).
NEXT_SESSION_KEY = "plenary_signup_next"


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's mail templates read as ``current_site`` (``name``, ``domain``):
    the site's name and its public address, not the host of the request."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    domain = settings.SITE_URL.split("://", 1)[-1]
    return SiteIdentity(name=settings.PLENARY_SITE_NAME, domain=domain)


class AccountAdapter(DefaultAccountAdapter):
    """Send new and profile-less accounts to the short profile form first,
    keeping where they were going (``?next=``) for after it."""

    def _profile_url(self, request, next_url: str | None = None) -> str:
        url = reverse("profile")
        next_url = next_url or get_next_redirect_url(request)
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def _safe(self, request, url: str | None) -> str | None:
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        return None

    # --- the site's name in allauth's mails ------------------------------------------

    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.PLENARY_SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        super().send_mail(template_prefix, email, {**context, "current_site": site_identity()})

    # --- back to where the person was ------------------------------------------------

    def save_user(self, request, user, form, commit=True):
        """At sign-up, remember ``next`` until the address is confirmed."""
        next_url = self._safe(request, get_next_redirect_url(request))
        if next_url:
            request.session[NEXT_SESSION_KEY] = next_url
        return super().save_user(request, user, form, commit=commit)

    def get_signup_redirect_url(self, request):
        return self._profile_url(request, request.session.get(NEXT_SESSION_KEY))

    def get_login_redirect_url(self, request):
        next_url = self._safe(request, request.session.pop(NEXT_SESSION_KEY, None))
        if not hasattr(request.user, "participant"):
            return self._profile_url(request, next_url)
        return next_url or super().get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        """After confirming: signed in, to where the person was going (through the
        profile form if it is not filled in); not signed in (the link opened in
        another browser), to the sign-in form, which then goes there."""
        request = self.request
        if request.user.is_authenticated:
            return self.get_login_redirect_url(request)
        next_url = self._safe(request, request.session.get(NEXT_SESSION_KEY))
        login = reverse("account_login")
        return f"{login}?{urlencode({'next': next_url})}" if next_url else login
