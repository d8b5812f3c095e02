"""A micro-cache of the public pages for anonymous readers (a deadline surge).

In the last hours of a round most visitors read the draft and its threads
without signing in, and every one of them re-rendered the same section page
(about 30 ms of CPU each: docs/QUALITY.md).  :func:`anonymous_micro_cache`
keeps the rendered page for ``PLENARY_PAGE_CACHE_SECONDS`` (a few seconds;
0 turns it off) in the shared cache, so a surge of readers costs one render
per page every few seconds.

What makes it safe:

* **Only anonymous GETs** with no session and no messages cookie: nobody who
  is signed in, or who has a message waiting ("Your comment is recorded..."),
  ever gets a stored page or has theirs stored.  Such a reader sees new
  comments at most that many seconds late.
* **The key** is the path with its query string, the language and the time
  zone of the request (the middleware set both from cookies and headers),
  and a **generation** number.  Services that take text off the public pages
  (moderation, withdrawal, edits, erasure) call :func:`pages_changed` after
  their transaction commits: the number moves and every stored page is
  stale at once, so a hidden comment is gone for the next anonymous reader.
  The generation is read before the view reads anything, so a page rendered
  from data older than a change is stored under the old number.
* **No cookie is stored.** A response that sets one, or that is not a plain
  200, is not stored.  The CSRF tokens of the page's forms (the language
  switcher) belong to the first reader: they are stored as a placeholder and
  each reader gets their own token (``django.middleware.csrf.get_token``,
  which also sets their cookie).
* It **fails open** like the rest of the cache (plenary/cache.py): with
  Redis down every reader gets a fresh render.
"""

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

GENERATION_KEY = "plenary:pages:generation"
_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
_PLACEHOLDER = b"\x00plenary-csrf\x00"
# Cookies that make a reader someone the page may differ for.
_PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def _seconds() -> int:
    return int(getattr(settings, "PLENARY_PAGE_CACHE_SECONDS", 0) or 0)


def pages_changed() -> None:
    """Make every stored page stale, once the current transaction commits
    (at once outside one).  Call it from services that take text off the
    public pages."""
    transaction.on_commit(_bump)


def _bump() -> None:
    if cache.add(GENERATION_KEY, 1, timeout=None):
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # gone since add(), or Redis is down (plenary/cache.py)
        cache.set(GENERATION_KEY, 1, timeout=None)


def _cacheable(request) -> bool:
    return request.method == "GET" and not any(
        name in request.COOKIES for name in _PERSONAL_COOKIES
    )


def _key(request) -> str:
    generation = cache.get(GENERATION_KEY, 0)
    what = "\n".join(
        [
            request.get_full_path(),
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
        ]
    )
    return f"plenary:page:{generation}:{hashlib.sha256(what.encode()).hexdigest()}"


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")  # the view said something: obey it
    )


def anonymous_micro_cache(view):
    """Serve ``view``'s page to anonymous readers from the micro-cache (see above)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = _seconds()
        if not seconds or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            headers, content = stored
            if _PLACEHOLDER in content:  # this reader's own token (and cookie)
                content = content.replace(_PLACEHOLDER, get_token(request).encode())
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
        else:
            response = view(request, *args, **kwargs)
            if _storable(response):
                headers = [(n, v) for n, v in response.items() if n.lower() != "vary"]
                content = _TOKEN.sub(rb"\1" + _PLACEHOLDER + rb"\2", response.content)
                cache.set(key, (headers, content), seconds)
        # The page differs for a reader with a session: no shared cache may mix them.
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapped
