"""Outbox rows are marked done, delivered again if lost, given up after a cap, pruned.

The relay against a real broker that loses messages (Redis flushed), with a
real worker, is in ``tests/test_faults.py``.  Here each rule on its own: the
tasks run through Celery's own tracer (``Task.apply`` with the relay's task
id, as a worker runs them), the relay publishes to Celery's in-memory broker.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from comments.threads import services as comment_services
from plenary.celery import app
from plenary.outbox import services as outbox
from plenary.outbox.models import MailDelivery, OutboxMessage
from plenary.outbox.tasks import OutboxTask, retrying_task
from stakeholders.models import User
from tests.plenary.test_worker_mail import broker_url

FAILING = "tests.plenary.test_outbox_delivery.always_fails"
WORKS = "tests.plenary.test_outbox_delivery.works"
QUEUE = "celery"


class Broken(RuntimeError):
    pass


@retrying_task(FAILING, max_retries=0)
def always_fails(n: int) -> None:
    raise Broken(f"broken {n}")


@retrying_task(WORKS, max_retries=0)
def works(n: int) -> int:
    return n


def run_as_worker(task_name: str, kwargs: dict, task_id: str | None = None, **options):
    """Run the task through Celery's tracer, as a worker runs the message ``task_id``."""
    return outbox._task(task_name).apply(kwargs=kwargs, task_id=task_id, **options)


def enqueue_committed(task_name: str, **kwargs) -> OutboxMessage:
    with transaction.atomic():
        message = outbox.enqueue(task_name, **kwargs)
    return message


def overdue(message: OutboxMessage, settings) -> None:
    """Move the row's last delivery back past the redelivery delay."""
    seconds = settings.PLENARY_OUTBOX_REDELIVER_SECONDS + 1
    OutboxMessage.objects.filter(pk=message.pk).update(
        published_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.fixture
def memory_broker(settings):
    """Broker mode, publishing to Celery's in-memory transport (this process only)."""
    settings.PLENARY_TASKS_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE
    with broker_url("memory://"):
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(QUEUE)
        try:
            yield Queue()
        finally:
            app.conf.update(saved)


class Queue:
    """The in-memory broker's queue: what the relay published and nobody took."""

    def take_all(self) -> list[str]:
        """Remove every waiting message; return their task ids in order."""
        ids = []
        with app.connection_for_write() as connection:
            while (message := connection.default_channel.basic_get(QUEUE)) is not None:
                ids.append(message.headers["id"])
        return ids

    def length(self) -> int:
        with app.connection_for_write() as connection:
            return connection.default_channel.queue_declare(queue=QUEUE).message_count


# --- done marking ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_run_under_its_outbox_task_id_marks_the_row_done(
    memory_broker, smtp, consultation, stakeholder
):
    comment = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi"
    )
    message = OutboxMessage.objects.get(task_name="comments.tasks.send_receipt")
    assert outbox.relay() == 1
    (task_id,) = memory_broker.take_all()
    assert task_id == f"outbox-{message.pk}-0"
    message.refresh_from_db()
    assert message.state == "published" and message.done_at is None
    assert message.deliveries == 1 == message.attempts

    # As the worker does: the task by name, the kwargs and the id from the message.
    run_as_worker(message.task_name, message.kwargs, task_id, throw=True)
    message.refresh_from_db()
    assert message.state == "done" and message.done_at >= message.published_at
    assert [m.subject.rsplit(" ", 1)[-1] for m in smtp.messages] == [comment.receipt]
    # Run again (a redelivery): nothing sent, the first done_at kept.
    done_at = message.done_at
    run_as_worker(message.task_name, message.kwargs, f"outbox-{message.pk}-1")
    message.refresh_from_db()
    assert message.done_at == done_at and len(smtp.messages) == 1
    assert outbox.relay() == 0


@pytest.mark.django_db
def test_a_task_that_fails_for_good_keeps_its_row_not_done_with_the_error(memory_broker):
    message = enqueue_committed(FAILING, n=1)
    assert outbox.relay() == 1
    (task_id,) = memory_broker.take_all()
    run_as_worker(FAILING, message.kwargs, task_id, throw=False)
    message.refresh_from_db()
    assert message.done_at is None and message.state == "published"
    assert "broken 1" in message.last_error


@pytest.mark.django_db
def test_a_task_called_outside_the_outbox_marks_nothing(memory_broker):
    message = enqueue_committed(WORKS, n=1)
    run_as_worker(WORKS, {"n": 1}, "beat-or-by-hand")
    run_as_worker(WORKS, {"n": 1})
    message.refresh_from_db()
    assert message.done_at is None and message.state == "pending"


