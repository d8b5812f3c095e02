"""Rate limits for Plenary's own writes (comments, replies, written answers), on Django's cache.

allauth limits sign-up, sign-in and password resets itself (``ACCOUNT_RATE_LIMITS``
in settings); this module limits what allauth does not see.  The services
count, so that every way in (the page, the API, whatever comes next) is limited
alike; the entry points only say who is asking, and answer the refusal:

    services.comment_create(..., rate_key=ratelimit.rate_key(request))
    # in the service: ratelimit.count_attempt("comment", rate_key)  -> RateLimited
    # the page: plenary.forms.submit notes it, @ratelimit.answers_429 answers 429;
    # the API: plenary.api.exception_handler answers 429 with Retry-After.

A *scope* (``"comment"``) has two rates in settings, ``PLENARY_RATE_<SCOPE>_PER_ACCOUNT``
and ``PLENARY_RATE_<SCOPE>_PER_IP``, written ``"<count>/<period>"`` with the
period in seconds, minutes, hours or days (``"10/m"``, ``"30/5m"``, ``"200/h"``);
an empty rate switches that limit off.  Every attempt that reaches the service
counts (a refused comment too: the limit protects the server as much as the
thread).

Why not a library: django-ratelimit (4.1) counts the same way, but its system
checks fail on a locmem cache (E003, our default without Redis) and warn on
Django's own RedisCache (W001), and it leaves "how long until the next
attempt" to the caller; allauth's limiter is internal API and takes a cache
lock per hit.  This is one atomic
``incr`` per key and rate, and lock-free; while Redis is down (the cache fails
open, ``plenary/cache.py``) nothing is limited and nothing breaks.

How: fixed windows aligned on the epoch.  The counter for a key lives in the
cache under ``plenary-rl:<scope>:<who>:<window start>``, created with
``cache.add`` and raised with ``cache.incr`` (atomic on Redis and locmem), so
parallel requests cannot slip past the limit.  ``Retry-After`` is the time left
in the window.  The price of fixed windows: across a window boundary a client
can make up to twice the limit in a short burst.  With locmem (no
``REDIS_URL``) each process counts on its own; production uses Redis.

Who is counted (a :class:`RateKey`): the signed-in account, and the client IP
(``REMOTE_ADDR``, as the audit log: ``X-Forwarded-For`` is not trusted, so
behind a proxy the proxy must set it; IPv6 addresses count per /64, which one
host usually holds whole).  A service has no request: the entry point builds
the key (``rate_key(request)``) and passes it.  A call without a key is not
counted: staff entering letters and emails on behalf of others (channels
``email``/``letter``, ``comments.offline.services``, which writes through
``comment_write`` and never reaches the count) are not throttled as one
participant, nor is the demo seeding (``seed_demo``) or a test's setup.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """At most ``count`` attempts per ``period`` seconds."""

    count: int
    period: int

    @classmethod
    def parse(cls, text: str | None) -> Rate | None:
        """``"10/m"`` → Rate(10, 60); ``"30/5m"`` → Rate(30, 300); blank → None (no limit)."""
        if not text or not text.strip():
            return None
        match = _RATE_RE.match(text)
        if match is None:
            raise ImproperlyConfigured(
                f"Rate {text!r}: write <count>/<period>, such as 10/m, 30/5m or 200/h."
            )
        count, multiplier, unit = match.groups()
        period = int(multiplier or 1) * _UNIT_SECONDS[unit]
        if period == 0:
            raise ImproperlyConfigured(f"Rate {text!r}: the period cannot be zero.")
        return cls(int(count), period)


class RateLimited(ValidationError):
    """Too many attempts; try again in ``retry_after`` seconds.

    A ValidationError (not a field's), so ``plenary.forms.submit`` puts the
    message above the form and keeps what was typed (and notes it for
    ``answers_429``); ``plenary.api`` turns it into 429 with ``Retry-After``
    before treating other ValidationErrors.
    """

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        minutes = math.ceil(retry_after / 60)
        if retry_after < 90:
            wait = ngettext("%(n)d second", "%(n)d seconds", retry_after) % {"n": retry_after}
        else:
            wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        super().__init__(
            _("You are posting faster than Plenary allows: try again in %(wait)s.")
            % {"wait": wait},
            code="rate_limited",
        )


@dataclass(frozen=True)
class RateKey:
    """Whom an attempt counts against: an account (its pk; None when nobody is
    signed in) and a client address (``client_ip``)."""

    user_id: int | None
    ip: str


def client_ip(request) -> str:
    """The address a limit per IP counts: REMOTE_ADDR, IPv6 reduced to its /64."""
    address = request.META.get("REMOTE_ADDR") or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def rates(scope: str) -> dict[str, Rate | None]:
    """The configured rates of ``scope``: per account and per IP."""
    prefix = f"PLENARY_RATE_{scope.upper()}_PER_"
    return {
        "account": Rate.parse(getattr(settings, prefix + "ACCOUNT", "")),
        "ip": Rate.parse(getattr(settings, prefix + "IP", "")),
    }


def _count(key: str, rate: Rate, now: float) -> tuple[int, int]:
    """Count one attempt for ``key``; return (attempts in this window, seconds left in it)."""
    window = int(now // rate.period)
    left = max(1, math.ceil((window + 1) * rate.period - now))
    cache_key = f"plenary-rl:{key}:{rate.period}:{window}"
    # The first attempt of a window creates its counter (add() is atomic and
    # refuses an existing key); later ones raise it with the atomic incr().
    if cache.add(cache_key, 1, timeout=left + 1):
        return 1, left
    try:
        return cache.incr(cache_key), left
    except ValueError:
        # The key vanished between the two calls, or the cache is down
        # (plenary.cache.FailOpenRedisCache): the limit fails open.
        return 1, left


def rate_key(request, *, user=None) -> RateKey:
    """Who makes ``request``: ``user`` (default: the request's, if signed in) from
    its client address.  What an entry point passes to a service that counts."""
    user = user if user is not None else getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return RateKey(user_id=user.pk if signed_in else None, ip=client_ip(request))


def count_attempt(scope: str, key: RateKey) -> None:
    """Count an attempt of ``scope`` by ``key``'s account and from its address;
    raise RateLimited if either count is now over its rate.

    The one place the limit is applied; services call it first thing (a refused
    attempt counts too), with the key their caller passed.
    """
    now = time.time()
    subjects = []
    configured = rates(scope)
    if configured["account"] is not None and key.user_id is not None:
        subjects.append((f"{scope}:user:{key.user_id}", configured["account"]))
    if configured["ip"] is not None:
        subjects.append((f"{scope}:ip:{key.ip}", configured["ip"]))
    waits = []
    for subject, rate in subjects:
        attempts, left = _count(subject, rate, now)
        if attempts > rate.count:
            waits.append(left)
            if attempts == rate.count + 1:  # once per window, not at every retry
                logger.info("Rate limit %s/%ds reached by %s.", rate.count, rate.period, subject)
    if waits:
        raise RateLimited(retry_after=max(waits))


def hit(scope: str, *, request, user=None) -> None:
    """``count_attempt`` for ``request``'s user (or ``user``) from its address."""
    count_attempt(scope, rate_key(request, user=user))


def answers_429(view):
    """A page view whose service refused with RateLimited answers 429 with
    ``Retry-After`` (its body is still the page, with the form and its message).

    ``plenary.forms.submit`` notes the refusal on the request
    (``plenary_rate_limited``); the form shows it like any service error.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        refused = getattr(request, "plenary_rate_limited", None)
        if refused is not None and response.status_code < 300:
            response.status_code = 429
            response["Retry-After"] = str(refused.retry_after)
        return response

    return wrapped
