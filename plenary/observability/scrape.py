"""The scrape of ``GET /metrics``: what ``metrics`` recorded, read the way each kind needs."""

import logging
import os
from collections.abc import Iterable

from django.core.cache import caches
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from plenary.observability.metrics import LOCAL, REPORT_BUCKETS, SHARED, TASK_OUTCOMES

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class SharedCollector(Collector):
    """Reads the cluster-wide counters at scrape time (one get_many)."""

    def __init__(self, task_names: Iterable[str]) -> None:
        self.task_names = sorted(name for name in task_names if not name.startswith("celery."))

    def collect(self) -> Iterable:
        task_names = self.task_names
        task_keys = [f"task:{n}:{o}" for n in task_names for o in TASK_OUTCOMES]
        report_keys = [f"report:bucket:{b}" for b in REPORT_BUCKETS]
        report_keys += ["report:count", "report:sum_ms"]
        keys = [*task_keys, "mail:sent", "mail:failed", *report_keys]
        try:
            values = caches[SHARED].get_many(keys)
        except Exception as exc:
            logger.warning("metrics: cannot read the shared counters (%s)", exc)
            return
        tasks = CounterMetricFamily(
            "plenary_task_runs",
            "Task runs that ended, by task and outcome (all workers).",
            labels=["task", "outcome"],
        )
        for name in task_names:
            for outcome in TASK_OUTCOMES:
                tasks.add_metric([name, outcome], values.get(f"task:{name}:{outcome}", 0))
        yield tasks
        mails = CounterMetricFamily(
            "plenary_mails", "Mails handed to SMTP, by outcome (all workers).", labels=["outcome"]
        )
        mails.add_metric(["sent"], values.get("mail:sent", 0))
        mails.add_metric(["failed"], values.get("mail:failed", 0))
        yield mails
        buckets = [(str(b), values.get(f"report:bucket:{b}", 0)) for b in REPORT_BUCKETS]
        buckets.append(("+Inf", values.get("report:count", 0)))
        yield HistogramMetricFamily(
            "plenary_report_build_duration_seconds",
            "Time to build one outcome report (all workers).",
            buckets=buckets,
            sum_value=values.get("report:sum_ms", 0) / 1000,
        )


class LocalCollector(Collector):
    def collect(self) -> Iterable:
        yield from LOCAL.collect()


def render(*, task_names: Iterable[str], collectors: Iterable[Collector] = ()) -> bytes:
    """The scrape: this host's request figures, the cluster's counters for ``task_names``,
    and ``collectors`` computed now (the outbox's, ``plenary.outbox.metrics``)."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(LocalCollector())
    registry.register(SharedCollector(task_names))
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
