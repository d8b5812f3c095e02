from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.functions import Cast
from django.http import HttpRequest

from plenary.audit.models import AuditEvent, Event

ERASED = "[erased]"


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


def audit_redact(*, user) -> int:
    """Remove ``user``'s personal data from the audit log (account erasure).

    Returns the number of rows updated (a row redacted twice counts twice).

    The log is append-only, and stays so, except for this one redaction: the
    PostgreSQL trigger (audit/migrations/0004) lets an UPDATE through only
    when it sets ``actor_email``/``target`` to ``[erased]``, ``ip`` to NULL and
    ``detail`` to ``{"erased": true}`` and changes nothing else.  What happened,
    when and in which consultation stays, so the log still counts; the events
    keep ``actor_id`` (the erased account's row stays, with no personal data).

    Call it with the account's email still on ``user`` (before it is replaced).
    The model's append-only guard is bypassed here, deliberately and only here,
    by calling ``QuerySet.update`` past ``AppendOnlyQuerySet.update``.
    """
    email = (user.email or "").lower()
    if not email:
        return 0
    events = AuditEvent.objects.all()
    redacted = 0
    # Events the person did (or a sign-in attempted with their address): who and from
    # where.  What they did to others (a role granted to someone) keeps its target.
    own = events.filter(models.Q(actor=user) | models.Q(actor_email=email))
    redacted += models.QuerySet.update(own, actor_email=ERASED, ip=None)
    # Events naming them (their sign-ins, a role granted to them, a block): the target.
    about = events.filter(target__icontains=email)
    redacted += models.QuerySet.update(about, target=ERASED)
    mentioned = events.annotate(detail_text=Cast("detail", models.TextField())).filter(
        detail_text__icontains=email
    )
    redacted += models.QuerySet.update(
        events.filter(pk__in=list(mentioned.values_list("pk", flat=True))), detail={"erased": True}
    )
    audit_record(event="account_erased", actor=user, actor_email=ERASED, target=ERASED)
    return redacted
