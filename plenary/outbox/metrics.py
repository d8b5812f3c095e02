"""The outbox's backlog as Prometheus gauges, computed when /metrics is scraped."""

from collections.abc import Iterable

from django.db.models import Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from plenary.outbox.models import OutboxMessage


class OutboxCollector(Collector):
    """The outbox's backlog, one query each: what the relay has not published yet."""

    def collect(self) -> Iterable:
        pending = OutboxMessage.objects.filter(published_at__isnull=True, gave_up_at__isnull=True)
        count = pending.count()
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "plenary_outbox_pending", "Outbox rows not yet published (nor given up).", value=count
        )
        yield GaugeMetricFamily(
            "plenary_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row; 0 when none is pending.",
            value=max(0.0, age),
        )
