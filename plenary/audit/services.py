from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AuditEvent, Event


def client_ip(request: HttpRequest | None) -> str | None:
    """The peer address Django sees.

    Behind a proxy, REMOTE_ADDR is the proxy unless the deployment rewrites it
    (gunicorn's --forwarded-allow-ips, or the proxy's real-IP module):
    X-Forwarded-For is client-controlled and is not trusted here.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    event: str,
    actor=None,
    consultation=None,
    target: str = "",
    request: HttpRequest | None = None,
    actor_email: str = "",
    **detail: Any,
) -> AuditEvent:
    """Append one event to the audit log (one INSERT, inside the caller's transaction)."""
    if event not in Event.values:
        raise ValueError(f"Unknown audit event {event!r}.")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        event=event,
        actor=actor,
        actor_email=(actor_email or (actor.email if actor is not None else "")).lower()[:254],
        # A Consultation or its id: callers need not fetch it just to log.
        consultation_id=getattr(consultation, "pk", consultation),
        target=str(target)[:500],
        ip=client_ip(request),
        detail=detail,
    )
