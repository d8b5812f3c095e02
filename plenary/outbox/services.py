"""Writes to the outbox and the relay that publishes it.  See the package docstring."""

import logging
from importlib import import_module

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import MailDelivery, OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task_name: str, **kwargs: object) -> OutboxMessage:
    """Record work to be done after the current transaction commits.

    ``kwargs`` must be JSON-serialisable ids, never model instances: the task
    re-fetches what it needs.
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    if settings.PLENARY_TASKS_INLINE:
        transaction.on_commit(lambda: _run_inline(message.pk))
    return message


def _task(task_name: str):
    """The registered task; task names are ``<module>.<function>``, so import the module."""
    from plenary.celery import app

    if task_name not in app.tasks:
        import_module(task_name.rsplit(".", 1)[0])
    return app.tasks[task_name]


def _run_inline(message_id: int) -> None:
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _task(message.task_name).apply(kwargs=message.kwargs, throw=True)
    except Exception as exc:  # the write already committed; keep the row for a retry
        logger.exception("inline task %s failed", message)
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=message.attempts + 1, last_error=repr(exc)[:2000]
        )
        return
    OutboxMessage.objects.filter(pk=message_id).update(
        published_at=timezone.now(), attempts=message.attempts + 1
    )


def relay(*, batch_size: int = 200) -> int:
    """Publish pending outbox rows to the broker; return how many were published.

    Stops at the first publish failure (broker down) and leaves the rest
    pending, to be retried on the next call.  The Celery task id is derived
    from the row, so a row published twice (crash between publish and
    commit) is recognisable downstream; the tasks themselves are idempotent.
    """
    from plenary.celery import app

    if settings.PLENARY_TASKS_INLINE:
        return _relay_inline(batch_size=batch_size)
    published = 0
    with transaction.atomic():
        pending = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True)
            .order_by("created_at", "pk")[:batch_size]
        )
        for message in pending:
            try:
                app.send_task(
                    message.task_name,
                    kwargs=message.kwargs,
                    task_id=f"outbox-{message.pk}-{message.attempts}",
                    retry=False,
                )
            except Exception as exc:
                logger.warning("outbox relay: broker unavailable (%s); will retry", exc)
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=message.attempts + 1, last_error=repr(exc)[:2000]
                )
                break
            message.published_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["published_at", "attempts"])
            published += 1
    return published


def _relay_inline(*, batch_size: int) -> int:
    ids = list(
        OutboxMessage.objects.filter(published_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    for message_id in ids:
        _run_inline(message_id)
    return OutboxMessage.objects.filter(pk__in=ids, published_at__isnull=False).count()


def send_mail_once(*, key: str, to: str, subject: str, text: str, html: str | None = None) -> bool:
    """Send one mail unless a mail with this idempotency key was already sent.

    The key row is written in the same transaction as the send: if sending
    fails the row is rolled back and a retry sends again; if it succeeds a
    re-run of the task finds the row and sends nothing.
    """
    with transaction.atomic():
        _delivery, created = MailDelivery.objects.select_for_update().get_or_create(
            key=key, defaults={"recipient": to, "subject": subject[:300]}
        )
        if not created:
            return False
        mail = EmailMultiAlternatives(subject=subject, body=text, to=[to])
        if html:
            mail.attach_alternative(html, "text/html")
        mail.send(fail_silently=False)
    return True