def test_every_task_but_the_outbox_own_marks_its_row_done():
    """A task reachable through ``enqueue`` that did not mark its row would be
    delivered again and again, then given up."""
    app.loader.import_default_modules()
    # Tasks the tests themselves define (tests/plenary/observability) are not the app's.
    ours = {
        name: task for name, task in app.tasks.items() if not name.startswith(("celery.", "tests."))
    }
    assert {name for name, task in ours.items() if not isinstance(task, OutboxTask)} == {
        "plenary.outbox.tasks.relay",
        "plenary.outbox.tasks.prune",
    }
    assert "comments.tasks.send_receipt" in ours


@pytest.mark.django_db
def test_inline_mode_marks_done_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.enqueue(WORKS, n=2)
    message.refresh_from_db()
    assert message.state == "done" and message.done_at == message.published_at
    assert (message.deliveries, message.attempts) == (1, 1)


@pytest.mark.django_db
def test_inline_mode_keeps_a_failed_row_and_gives_up_after_the_cap(
    settings, django_capture_on_commit_callbacks, caplog
):
    settings.PLENARY_OUTBOX_MAX_DELIVERIES = 3
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.enqueue(FAILING, n=3)
    message.refresh_from_db()
    assert message.state == "pending" and message.deliveries == 1
    assert "broken 3" in message.last_error
    assert outbox.relay() == 0  # runs it again: still failing
    assert outbox.relay() == 0
    message.refresh_from_db()
    assert message.deliveries == 3 and message.gave_up_at is None
    caplog.clear()
    assert outbox.relay() == 0
    message.refresh_from_db()
    assert message.state == "gave up" and message.deliveries == 3
    assert f"{FAILING}#{message.pk} not done after 3 deliveries" in caplog.text
    outbox.relay()
    message.refresh_from_db()
    assert message.deliveries == 3  # left alone
    # An operator fixed the cause and requeues it: pending again, with the full cap.
    assert outbox.requeue(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert message.state == "pending" and message.deliveries == 0


# --- redelivery and the cap (broker mode) ----------------------------------------------------


@pytest.mark.django_db
def test_the_relay_delivers_again_what_was_lost_and_gives_up_after_the_cap(
    memory_broker, settings, caplog
):
    settings.PLENARY_OUTBOX_MAX_DELIVERIES = 3
    message = enqueue_committed(WORKS, n=4)
    done = enqueue_committed(WORKS, n=5)
    assert outbox.relay() == 2
    first = memory_broker.take_all()  # lost: a flushed Redis
    assert first == [f"outbox-{message.pk}-0", f"outbox-{done.pk}-0"]
    run_as_worker(WORKS, done.kwargs, first[1])  # this one ran

    assert outbox.relay() == 0  # not overdue yet
    overdue(message, settings)
    overdue(done, settings)
    assert outbox.relay() == 1
    assert memory_broker.take_all() == [f"outbox-{message.pk}-1"]
    message.refresh_from_db()
    assert (message.deliveries, message.attempts, message.state) == (2, 2, "published")
    assert message.published_at > timezone.now() - timedelta(seconds=5)

    # A backlog is not a loss: while the queue holds messages, nothing is delivered again.
    enqueue_committed(WORKS, n=6)
    assert outbox.relay() == 1  # the new row, waiting for a busy worker
    overdue(message, settings)
    assert outbox.relay() == 0
    assert memory_broker.length() == 1
    message.refresh_from_db()
    assert message.deliveries == 2
    memory_broker.take_all()

    assert outbox.relay() == 1  # third and last delivery
    assert memory_broker.take_all() == [f"outbox-{message.pk}-2"]
    overdue(message, settings)
    caplog.clear()
    assert outbox.relay() == 0
    assert memory_broker.length() == 0
    message.refresh_from_db()
    assert message.state == "gave up" and message.deliveries == 3
    assert "not done after 3 deliveries; given up" in caplog.text
    assert outbox.relay() == 0  # and stays given up

    # The admin shows it under "given up"; requeue makes it pending, the relay publishes it.
    assert outbox.requeue(message_ids=[message.pk]) == 1
    assert outbox.relay() == 1
    assert memory_broker.take_all() == [f"outbox-{message.pk}-3"]


@pytest.mark.django_db
def test_a_broker_outage_does_not_count_against_the_cap(memory_broker, settings):
    settings.PLENARY_OUTBOX_MAX_DELIVERIES = 1
    message = enqueue_committed(WORKS, n=7)
    with broker_url("redis://127.0.0.1:6390/0"):  # nothing listens there
        for _ in range(3):
            assert outbox.relay() == 0
    message.refresh_from_db()
    assert (message.attempts, message.deliveries, message.state) == (3, 0, "pending")
    assert outbox.relay() == 1
    assert memory_broker.take_all() == [f"outbox-{message.pk}-3"]


@pytest.mark.django_db
def test_a_broker_failing_mid_batch_records_what_was_published_and_keeps_the_rest(
    memory_broker, monkeypatch
):
    """The relay publishes a batch with one producer and records it with one UPDATE:
    rows handed over before the failure are published, the failing row counts an
    attempt with its error, the rest are untouched; the next run takes them."""
    from kombu.exceptions import OperationalError

    messages = [enqueue_committed(WORKS, n=n) for n in range(4)]
    real_send_task = app.send_task
    calls = []

    def send_task_failing_third(*args, **kwargs):
        calls.append(kwargs["task_id"])
        if len(calls) == 3:
            raise OperationalError("connection reset by the broker")
        return real_send_task(*args, **kwargs)

    monkeypatch.setattr(app, "send_task", send_task_failing_third)
    assert outbox.relay() == 2
    rows = OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk")
    assert [(m.attempts, m.deliveries, m.state) for m in rows] == [
        (1, 1, "published"),
        (1, 1, "published"),
        (1, 0, "pending"),
        (0, 0, "pending"),
    ]
    assert "connection reset" in rows[2].last_error
    assert memory_broker.take_all() == [f"outbox-{m.pk}-0" for m in messages[:2]]

    assert outbox.relay() == 2
    assert memory_broker.take_all() == [
        f"outbox-{messages[2].pk}-1",
        f"outbox-{messages[3].pk}-0",
    ]


# --- prune -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_prune_deletes_done_rows_older_than_the_setting_only(settings):
    settings.PLENARY_OUTBOX_KEEP_DAYS = 30
    now = timezone.now()
    rows = {
        name: OutboxMessage.objects.create(
            task_name=WORKS, kwargs={}, published_at=published, done_at=done, gave_up_at=gave_up
        )
        for name, published, done, gave_up in [
            ("done long ago", now - timedelta(days=40), now - timedelta(days=31), None),
            ("done recently", now - timedelta(days=40), now - timedelta(days=29), None),
            ("given up long ago", now - timedelta(days=40), None, now - timedelta(days=35)),
            ("published long ago", now - timedelta(days=40), None, None),
            ("pending", None, None, None),
        ]
    }
    assert outbox.prune(batch_size=1) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        row.pk for name, row in rows.items() if name != "done long ago"
    }
    from plenary.outbox.tasks import prune

    assert prune.apply().get() == 0


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="root@example.org", password="x-long-pass-1")


