"""Prometheus metrics, served by ``GET /metrics`` (``plenary.views.metrics``).

Two kinds, because Plenary runs as several processes on several machines:

* **Per process, per host** — requests, their latency and their database
  queries.  Recorded in the web process that served the request with
  prometheus-client; under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` (an empty
  directory per host, emptied at start) and every worker process writes its
  figures there, so one scrape of any process adds up the whole host.  Without
  it (``make run``, tests) the figures are this process's.
* **Cluster-wide** — task runs by outcome, mails sent and failed, report build
  durations.  Tasks run in Celery workers on other machines that no scrape
  reaches, so these are counted in the shared cache (Redis, atomic ``incr``)
  and read from there at scrape time: every web process reports the same
  totals (aggregate them with ``max``, not ``sum``, across instances).
  Without Redis the cache is the process's own, where inline tasks run too.
* **Computed at scrape time** — the outbox's pending rows and the age of the
  oldest, one query each.

Recording never fails the work it counts: a cache outage loses counts, logged.
This module records; ``scrape`` reads (it needs the models and the Celery app,
this module is imported by ``plenary.celery`` before Django is set up).
"""

import logging

from django.core.cache import caches
from prometheus_client import CollectorRegistry, Counter, Histogram

logger = logging.getLogger(__name__)

# The cache alias that holds the cluster-wide counters (settings.CACHES).
SHARED = "metrics"

# Per process: registered in a registry of our own, read directly in single-process mode.
LOCAL = CollectorRegistry(auto_describe=True)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUERY_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200)
REQUESTS = Counter(
    "plenary_http_requests",
    "HTTP requests served, by route pattern, method and status class.",
    ["route", "method", "status"],
    registry=LOCAL,
)
LATENCY = Histogram(
    "plenary_http_request_duration_seconds",
    "Time from the first middleware to the response, by route pattern and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
    registry=LOCAL,
)
QUERIES = Histogram(
    "plenary_http_request_db_queries",
    "SQL queries run by one request (default database), by route pattern.",
    ["route"],
    buckets=QUERY_BUCKETS,
    registry=LOCAL,
)

TASK_OUTCOMES = ("success", "failure", "retry")
REPORT_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


def request_served(*, route: str, method: str, status: int, seconds: float, queries: int) -> None:
    REQUESTS.labels(route, method, f"{status // 100}xx").inc()
    LATENCY.labels(route, method).observe(seconds)
    QUERIES.labels(route).observe(queries)


# -- cluster-wide counters, in the shared cache -------------------------------------------


def _count(key: str, delta: int = 1) -> None:
    shared = caches[SHARED]
    try:
        shared.add(key, 0, timeout=None)
        shared.incr(key, delta)
    except Exception as exc:  # never fail the task or mail being counted
        logger.warning("metrics: cannot count %s (%s)", key, exc)


def task_finished(*, task_name: str, outcome: str) -> None:
    """A task run ended: ``success``, ``failure`` (for good) or ``retry``."""
    _count(f"task:{task_name}:{outcome}")


def mail_sent() -> None:
    _count("mail:sent")


def mail_failed() -> None:
    _count("mail:failed")


def report_built(*, seconds: float) -> None:
    """One outcome report was built, in ``seconds``."""
    for bound in REPORT_BUCKETS:
        if seconds <= bound:
            _count(f"report:bucket:{bound}")
    _count("report:count")
    _count("report:sum_ms", round(seconds * 1000))
