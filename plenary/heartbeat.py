"""Heartbeats of the background processes: the worker (one per queue it consumes),
beat and the relay.

Kept in the shared cache (Redis), not in the database: every web process reads
the same Redis, a heartbeat is worth nothing once it is old, and writing it
costs no database connection, which matters in a prefork worker, whose parent
process must not open one before it forks its children.  When Redis is down the
cache fails open (``plenary.cache``): heartbeats then read as missing, and
/readyz reports the broker down anyway.

Each beat is written twice: under the process's name (``worker:reports``; the
newest of any host, what /readyz reports) and under the name and this host
(what ``manage.py healthcheck`` checks inside the container that runs it).
"""

from __future__ import annotations

import socket
import time

from celery import bootsteps
from django.conf import settings
from django.core.cache import cache

# Kept long after it went stale, so /readyz can say how long ago a process beat.
KEEP_SECONDS = 7 * 24 * 3600


def _key(name: str, host: str | None = None) -> str:
    return f"plenary:heartbeat:{name}" + (f"@{host}" if host else "")


def worker_name(queue: str) -> str:
    return f"worker:{queue}"


def expected_names() -> list[str]:
    """The heartbeats a deployment in broker mode should have: a worker per queue
    (the default one and each routed queue), beat and the relay."""
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE]
    for route in settings.CELERY_TASK_ROUTES.values():
        if route["queue"] not in queues:
            queues.append(route["queue"])
    return [*(worker_name(queue) for queue in queues), "beat", "relay"]


def heartbeat_record(name: str, *, now: float | None = None) -> None:
    """This process (``name``) is alive now."""
    when = time.time() if now is None else now
    host = socket.gethostname()
    cache.set_many({_key(name): when, _key(name, host): when}, timeout=KEEP_SECONDS)


def heartbeat_age(name: str, *, this_host: bool = False) -> float | None:
    """Seconds since ``name`` last beat (on this host only, if asked), or None if never."""
    when = cache.get(_key(name, socket.gethostname() if this_host else None))
    if when is None:
        return None
    return max(0.0, time.time() - float(when))


def is_fresh(age: float | None) -> bool:
    return age is not None and age <= settings.PLENARY_HEARTBEAT_STALE_SECONDS


def heartbeats() -> dict[str, dict[str, object]]:
    """Each expected process's last heartbeat: its age in seconds (None: never) and
    whether it is fresh.  One cache round trip."""
    names = expected_names()
    found = cache.get_many([_key(name) for name in names])
    now = time.time()
    report: dict[str, dict[str, object]] = {}
    for name in names:
        when = found.get(_key(name))
        age = None if when is None else round(max(0.0, now - float(when)), 1)
        report[name] = {"age_seconds": age, "fresh": is_fresh(age)}
    return report


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer bootstep: while the worker is connected to the broker and its event
    loop turns, it beats every ``PLENARY_HEARTBEAT_SECONDS`` for each queue it
    consumes.  A worker that lost the broker (the consumer stops its steps) or
    whose loop is stuck stops beating.  Registered in ``plenary/celery.py``."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, parent):
        names = [worker_name(queue.name) for queue in parent.task_consumer.queues]

        def beat() -> None:
            for name in names:
                heartbeat_record(name)

        beat()
        self.timer_entry = parent.timer.call_repeatedly(settings.PLENARY_HEARTBEAT_SECONDS, beat)

    def stop(self, parent):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop
