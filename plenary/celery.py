"""The Celery application.  Tasks take ids and call one service (STYLE.md)."""

import os

from celery import Celery

from plenary.heartbeat import WorkerHeartbeat

# Imported for its effect: the request id in task headers, task log context and
# outcome counts, the worker's log format (plenary/observability/celery_signals.py).
from plenary.observability import celery_signals  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")

app = Celery("plenary")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["plenary.outbox"])
# Each worker beats while it consumes (plenary/heartbeat.py; /readyz, manage.py healthcheck).
app.steps["consumer"].add(WorkerHeartbeat)
