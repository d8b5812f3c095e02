"""Bounded waits on a condition, for tests that watch other threads and processes.

A fixed ``time.sleep(n)`` hoping that something has happened by then is wrong
both ways: on a fast machine it wastes ``n`` seconds, on a slow or busy one
(CI shares two cores) the thing has not happened yet and the test fails at
random.  ``wait_until`` polls the condition instead: it returns as soon as the
condition holds, and fails (AssertionError) with a message naming what never
happened once ``timeout`` has passed.

A test that must show that something does *not* happen (no second mail) waits
instead for a state in which it can no longer happen (nothing queued, nothing
running), and ``steady`` asks that state to hold on two polls in a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.1,
    message: str | Callable[[], str],
) -> T:
    """Call ``predicate`` every ``interval`` seconds until it returns a true value; return it.

    Raises AssertionError("timed out after <timeout>s waiting for <message>")
    when it is still false after ``timeout`` seconds.  ``message`` may be a
    callable, called only then, to describe the state at the time of failure.
    An exception raised by ``predicate`` (a process that died) ends the wait at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            what = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(min(interval, remaining))  # the polling interval, not a guess


def steady(probe: Callable[[], object]) -> Callable[[], bool]:
    """A predicate for ``wait_until``: true once ``probe()`` returned the same true
    value on two polls in a row (a state that lasts, not one caught in passing)."""
    last: list[object] = []

    def predicate() -> bool:
        value = probe()
        held = bool(value) and bool(last) and last[0] == value
        last[:] = [value]
        return held

    return predicate
