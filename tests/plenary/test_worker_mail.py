"""The disposition mail on the real stack: PostgreSQL, Redis, a Celery worker, SMTP.

Issue requirement: "The commenter gets an email (sent by a Celery task),
enqueued only after the transaction commits, and never blocks the request on
the broker."

* Submitting the comment records the receipt task in the outbox (no broker);
  the relay publishes it and the worker mails the receipt once.
* The service call only writes an outbox row (no broker, no mail).
* The relay publishes the row; a real ``celery worker`` subprocess runs the
  task and sends one mail to a real SMTP server (an aiosmtpd sink in this
  process).  Running the task again sends nothing (``MailDelivery`` key).
* With the broker down, publishing still succeeds at once; the relay fails
  fast, keeps the row pending and records the error; once the broker is back,
  the next relay delivers the mail exactly once.

Needs ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; skipped without them,
except under ``CI=true`` where a missing stack is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import kombu
import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.db import connection

from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from plenary.outbox import services as outbox
from plenary.outbox.models import MailDelivery, OutboxMessage
from tests.consult.factories import open_consultation
from tests.smtp_sink import SmtpSink
from tests.stakeholders.factories import ParticipantFactory, convenor
from tests.waiting import steady, wait_until

pytestmark = pytest.mark.worker

BASE_DIR = Path(settings.BASE_DIR)
WORKER_READY_TIMEOUT = 30.0
MAIL_TIMEOUT = 30.0
DOWN_BROKER_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
TASK = "feedback.tasks.notify_batch"
RECEIPT_TASK = "comments.tasks.send_receipt"
# Under pytest-xdist every xdist worker has its own test database, so it needs its own
# Celery queue too, or one Celery worker would take another's tasks.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
QUEUE = f"celery-{XDIST_WORKER}" if XDIST_WORKER else "celery"


# --- the stack: requirement check, SMTP sink, Celery worker --------------------------------


def _missing_stack() -> str | None:
    """Why this machine cannot run the test, or None."""
    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"DATABASE_URL does not point to PostgreSQL (engine: {engine})")
    if not settings.REDIS_URL.startswith(("redis://", "rediss://")):
        problems.append("REDIS_URL is unset")
    if not problems:
        return None
    return (
        "worker test needs the real stack: "
        + "; ".join(problems)
        + ". Run e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary "
        "REDIS_URL=redis://127.0.0.1:6379/14 pytest -m worker"
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_real_stack() -> None:
    """Skip when PostgreSQL/Redis are not configured; under CI=true, fail instead."""
    reason = _missing_stack()
    if reason is None:
        return
    if _in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def _test_database_url() -> str:
    """A DATABASE_URL naming the database pytest-django created (``test_<name>``)."""
    sd = connection.settings_dict
    auth = quote(sd.get("USER") or "", safe="")
    if sd.get("PASSWORD"):
        auth += ":" + quote(sd["PASSWORD"], safe="")
    host = sd.get("HOST") or "127.0.0.1"
    port = sd.get("PORT") or 5432
    netloc = f"{auth}@{host}:{port}" if auth else f"{host}:{port}"
    return f"postgres://{netloc}/{quote(sd['NAME'], safe='')}"


def _purge_celery_queue(redis_url: str) -> int:
    """Drop messages a previous run may have left in this Redis db's queue (``QUEUE``)."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        # The queue, its priority sub-queues, and kombu's bookkeeping for unacked messages.
        keys = [QUEUE, *client.scan_iter(match=f"{QUEUE}\x06\x16*", count=100)]
        if not XDIST_WORKER:  # shared by every queue of this db: only when we are alone
            keys += ["unacked", "unacked_index", "unacked_mutex"]
        return client.delete(*keys)
    finally:
        client.close()


# --- settled: no mail can still be on its way ------------------------------------------------

# "Task <name>[<id>] received", then "... succeeded in", "raised unexpected", "retry",
# "rejected"...: every line Celery logs about a task names it the same way.
_TASK_EVENT = re.compile(r"Task [\w.]+\[([^\]]+)\] (\w+)")


def task_states(log: str) -> dict[str, bool]:
    """Task id -> whether a worker's log shows it taken and not ended (latest line
    "received").  A task run again (its pool process killed, a retry) is received
    again, so its latest line decides."""
    running: dict[str, bool] = {}
    for event in _TASK_EVENT.finditer(log):
        running[event.group(1)] = event.group(2) == "received"
    return running


def broker_holds(redis_url: str, queue: str) -> tuple[int, set[str]]:
    """What Redis still holds for ``queue``: how many messages wait in it (and its
    priority sub-queues), and the task ids of those delivered to a worker and not
    acknowledged yet (kombu's ``unacked``: handed out again after the visibility timeout).
    """
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        waiting = client.llen(queue) + sum(
            client.llen(key) for key in client.scan_iter(match=f"{queue}\x06\x16*", count=100)
        )
        unacked = set()
        for raw in client.hvals("unacked"):
            message, exchange, routing_key = json.loads(raw)
            if queue in (exchange, routing_key):  # other queues of this db are others'
                unacked.add(message["headers"]["id"])
        return waiting, unacked
    finally:
        client.close()


