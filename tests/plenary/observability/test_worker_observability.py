"""On the real stack: a comment POST's receipt task, relayed from the outbox to a real
Celery worker, logs the request id of the POST (JSON lines), and web's /metrics
counts the worker's task run (the cluster-wide counters in Redis).

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; skipped without them, failed
under CI=true.
"""

import json
import tempfile
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from plenary.outbox import services as outbox
from plenary.outbox.models import OutboxMessage
from tests.consult.factories import open_consultation
from tests.plenary.observability.scraping import TOKEN, scrape, value
from tests.smtp_sink import SmtpSink
from tests.stakeholders.factories import ParticipantFactory, convenor
from tests.waiting import wait_until
from tests.worker_helpers import celery_worker, require_real_stack, stack_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TASK = "comments.tasks.send_receipt"


def json_lines(log: str) -> list[dict]:
    lines = []
    for raw in log.splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


def test_a_relayed_task_logs_the_request_id_and_web_metrics_count_its_run(client, settings):
    require_real_stack()
    prefix = f"metrics-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        **settings.CACHES,
        "metrics": {**settings.CACHES["metrics"], "KEY_PREFIX": prefix},
    }
    settings.PLENARY_METRICS_TOKEN = TOKEN
    settings.PLENARY_TASKS_INLINE = False  # the POST only writes the outbox row
    settings.CELERY_TASK_ALWAYS_EAGER = False

    consultation = open_consultation(secretariat=convenor())
    user = ParticipantFactory().user
    client.force_login(user)
    section = consultation.versions.get().sections.order_by("ordinal")[1]
    response = client.post(
        reverse("section", args=[consultation.slug, section.key]),
        {"body": "A point for the worker.", "visibility": "public"},
        HTTP_X_REQUEST_ID="edge-5678efgh",
    )
    assert response.status_code == 302
    row = OutboxMessage.objects.get(task_name=TASK)
    assert row.request_id == "edge-5678efgh"
    before = scrape(client)

    with SmtpSink() as sink, tempfile.TemporaryDirectory() as logs:
        env = stack_env(
            redis_url=settings.REDIS_URL,
            smtp_url=sink.url,
            PLENARY_LOG_FORMAT="json",
            PLENARY_METRICS_KEY_PREFIX=prefix,
        )
        worker = celery_worker(env, Path(logs), pool="solo").start(ready=r"\bready\.")
        try:
            assert outbox.relay() == 1  # the relay publishes the row with its request id
            sink.wait_for(1, timeout=30)
            done = wait_until(
                lambda: [
                    line
                    for line in json_lines(worker.log)
                    if line.get("logger") == "plenary.task" and line.get("task_name") == TASK
                ],
                timeout=30,
                message=lambda: f"the task's line in the worker log:\n{worker.log_tail()}",
            )
        finally:
            worker.stop()

    [line] = done
    assert line["request_id"] == "edge-5678efgh"
    assert line["task_id"] == f"outbox-{row.pk}-0"
    assert line["state"] == "SUCCESS"
    assert line["time"].endswith("Z")
    after = scrape(client)
    runs = "plenary_task_runs_total"
    assert (
        value(after, runs, task=TASK, outcome="success")
        - value(before, runs, task=TASK, outcome="success")
        == 1
    )
    assert (
        value(after, "plenary_mails_total", outcome="sent")
        - value(before, "plenary_mails_total", outcome="sent")
        == 1
    )
