from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One unit of background work, written in the transaction that asked for it.

    Its life: pending (``published_at`` empty) → published (handed to Celery,
    or run inline) → done (``done_at``: the task returned).  A message
    published but not done after ``PLENARY_OUTBOX_REDELIVER_SECONDS`` is
    published again, up to ``PLENARY_OUTBOX_MAX_DELIVERIES`` deliveries; then
    the relay gives up (``gave_up_at``) and leaves it to an operator.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)
    # Every try to publish or run, failed publishes included; it numbers the
    # Celery task ids (``outbox-<pk>-<attempts>``).
    attempts = models.PositiveIntegerField(default=0)
    # Hand-overs to Celery (or inline runs) only: a broker outage does not count
    # against the cap.
    deliveries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The id of the request (or task) that enqueued it, published as a task header so
    # the task's log lines carry it (plenary/observability).
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            ),
            # The relay's redelivery query: published, not done, not given up.
            models.Index(
                fields=["published_at"],
                name="outbox_unfinished_idx",
                condition=models.Q(
                    published_at__isnull=False, done_at__isnull=True, gave_up_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}#{self.pk}"

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "done"
        if self.gave_up_at is not None:
            return "gave up"
        if self.published_at is not None:
            return "published"
        return "pending"


class MailDelivery(models.Model):
    """Idempotency record: a mail with a given key is sent at most once per success.

    ``send_mail_once`` commits the row as ``claimed`` before talking to SMTP
    and marks it ``sent`` once the server accepted the message.  A claim that
    stays ``claimed`` is a mail in doubt: the exchange broke off, or the worker
    died in it (the admin lists them).
    """

    class State(models.TextChoices):
        CLAIMED = "claimed", _("claimed")
        SENT = "sent", _("sent")

    key = models.CharField(max_length=200, unique=True)
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    state = models.CharField(max_length=8, choices=State.choices, default=State.CLAIMED)
    message_id = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Mails in doubt (admin): the few rows still claimed.
            models.Index(
                fields=["claimed_at"],
                name="maildelivery_claimed_idx",
                condition=models.Q(state="claimed"),
            )
        ]

    def __str__(self) -> str:
        return self.key
