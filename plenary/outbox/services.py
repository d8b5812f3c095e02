"""Writes to the outbox and the relay that publishes it.  See the package docstring."""

import hashlib
import logging
import smtplib
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone, translation

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
        # As in a worker: not in the language of whoever's request committed the write.
        with translation.override(settings.LANGUAGE_CODE):
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
    at most once, never twice.  Call it outside a transaction (tasks do), or
    the claim commits only with the caller.

    ``headers`` are extra mail headers (e.g. ``List-Unsubscribe``).  Every
    mail carries ``message_id_for(key)``.
    """
    with transaction.atomic():
        _delivery, created = MailDelivery.objects.get_or_create(
            key=key, defaults={"recipient": to, "subject": subject[:300]}
        )
    if not created:
        return False
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={**(headers or {}), "Message-ID": message_id_for(key)},
    )
    if html:
        mail.attach_alternative(html, "text/html")
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception:
        _release(key)  # never reached the server: nothing was sent
        raise
    try:
        connection.send_messages([mail])
    except _REFUSED:
        _release(key)
        raise
    except Exception:
        logger.exception(
            "mail %s to %s: outcome unknown (the exchange broke off); not retried", key, to
        )
        raise
    finally:
        connection.close()
    return True


def _release(key: str) -> None:
    MailDelivery.objects.filter(key=key).delete()
