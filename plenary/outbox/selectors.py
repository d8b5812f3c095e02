"""Reads of the outbox for operators (/readyz)."""

from django.db.models import Count, Min
from django.utils import timezone

from plenary.outbox.models import OutboxMessage


def outbox_lag() -> dict[str, float | int | None]:
    """How many rows wait to be published, and the age in seconds of the oldest (None:
    none waits).  One query, on the partial index of pending rows."""
    pending = OutboxMessage.objects.filter(published_at__isnull=True, gave_up_at__isnull=True)
    found = pending.aggregate(count=Count("pk"), oldest=Min("created_at"))
    oldest = found["oldest"]
    age = None if oldest is None else round((timezone.now() - oldest).total_seconds(), 1)
    return {"pending": found["count"], "oldest_pending_seconds": age}