def wait_settled(*workers, redis_url: str, queue: str, timeout: float) -> None:
    """Wait until no further mail can reach the sink: nothing waits in ``queue``,
    every task the (live) ``workers`` took has ended, and no unacknowledged message
    is for a task they have not ended (a dead worker's, to be handed out again); the
    same on two polls in a row.

    An unacknowledged message of a task that did end is an acknowledgement lost on
    the way (Redis stopped just then): it comes back only after the visibility
    timeout, a run of an ended task again, far beyond any test.

    A mail is in the sink before the task that sent it ends (the sink keeps the
    message before it answers DATA), so after this a doubled mail would be there
    to count: this replaces "sleep a while, stragglers would have come by now".
    """

    def pending() -> tuple[int, set[str], set[str], tuple[int, ...]]:
        waiting, unacked = broker_holds(redis_url, queue)
        logs = [worker.log for worker in workers]
        states: dict[str, bool] = {}
        for log in logs:
            states.update(task_states(log))
        running = {task_id for task_id, taken in states.items() if taken}
        return waiting, running, unacked - set(states), tuple(len(log) for log in logs)

    def state() -> tuple[int, ...] | None:
        waiting, running, unacked, log_sizes = pending()
        if waiting or running or unacked:
            return None
        return log_sizes  # steady: nothing new logged between two polls

    def describe() -> str:
        waiting, running, unacked, _sizes = pending()
        return (
            f"the stack to settle: {waiting} message(s) waiting in {queue!r}, "
            f"tasks running {sorted(running)}, unacknowledged and not run {sorted(unacked)}"
        )

    wait_until(steady(state), timeout=timeout, interval=0.2, message=describe)


class Worker:
    """A ``celery worker`` subprocess whose merged stdout/stderr goes to a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        cmd = [
            sys.executable, "-m", "celery", "-A", "plenary", "worker",
            "--pool=solo", "--concurrency=1", "-Q", QUEUE,
            "--without-heartbeat", "--without-gossip", "--without-mingle",
            "-l", "info",
            "-n", f"plenary-test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our Ctrl-C is not its Ctrl-C; we stop it ourselves
            )
        self.wait_for_log(r"\bready\.", WORKER_READY_TIMEOUT, what="worker ready")
        return self

    @property
    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float, *, what: str) -> re.Match:
        regex = re.compile(pattern)

        def found() -> re.Match | None:
            match = regex.search(self.log)
            if match is None and self.proc is not None and self.proc.poll() is not None:
                pytest.fail(
                    f"celery worker exited (code {self.proc.returncode}) while waiting for "
                    f"{what}. Worker log:\n{self.log_tail()}"
                )
            return match

        return wait_until(
            found, timeout=timeout, message=lambda: f"{what}. Worker log:\n{self.log_tail()}"
        )

    def task_outcome(self, task_id: str, timeout: float, *, task: str = TASK) -> str:
        """Wait until the worker logged the end of ``task_id``; return its log line."""
        found = self.wait_for_log(
            rf"Task {re.escape(task)}\[{re.escape(task_id)}\] (succeeded|raised|retry).*",
            timeout,
            what=f"task {task_id} to finish",
        )
        return found.group(0)

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def celery_worker(request, django_db_setup, smtp_sink) -> Iterator[Worker | None]:
    """A real worker on the test database and the configured Redis db (None without them)."""
    if _missing_stack() is not None:
        yield None  # the test itself skips (or fails under CI) with the reason
        return
    purged = _purge_celery_queue(settings.REDIS_URL)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plenary.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PLENARY_TASKS_INLINE": "false",
        "EMAIL_URL": smtp_sink.url,
        "PLENARY_SITE_URL": "http://testserver",
        "PLENARY_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL", "CELERY_BROKER_READ_URL"):
        env.pop(name, None)
    log_dir = Path(tempfile.mkdtemp(prefix="plenary-worker-"))
    worker = Worker(env, log_dir / "worker.log")
    failed_before = request.session.testsfailed
    started = time.monotonic()
    try:
        worker.start()
        print(
            f"\n[worker] ready in {time.monotonic() - started:.1f}s "
            f"(pid {worker.proc.pid}, db {connection.settings_dict['NAME']}, "
            f"broker {settings.REDIS_URL} queue {QUEUE}, smtp {smtp_sink.url}, "
            f"purged {purged} stale keys)"
        )
        yield worker
    finally:
        worker.stop()
        if request.session.testsfailed > failed_before:
            print(f"\n----- celery worker log ({worker.log_path}) -----\n{worker.log}\n-----")
        else:
            shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture
def broker_mode(settings) -> Iterator[None]:
    """Undo the suite's inline mode: ``outbox.enqueue`` only records rows."""
    from plenary.celery import app

    settings.PLENARY_TASKS_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE  # where relay() publishes; "celery" unless xdist
    try:
        yield
    finally:
        app.conf.update(saved)


