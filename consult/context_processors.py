"""Template context every page gets: the site's name, whether to offer "Staff",
and the page to come back to after signing in or up.

``show_staff_link`` is ``consult.permissions.can_see_staff_pages``, computed at
most once per request and only when a template asks (a lazy object), so the
header never restates the rule.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from consult import permissions


def site(request) -> dict:
    user = getattr(request, "user", None)
    # The account pages themselves are not a place to come back to.
    accounts = reverse("account_login").rstrip("/").rsplit("/", 1)[0] + "/"
    path = request.get_full_path()
    return {
        "PLENARY_SITE_NAME": settings.PLENARY_SITE_NAME,
        "show_staff_link": SimpleLazyObject(lambda: permissions.can_see_staff_pages(user)),
        "return_to": "" if request.path.startswith(accounts) else path,
    }
