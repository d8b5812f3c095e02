from django.db.models import QuerySet

from plenary.audit.models import AuditEvent, Event


def audit_events(*, consultation=None, event: str = "") -> QuerySet[AuditEvent]:
    """Newest first, with the consultation joined (one query per page)."""
    events = AuditEvent.objects.select_related("consultation").order_by("-created_at", "-id")
    if consultation is not None:
        events = events.filter(consultation=consultation)
    if event in Event.values:
        events = events.filter(event=event)
    return events