# --- helpers --------------------------------------------------------------------------------


@contextmanager
def no_broker_contact() -> Iterator[None]:
    """Fail loudly if anything inside opens a broker connection or publishes a task."""

    def refuse(*args, **kwargs):
        raise AssertionError("the request path talked to the broker")

    with (
        mock.patch.object(kombu.Connection, "_connection_factory", refuse),
        mock.patch("celery.app.amqp.AMQP.send_task_message", refuse),
    ):
        yield


def _reset_producer_pools(app) -> None:
    # Pools are built lazily from conf.broker_write_url and then cached on the app;
    # kombu keeps one pool per URL globally, so dropping the app's references is
    # enough to make the next publish use whatever URL conf names now.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_url(url: str) -> Iterator[None]:
    """Point this process's Celery producer (the relay) at ``url`` for a while."""
    from kombu import pools
    from kombu.utils.collections import eqhash

    from plenary.celery import app

    saved = {key: app.conf.get(key) for key in ("broker_url", "broker_write_url")}
    _reset_producer_pools(app)
    app.conf.broker_url = url
    app.conf.broker_write_url = url
    try:
        yield
    finally:
        down_key = eqhash(app.connection_for_write())
        _reset_producer_pools(app)
        for key, value in saved.items():
            app.conf[key] = value
        for group in (pools.producers, pools.connections):  # forget the down broker's pools
            pool = dict.pop(group, down_key, None)
            if pool is not None:
                pool.force_close_all()


