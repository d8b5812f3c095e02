"""Hot reads kept in Django's cache, each under a generation its writers bump.

Every comment POST reads the same few rows: the API token with its user,
profile and group (``plenary.authentication``), and the consultation with its
rounds and their drafts (``consult.consultations.selectors.consultation_for_viewer``).  They
change rarely, so they are kept in the cache (Redis in production, the
process's memory without ``REDIS_URL``), pickled as Django pickles model
instances, through the cache framework's public API only.

How an entry stays true:

* **A generation per scope** (``consultation:<slug>``, ``user:<pk>``): a
  random value under its own key.  An entry is stored beside the generation
  that was current *before* the database was read, and served only while
  that generation is still current.
* **Writers bump it** (:func:`forget`): a new random value at once (so the
  writer's own transaction reads the database again) and again when the
  transaction commits (so a reader that read the old rows in between stored
  them under a generation nobody serves).  The models' ``post_save`` and
  ``post_delete`` receivers bump it for every ``save()``/``delete()``, the
  admin's and allauth's included (``consult.signals``, ``stakeholders.signals``);
  a service that writes with ``QuerySet.update()``, which sends no signal,
  calls :func:`forget` itself.
* **Entries expire** (:data:`ENTRY_SECONDS`): a bump lost while Redis was
  unreachable (the cache fails open, ``plenary.cache``) leaves an entry
  stale for at most that long.  With the cache down every read misses and
  goes to the database, as before.
"""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

ENTRY_SECONDS = 60
# A generation outlives its entries; if one is evicted, a new random value
# is drawn and the entries stored under the old one are never served.
GENERATION_SECONDS = 24 * 3600

_PREFIX = "readcache:"


def user_scope(user_id: int) -> str:
    """The scope of what is kept about one account: its API token with the user,
    profile and group (``plenary.authentication.token_with_user``)."""
    return f"user:{user_id}"


def standing_scope(user_id: int) -> str:
    """The scope of one person's standing in each consultation
    (``comments.permissions.standing_of``)."""
    return f"standing:{user_id}"


def generation_key(scope: str) -> str:
    return f"{_PREFIX}gen:{scope}"


def entry_key(scope: str) -> str:
    return f"{_PREFIX}entry:{scope}"


def current_generation(scope: str, known: str | None = None) -> str | None:
    """The scope's generation (``known``: as just read), drawn if it has none.

    None when it cannot be told (the cache is down, or another reader drew
    one at the same moment): then nothing is stored.
    """
    if known is not None:
        return known
    drawn = uuid4().hex
    return drawn if cache.add(generation_key(scope), drawn, GENERATION_SECONDS) else None


def store(scope: str, generation: str | None, value: Any, key: str | None = None) -> None:
    if generation is not None:
        cache.set(key or entry_key(scope), (generation, value), ENTRY_SECONDS)


def served(entry, generation: str | None):
    """The value of ``entry`` (as stored) if ``generation`` is still its own, else None."""
    if entry is None or generation is None:
        return None
    stored_generation, value = entry
    return value if stored_generation == generation else None


def read_through(
    scope: str,
    read: Callable[[], Any],
    *,
    part: str = "",
    keep: Callable[[Any], bool] = lambda value: value is not None,
) -> Any:
    """The value ``read()`` gives, kept under ``scope``: one cache round trip on a hit.

    ``part`` names one of several entries under the scope's generation.  Only
    a value ``keep`` accepts is kept (by default: not None, nothing found).
    """
    gen_key, key = generation_key(scope), entry_key(f"{scope}:{part}" if part else scope)
    found = cache.get_many([gen_key, key])
    known = found.get(gen_key)
    value = served(found.get(key), known)
    if value is not None:
        return value
    generation = current_generation(scope, known)  # before the database is read
    value = read()
    if keep(value):
        store(scope, generation, value, key=key)
    return value


def forget(*scopes: str) -> None:
    """Drop what is kept under ``scopes``: now, and again when the transaction commits."""
    if not scopes:
        return

    def bump():
        cache.set_many({generation_key(s): uuid4().hex for s in scopes}, GENERATION_SECONDS)

    bump()
    transaction.on_commit(bump)
