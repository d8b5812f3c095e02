"""The outbox's backlog as Prometheus gauges, computed when /metrics is scraped
from the same read as /readyz (plenary/outbox/selectors.py)."""

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from plenary.outbox.selectors import outbox_lag


class OutboxCollector(Collector):
    """The outbox's backlog, in one query: what the relay has not published yet."""

    def collect(self) -> Iterable:
        lag = outbox_lag()
        yield GaugeMetricFamily(
            "plenary_outbox_pending",
            "Outbox rows not yet published (nor given up).",
            value=lag["pending"] or 0,
        )
        yield GaugeMetricFamily(
            "plenary_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row; 0 when none is pending.",
            value=max(0.0, float(lag["oldest_pending_seconds"] or 0.0)),
        )