def timed(fn: Callable, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def _loop(commenter_email: str, worker: Worker, sink: SmtpSink):
    """Consultation, one comment, its receipt mailed by the worker; return (comment, secretariat).

    Leaves the sink empty and no outbox row pending.
    """
    secretariat = convenor(email=f"secretariat-{uuid.uuid4().hex[:6]}@example.org")
    consultation = open_consultation(secretariat=secretariat)
    commenter = ParticipantFactory(display_name="Wanjiru", user__email=commenter_email).user
    section = consultation.versions.get().sections.order_by("ordinal").first()
    with no_broker_contact():
        comment = comment_services.comment_create(
            actor=commenter,
            consultation=consultation,
            section_key=section.key,
            body="Please name the **licence**.",
        )
    message = OutboxMessage.objects.get(task_name=RECEIPT_TASK)
    assert message.kwargs == {"comment_id": comment.pk}
    assert message.published_at is None and sink.messages == []
    assert outbox.relay() == 1
    outcome = worker.task_outcome(f"outbox-{message.pk}-0", MAIL_TIMEOUT, task=RECEIPT_TASK)
    assert "succeeded" in outcome and outcome.endswith(": True"), outcome
    mails = sink.wait_for(1, MAIL_TIMEOUT)
    assert len(mails) == 1, f"expected the receipt alone, the sink got {len(mails)}"
    assert mails[0].rcpt_tos == (commenter_email,)
    assert mails[0].subject.endswith(f"Your comment was received: {comment.receipt}")
    assert f"http://testserver/r/{comment.receipt}/" in mails[0].text
    assert list(MailDelivery.objects.values_list("key", flat=True)) == [f"receipt-{comment.pk}"]
    sink.clear()
    return comment, secretariat


def _publish(comment, secretariat):
    return feedback_services.disposition_record(
        actor=secretariat,
        comment=comment,
        status="partly_accepted",
        rationale="We will name a licence family.",
        publish=True,
    )


def _only_mail_to(sink: SmtpSink, address: str, receipt: str):
    mails = sink.wait_for(1, MAIL_TIMEOUT)
    assert len(mails) == 1, f"expected one mail, the sink got {len(mails)}"
    sent = mails[0]
    assert sent.rcpt_tos == (address,)
    assert receipt in sent.subject and "decision" in sent.subject
    assert receipt in sent.text
    assert f"http://testserver/r/{receipt}/" in sent.text
    return sent


def _show(sent, label: str) -> None:
    print(f"\n[{label}] SMTP sink received: to={list(sent.rcpt_tos)} from={sent.mail_from}")
    print(f"  Subject: {sent.subject}")
    for line in sent.text.strip().splitlines():
        print(f"  | {line}")


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_disposition_mail_is_sent_once_by_the_worker_after_commit(
    celery_worker, smtp_sink, broker_mode
):
    require_real_stack()
    from plenary.celery import app

    smtp_sink.clear()
    address = "wanjiru@example.org"
    comment, secretariat = _loop(address, celery_worker, smtp_sink)

    # The request path: commit the decision, record the work, touch no broker, send nothing.
    with no_broker_contact():
        entry, publish_seconds = timed(_publish, comment, secretariat)
    message = OutboxMessage.objects.get(task_name=TASK, kwargs={"batch_id": entry.batch_id})
    assert message.published_at is None and message.attempts == 0
    assert smtp_sink.messages == [] and django_mail.outbox == []
    assert list(MailDelivery.objects.values_list("key", flat=True)) == [f"receipt-{comment.pk}"]

    # The relay publishes; the worker sends the mail.
    published, relay_seconds = timed(outbox.relay)
    assert published == 1
    message.refresh_from_db()
    assert message.published_at is not None and message.attempts == 1
    started = time.monotonic()
    outcome = celery_worker.task_outcome(f"outbox-{message.pk}-0", MAIL_TIMEOUT)
    assert "succeeded" in outcome and outcome.endswith(": 1"), outcome
    sent = _only_mail_to(smtp_sink, address, comment.receipt)
    delivered_seconds = time.monotonic() - started
    key = f"batch-{entry.batch_id}-to-{comment.author_id}"
    assert MailDelivery.objects.filter(key=key).count() == 1
    _show(sent, "first delivery")

    # Idempotent: nothing left to relay, and the same task run again sends nothing.
    assert outbox.relay() == 0
    again = f"again-{uuid.uuid4().hex[:8]}"
    app.send_task(TASK, kwargs={"batch_id": entry.batch_id}, task_id=again, queue=QUEUE)
    outcome = celery_worker.task_outcome(again, MAIL_TIMEOUT)
    assert "succeeded" in outcome and outcome.endswith(": 0"), outcome
    # Nothing queued, nothing running: a straggling mail would be in the sink by now.
    wait_settled(celery_worker, redis_url=settings.REDIS_URL, queue=QUEUE, timeout=MAIL_TIMEOUT)
    assert len(smtp_sink.messages) == 1
    assert MailDelivery.objects.count() == 2  # the receipt and this decision
    print(
        f"[timings] publish {publish_seconds * 1000:.0f} ms (no broker), "
        f"relay {relay_seconds * 1000:.0f} ms, relay->mail {delivered_seconds:.2f}s; "
        f"re-run of the task: {outcome!r}"
    )


@pytest.mark.django_db(transaction=True)
def test_a_down_broker_neither_blocks_publishing_nor_loses_the_mail(
    celery_worker, smtp_sink, broker_mode
):
    require_real_stack()
    smtp_sink.clear()
    address = "rafael@example.org"
    comment, secretariat = _loop(address, celery_worker, smtp_sink)

    with broker_url(DOWN_BROKER_URL):
        # Publishing a decision while Redis is unreachable: succeeds, and quickly.
        with no_broker_contact():
            entry, publish_seconds = timed(_publish, comment, secretariat)
        assert publish_seconds < settings.CELERY_BROKER_CONNECTION_TIMEOUT
        message = OutboxMessage.objects.get(task_name=TASK, kwargs={"batch_id": entry.batch_id})
        assert message.published_at is None

        # The relay fails fast, keeps the row and says why.
        published, relay_seconds = timed(outbox.relay)
        assert published == 0
        assert relay_seconds < 5, f"relay took {relay_seconds:.1f}s against a down broker"
        message.refresh_from_db()
        assert message.published_at is None
        assert message.attempts == 1
        assert "6390" in message.last_error, message.last_error
        assert smtp_sink.messages == []

    # The broker is back: the next relay publishes it and the worker mails once.
    published, recovered_seconds = timed(outbox.relay)
    assert published == 1
    message.refresh_from_db()
    assert message.published_at is not None and message.attempts == 2
    outcome = celery_worker.task_outcome(f"outbox-{message.pk}-1", MAIL_TIMEOUT)
    assert "succeeded" in outcome and outcome.endswith(": 1"), outcome
    sent = _only_mail_to(smtp_sink, address, comment.receipt)
    assert outbox.relay() == 0
    # Nothing queued (the failed first publication included), nothing running.
    wait_settled(celery_worker, redis_url=settings.REDIS_URL, queue=QUEUE, timeout=MAIL_TIMEOUT)
    assert len(smtp_sink.messages) == 1
    key = f"batch-{entry.batch_id}-to-{comment.author_id}"
    assert MailDelivery.objects.filter(key=key).count() == 1
    _show(sent, "after the outage")
    print(
        f"[timings] publish with broker down {publish_seconds * 1000:.0f} ms, "
        f"relay against down broker {relay_seconds:.2f}s (last_error={message.last_error[:80]!r}), "
        f"relay after recovery {recovered_seconds * 1000:.0f} ms"
    )
