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
* **The key** is the address with its query string, the language and the time
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
import time
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
# A cold page: how long other readers wait for the one rendering it, polling.
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.05
LOCK_SECONDS = 10  # a renderer that died releases its page after this
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
            request.build_absolute_uri(),  # scheme, host, path and query
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


def _serve(request, stored) -> HttpResponse:
    _fresh_until, headers, content = stored
    if _PLACEHOLDER in content:  # this reader's own token (and cookie)
        content = content.replace(_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def _render(view, request, args, kwargs, *, key: str, seconds: int):
    """Render the page and store it (when storable) for ``seconds``, then a
    grace period as long in which it is served while one reader renders anew."""
    response = view(request, *args, **kwargs)
    if _storable(response):
        headers = [(n, v) for n, v in response.items() if n.lower() != "vary"]
        content = _TOKEN.sub(rb"\1" + _PLACEHOLDER + rb"\2", response.content)
        cache.set(key, (time.time() + seconds, headers, content), 2 * seconds)
    return response


def anonymous_micro_cache(view):
    """Serve ``view``'s page to anonymous readers from the micro-cache (see above).

    One reader at a time renders a page (a lock in the cache, ``add``): when
    the stored page is past its seconds the others are served it for as long
    again (it is of the same generation: nothing hidden since is in it), and
    when there is none yet (a cold start) they wait up to WAIT_SECONDS for it
    before rendering it themselves.  A surge's first second is otherwise 200
    readers rendering the same five pages at once.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = _seconds()
        if not seconds or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        lock = f"{key}:rendering"
        stored = cache.get(key)
        owner = False  # of the lock: this reader renders the page
        if stored is None:
            deadline = time.monotonic() + WAIT_SECONDS
            while not (owner := cache.add(lock, 1, timeout=LOCK_SECONDS)):
                if cache.get(lock) is None:  # just released, or the cache is down
                    stored = cache.get(key)
                    break
                if time.monotonic() >= deadline:
                    break  # the renderer is slow: render it here too
                time.sleep(POLL_SECONDS)
                stored = cache.get(key)
                if stored is not None:
                    break
        elif stored[0] < time.time():
            owner = cache.add(lock, 1, timeout=LOCK_SECONDS)
            if owner:
                stored = None  # past its seconds: this reader renders it anew
        if stored is not None:
            response = _serve(request, stored)
        else:
            try:
                response = _render(view, request, args, kwargs, key=key, seconds=seconds)
            finally:
                if owner:
                    cache.delete(lock)
        # The page differs for a reader with a session: no shared cache may mix them.
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapped
