"""Writes to the outbox and the relay that publishes it.  See the package docstring."""

import hashlib
import logging
import re
import smtplib
from datetime import timedelta
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from plenary.celery import app
from plenary.observability import context, metrics
from plenary.outbox import background
from plenary.outbox.models import MailDelivery, OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task_name: str, **kwargs: object) -> OutboxMessage:
    """Record work to be done after the current transaction commits.

    ``kwargs`` must be JSON-serialisable ids, never model instances: the task
    re-fetches what it needs.
    """
    message = OutboxMessage.objects.create(
        task_name=task_name, kwargs=kwargs, request_id=context.request_id.get()
    )
    if settings.PLENARY_TASKS_INLINE:
        if is_long(task_name) and settings.PLENARY_TASKS_INLINE_BACKGROUND:
            # Not in the request: the one background thread runs it (plenary.outbox.background).
            transaction.on_commit(lambda: background.submit(lambda: _run_inline(message.pk)))
        else:
            transaction.on_commit(lambda: _run_inline(message.pk))
    return message


def is_long(task_name: str) -> bool:
    """A task routed to a queue of its own (``CELERY_TASK_ROUTES``: the reports queue):
    one that takes too long to run inside a request in inline mode."""
    return task_name in settings.CELERY_TASK_ROUTES


def _task(task_name: str):
    """The registered task; task names are ``<module>.<function>``, so import the module."""
    if task_name not in app.tasks:
        import_module(task_name.rsplit(".", 1)[0])
    return app.tasks[task_name]


def _run_inline(message_id: int) -> None:
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        # As in a worker: not in the language of whoever's request committed the write.
        with translation.override(settings.LANGUAGE_CODE):
            _task(message.task_name).apply(
                kwargs=message.kwargs, throw=True, headers=_headers(message)
            )
    except Exception as exc:  # the write already committed; keep the row for a retry
        logger.exception("inline task %s failed", message)
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=message.attempts + 1,
            deliveries=message.deliveries + 1,
            last_error=repr(exc)[:2000],
        )
        return
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message_id).update(
        published_at=now,
        done_at=now,
        attempts=message.attempts + 1,
        deliveries=message.deliveries + 1,
    )


def _headers(message: OutboxMessage) -> dict[str, str]:
    """The task message's headers: the id of the request that enqueued the row."""
    return {context.REQUEST_ID_HEADER: message.request_id} if message.request_id else {}


def task_id_for(message: OutboxMessage) -> str:
    """The Celery task id of this delivery: it names the row, so the worker can mark it done."""
    return f"outbox-{message.pk}-{message.attempts}"


_TASK_ID = re.compile(r"outbox-(\d+)-\d+")


def message_done(*, task_id: str | None) -> bool:
    """Mark the outbox row behind Celery task ``task_id`` done; False if it names none.

    Called by the worker once the task returned (``tasks.OutboxTask``).  Any
    delivery of the row counts: a late first delivery ends a redelivered one too.
    """
    found = _TASK_ID.fullmatch(task_id or "")
    if found is None:
        return False
    OutboxMessage.objects.filter(pk=int(found.group(1)), done_at__isnull=True).update(
        done_at=timezone.now()
    )
    return True


def message_failed(*, task_id: str | None, error: BaseException) -> bool:
    """Record why the task behind ``task_id`` failed for good (its retries spent).

    The row stays not done: the relay delivers it again later, up to the cap.
    """
    found = _TASK_ID.fullmatch(task_id or "")
    if found is None:
        return False
    OutboxMessage.objects.filter(pk=int(found.group(1)), done_at__isnull=True).update(
        last_error=repr(error)[:2000]
    )
    return True


def _publish(app, messages: list[OutboxMessage]) -> int:
    """Hand rows to the broker in order and record them; return how many were handed over.

    Stops at the first failure (broker unavailable): that row records the
    error, the rest stay as they were.  One producer serves the batch and one
    UPDATE records it (the relay's cost per row is the publish itself).
    """
    published: list[int] = []
    try:
        with app.producer_or_acquire() as producer:
            for message in messages:
                app.send_task(
                    message.task_name,
                    kwargs=message.kwargs,
                    task_id=task_id_for(message),
                    headers=_headers(message),
                    retry=False,
                    producer=producer,
                )
                published.append(message.pk)
    except Exception as exc:
        logger.warning("outbox relay: broker unavailable (%s); will retry", exc)
        if len(published) < len(messages):
            OutboxMessage.objects.filter(pk=messages[len(published)].pk).update(
                attempts=F("attempts") + 1, last_error=repr(exc)[:2000]
            )
    if published:
        OutboxMessage.objects.filter(pk__in=published).update(
            published_at=timezone.now(),
            attempts=F("attempts") + 1,
            deliveries=F("deliveries") + 1,
        )
    return len(published)


def relay(*, batch_size: int = 200) -> int:
    """Publish pending outbox rows to the broker; return how many were published.

    Stops at the first publish failure (broker down) and leaves the rest
    pending, to be retried on the next call.  The Celery task id is derived
    from the row (``task_id_for``), so the worker marks the row done when the
    task returns, and a row published twice (crash between publish and
    commit, or a redelivery) is recognisable downstream; the tasks themselves
    are idempotent.  First, rows published long ago but not done are
    delivered again (``_redeliver``).
    """
    if settings.PLENARY_TASKS_INLINE:
        return _relay_inline(batch_size=batch_size)
    published = _redeliver(app, batch_size=batch_size)
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True)
            .order_by("created_at", "pk")[:batch_size]
        )
        if pending:
            published += _publish(app, pending)
    return published


def _queues(app) -> list[str]:
    """The default queue and every queue ``task_routes`` sends a task to (e.g. reports)."""
    queues = [app.conf.task_default_queue]
    for route in (app.conf.task_routes or {}).values():
        if route.get("queue") and route["queue"] not in queues:
            queues.append(route["queue"])
    return queues


def _broker_backlog(app) -> int | None:
    """Messages waiting in the queues, or None if the broker cannot say."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
            channel = connection.default_channel
            return sum(channel.queue_declare(queue=q).message_count for q in _queues(app))
    except Exception as exc:
        logger.warning("outbox relay: cannot read the queue length (%s); will retry", exc)
        return None


def _redeliver(app, *, batch_size: int) -> int:
    """Publish again rows published ``PLENARY_OUTBOX_REDELIVER_SECONDS`` ago and not done.

    Such a message was lost by the broker (a Redis crash or flush), or its
    task failed for good, or its worker vanished.  Only while the queue is
    empty: the queue is first in, first out, so then every message published
    before now was taken by a worker or lost, and a backlog is never mistaken
    for a loss.  Every queue counts (``_queues``): a report waiting behind long
    builds is not lost.  After ``PLENARY_OUTBOX_MAX_DELIVERIES`` deliveries the row is
    given up (``gave_up_at``) and logged, for an operator (admin: requeue).
    """
    cutoff = timezone.now() - timedelta(seconds=settings.PLENARY_OUTBOX_REDELIVER_SECONDS)
    redelivered = 0
    with transaction.atomic():
        overdue = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(published_at__lt=cutoff, done_at__isnull=True, gave_up_at__isnull=True)
            .order_by("published_at", "pk")[:batch_size]
        )
        if not overdue:
            return 0
        backlog = _broker_backlog(app)
        if backlog != 0:
            if backlog:
                logger.info("outbox relay: %d overdue, queue not empty (%d)", len(overdue), backlog)
            return 0
        again = []
        for message in overdue:
            if message.deliveries >= settings.PLENARY_OUTBOX_MAX_DELIVERIES:
                _give_up(message)
            else:
                again.append(message)
        if again:
            redelivered = _publish(app, again)
    if redelivered:
        logger.warning(
            "outbox relay: delivered again %d message(s) published before %s and not done",
            redelivered,
            cutoff.isoformat(),
        )
    return redelivered


def _give_up(message: OutboxMessage) -> None:
    logger.error(
        "outbox: %s not done after %d deliveries; given up, left for an operator (%s)",
        message,
        message.deliveries,
        message.last_error[:200] or "no error recorded",
    )
    OutboxMessage.objects.filter(pk=message.pk).update(gave_up_at=timezone.now())


def _relay_inline(*, batch_size: int) -> int:
    ids = []
    for message in OutboxMessage.objects.filter(
        published_at__isnull=True, gave_up_at__isnull=True
    ).order_by("created_at", "pk")[:batch_size]:
        if message.deliveries >= settings.PLENARY_OUTBOX_MAX_DELIVERIES:
            _give_up(message)
        else:
            ids.append(message.pk)
    for message_id in ids:
        _run_inline(message_id)
    return OutboxMessage.objects.filter(pk__in=ids, done_at__isnull=False).count()


def requeue(*, message_ids: list[int]) -> int:
    """Give rows the relay gave up on (or any not done) a fresh start; return how many.

    For an operator who fixed the cause: the rows become pending again, with
    the full number of deliveries.
    """
    return OutboxMessage.objects.filter(pk__in=message_ids, done_at__isnull=True).update(
        published_at=None, gave_up_at=None, deliveries=0
    )


def prune(*, days: int | None = None, batch_size: int = 5000) -> int:
    """Delete rows done more than ``days`` (``PLENARY_OUTBOX_KEEP_DAYS``) ago; return how many.

    In batches, so a first prune of a long history holds no lock for long.
    Rows not done (pending, published, given up) are never pruned.
    """
    days = settings.PLENARY_OUTBOX_KEEP_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(done_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]


def message_id_for(key: str) -> str:
    """The Message-ID of the mail with idempotency ``key``: the same on every attempt.

    Should a mail ever go out twice (see ``send_mail_once``), the copies share
    one Message-ID, so the receiving side can tell them apart as one message.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    host = urlsplit(settings.SITE_URL).hostname or "plenary.invalid"
    return f"<{digest}@{host}>"


# The SMTP server answered with a refusal: it did not take the message, so
# trying again later cannot deliver it twice.
_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPHeloError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPAuthenticationError,
)


def send_mail_once(
    *,
    key: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> bool:
    """Send one mail unless a mail with this idempotency key was claimed already.

    Claim, then send: the ``MailDelivery`` row for ``key`` is committed
    *before* talking to the SMTP server, so a worker killed while sending
    (SIGKILL, OOM, a lost host) leaves the claim behind and the re-run of the
    task sends nothing: nobody gets a mail twice.  The claim is released (the
    row deleted, the error raised for the task to retry) only when the mail
    certainly did not leave: the server could not be reached, or it answered
    with a refusal.  When the outcome is unknown (the connection broke or
    timed out during the exchange) the claim stays and the error is logged:
    at most once, never twice.  The row is ``claimed`` until the server
    accepted the message, then ``sent``: a claim left ``claimed`` is a mail in
    doubt (the admin lists them).  Call it outside a transaction (tasks do), or
    the claim commits only with the caller.

    ``headers`` are extra mail headers (e.g. ``List-Unsubscribe``).  Every
    mail carries ``message_id_for(key)``.
    """
    message_id = message_id_for(key)
    with transaction.atomic():
        _delivery, created = MailDelivery.objects.get_or_create(
            key=key,
            defaults={
                "recipient": to,
                "subject": subject[:300],
                "state": MailDelivery.State.CLAIMED,
                "message_id": message_id,
            },
        )
    if not created:
        return False
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={**(headers or {}), "Message-ID": message_id},
    )
    if html:
        mail.attach_alternative(html, "text/html")
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception:
        _release(key)  # never reached the server: nothing was sent
        metrics.mail_failed()
        raise
    try:
        connection.send_messages([mail])
    except _REFUSED:
        _release(key)
        metrics.mail_failed()
        raise
    except Exception:
        metrics.mail_failed()
        logger.exception(
            "mail %s to %s: outcome unknown (the exchange broke off); not retried", key, to
        )
        raise
    finally:
        connection.close()
    # The server accepted DATA.  Should this write fail, the claim stays
    # "claimed" (in doubt) and the mail is still not sent again.
    metrics.mail_sent()
    MailDelivery.objects.filter(key=key).update(
        state=MailDelivery.State.SENT, sent_at=timezone.now()
    )
    return True


def _release(key: str) -> None:
    MailDelivery.objects.filter(key=key).delete()