@pytest.mark.django_db
def test_the_admin_lists_given_up_messages_and_mails_in_doubt(client, superuser):
    now = timezone.now()
    given_up = OutboxMessage.objects.create(
        task_name="x.given_up", published_at=now, gave_up_at=now, deliveries=5
    )
    OutboxMessage.objects.create(task_name="x.done", published_at=now, done_at=now)
    MailDelivery.objects.create(key="in-doubt", recipient="a@example.org", subject="S")
    MailDelivery.objects.create(key="being-sent", recipient="b@example.org", subject="S")
    MailDelivery.objects.create(
        key="was-sent", recipient="c@example.org", subject="S", state="sent", sent_at=now
    )
    MailDelivery.objects.filter(key__in=["in-doubt", "was-sent"]).update(
        claimed_at=now - timedelta(minutes=10)
    )
    client.force_login(superuser)

    page = client.get(reverse("admin:outbox_outboxmessage_changelist"), {"state": "gave_up"})
    assert page.status_code == 200
    assert [m.task_name for m in page.context["cl"].result_list] == ["x.given_up"]
    page = client.post(
        reverse("admin:outbox_outboxmessage_changelist"),
        {"action": "requeue", "_selected_action": [given_up.pk]},
        follow=True,
    )
    assert "1 message is pending again." in page.content.decode()
    given_up.refresh_from_db()
    assert given_up.state == "pending" and given_up.deliveries == 0

    page = client.get(reverse("admin:outbox_maildelivery_changelist"), {"doubt": "yes"})
    assert page.status_code == 200
    assert [m.key for m in page.context["cl"].result_list] == ["in-doubt"]
