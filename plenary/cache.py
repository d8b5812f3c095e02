"""A Redis cache that fails open: while Redis is down, the request path carries on.

The cache shares the Redis of the Celery broker (``REDIS_URL``).  Plenary
keeps nothing in it that a request cannot do without: rate-limit counters
(``plenary.ratelimit``, allauth), the consultation page's comment counts
(``feedback.participation.selectors.page_counts``) and the anonymous readers' micro-cache of
pages (``plenary.pagecache``).  Django's ``RedisCache``
raises ``ConnectionError`` when Redis is unreachable, which would turn every
comment POST into a 500 during a Redis restart; this subclass answers as an
empty cache instead (a miss, a failed ``add``, a missing key for ``incr``),
logs a warning, and uses short socket timeouts (settings) so a blackholed
Redis costs at most about a second.  The trade-off, on purpose: during an
outage rate limits are not enforced, rather than nobody being able to comment.
``tests/test_faults.py`` stops Redis in the middle of a run and posts through
HTTP to prove it.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _unavailable(operation: str, exc: Exception) -> None:
    logger.warning("cache unavailable (%s: %s); carrying on without it", operation, exc)


class FailOpenRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            _unavailable("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            _unavailable("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            _unavailable("has_key", exc)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _unavailable("add", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _unavailable("set", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            _unavailable("set_many", exc)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            _unavailable("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            _unavailable("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            _unavailable("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            _unavailable("incr", exc)
            raise ValueError(f"Key {key!r} not found (cache unavailable)") from exc

    def clear(self):
        try:
            super().clear()
        except UNAVAILABLE as exc:
            _unavailable("clear", exc)
