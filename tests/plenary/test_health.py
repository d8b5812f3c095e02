"""Health endpoints for load balancers: /healthz (process up), /readyz (dependencies,
outbox lag, heartbeats), and ``manage.py healthcheck`` (the compose healthchecks)."""

import os
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from plenary.heartbeat import expected_names, heartbeat_record
from plenary.outbox.models import OutboxMessage

DOWN = "redis://127.0.0.1:6390/0"  # nothing listens there
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any database access would raise here.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_and_inline_tasks(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("inline")
    assert "heartbeats" not in body  # no background processes to hear from
    assert body["outbox"] == {"pending": 0, "oldest_pending_seconds": None}


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = DOWN
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


@pytest.mark.django_db
def test_readyz_stays_ready_when_only_the_cache_is_down(client, settings):
    settings.REDIS_URL = DOWN
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["cache"].startswith("error")


@pytest.mark.django_db
@needs_redis
def test_readyz_is_ready_with_a_live_broker(client, settings):
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


@pytest.mark.django_db
@needs_redis
def test_stale_heartbeats_are_reported_and_fail_only_strict_readiness(client, settings):
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    for name in expected_names():
        heartbeat_record(name)
    heartbeat_record("worker:reports", now=time.time() - 3600)  # an hour ago
    response = client.get("/readyz")
    assert response.status_code == 200  # web keeps serving: the worker is not web's problem
    body = response.json()
    assert body["status"] == "degraded" and body["degraded"] == ["worker:reports"]
    assert body["heartbeats"]["worker:reports"]["fresh"] is False
    assert body["heartbeats"]["worker:reports"]["age_seconds"] >= 3600
    assert body["heartbeats"]["beat"]["fresh"] is True
    assert client.get("/readyz?strict=1").status_code == 503
    heartbeat_record("worker:reports")
    assert client.get("/readyz?strict=1").status_code == 200


@pytest.mark.django_db
@needs_redis
def test_a_process_never_heard_from_is_stale(client, settings):
    settings.CELERY_BROKER_URL = os.environ["REDIS_URL"]
    body = client.get("/readyz").json()
    assert body["heartbeats"]["relay"] == {"age_seconds": None, "fresh": False}


@pytest.mark.django_db
def test_outbox_lag_is_reported_and_fails_strict_readiness_past_the_limit(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    settings.PLENARY_OUTBOX_LAG_SECONDS = 60
    waiting = OutboxMessage.objects.create(task_name="comments.tasks.send_receipt")
    OutboxMessage.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    OutboxMessage.objects.create(task_name="comments.tasks.send_receipt")  # fresh
    done = OutboxMessage.objects.create(task_name="x", published_at=timezone.now())
    OutboxMessage.objects.filter(pk=done.pk).update(created_at=timezone.now() - timedelta(days=1))
    body = client.get("/readyz").json()
    assert body["outbox"]["pending"] == 2
    assert 299 <= body["outbox"]["oldest_pending_seconds"] < 400
    assert body["degraded"] == ["outbox"]
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz?strict=1").status_code == 503


def test_healthcheck_fails_until_the_process_beat_on_this_host(settings):
    with pytest.raises(CommandError, match="relay: last heartbeat on this host never"):
        call_command("healthcheck", "relay")
    heartbeat_record("relay")
    call_command("healthcheck", "relay")
    heartbeat_record("worker:reports", now=time.time() - 600)
    with pytest.raises(CommandError, match="600 s ago"):
        call_command("healthcheck", "worker", "--queue", "reports")
    heartbeat_record("beat", now=time.time() - 30)
    call_command("healthcheck", "beat")  # fresh within PLENARY_HEARTBEAT_STALE_SECONDS


@pytest.mark.django_db(transaction=True)
def test_healthcheck_web_asks_readyz(live_server, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    call_command("healthcheck", "web", "--url", f"{live_server.url}/readyz")
    settings.CELERY_BROKER_URL = DOWN
    with pytest.raises(CommandError, match="answered 503"):
        call_command("healthcheck", "web", "--url", f"{live_server.url}/readyz")
    with pytest.raises(CommandError, match="did not answer"):
        call_command("healthcheck", "web", "--url", "http://127.0.0.1:9/readyz")
