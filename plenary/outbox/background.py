"""Inline mode's one background thread, for the long tasks a request must not wait for.

With no broker (the embedded default) the outbox runs a task right after the
commit, in the request that committed it.  A few tasks take seconds or
minutes (the outcome report): those are the ones ``CELERY_TASK_ROUTES`` sends
to a queue of their own in broker mode, and here they go to this process's
single worker thread instead, so the request answers at once and the work
still goes through the outbox's one inline path (``services._run_inline``).

One thread, not a pool: a long task is heavy (the report's renderer process
holds a few hundred MB), the reports queue's worker in production runs one at
a time too, and a second request waits its turn in the queue it can see.
A task cut short by the process ending leaves its outbox row not done, for
``relay_outbox`` to run again (in inline mode it runs rows not done).
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def submit(job: Callable[[], None]) -> Future:
    """Run ``job`` on the background thread, then close that thread's database connections."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plenary-long-task")
        future = _executor.submit(_run, job)
        _pending.add(future)
    future.add_done_callback(_forget)
    return future


def _run(job: Callable[[], None]) -> None:
    try:
        job()
    except Exception:  # the outbox row records the failure; nothing waits for this thread
        logger.exception("background task failed")
    finally:
        # The thread outlives the job: give its connection back rather than keep it idle.
        connections.close_all()


def _forget(future: Future) -> None:
    with _lock:
        _pending.discard(future)


def wait_idle(timeout: float | None = None) -> bool:
    """Wait until every job submitted so far has finished; False if ``timeout`` ran out.

    For tests and for a command that must not exit before its background work is done.
    """
    with _lock:
        waiting = list(_pending)
    for future in waiting:
        try:
            future.result(timeout=timeout)
        except TimeoutError:
            return False
    return True
