"""Celery's side: the request id travels in the task message, a task's log lines carry
it with the task's name and id, and the worker counts task outcomes.

Connected when ``plenary.celery`` is imported, so in the web process (which
publishes, and runs tasks inline without Redis), the relay and the worker alike.
"""

import logging
import time

from celery import signals
from django.conf import settings

from plenary.observability import context, logs, metrics

task_log = logging.getLogger("plenary.task")

_started: dict[str, float] = {}
_tokens: dict[str, tuple] = {}


@signals.before_task_publish.connect
def carry_request_id(headers=None, **_kwargs) -> None:
    """A task published in a request (or by a task) carries its request id; the outbox's
    relay sets the header itself from the row (``outbox.services``)."""
    request_id = context.request_id.get()
    if headers is not None and request_id:
        headers.setdefault(context.REQUEST_ID_HEADER, request_id)


def enqueuing_request_id(task) -> str:
    request = task.request
    found = getattr(request, context.REQUEST_ID_HEADER, None)
    if not found and isinstance(request.headers, dict):
        found = request.headers.get(context.REQUEST_ID_HEADER)
    return context.sane_request_id(found) or ""


@signals.task_prerun.connect
def task_context(task_id=None, task=None, **_kwargs) -> None:
    if task is None or task_id is None:
        return
    _tokens[task_id] = (
        context.request_id.set(enqueuing_request_id(task) or context.request_id.get()),
        context.task_name.set(task.name),
        context.task_id.set(task_id),
    )
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def task_done(task_id=None, task=None, state=None, **_kwargs) -> None:
    if task is None or task_id is None:
        return
    started = _started.pop(task_id, None)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    task_log.info(
        "%s %s %sms",
        task.name,
        state,
        round(duration_ms) if duration_ms is not None else "?",
        extra={"state": state, "duration_ms": duration_ms},
    )
    tokens = _tokens.pop(task_id, None)
    if tokens:
        request_token, name_token, id_token = tokens
        context.task_id.reset(id_token)
        context.task_name.reset(name_token)
        context.request_id.reset(request_token)


@signals.task_success.connect
def count_success(sender=None, **_kwargs) -> None:
    if sender is not None:
        metrics.task_finished(task_name=sender.name, outcome="success")


@signals.task_failure.connect
def count_failure(sender=None, **_kwargs) -> None:
    if sender is not None:
        metrics.task_finished(task_name=sender.name, outcome="failure")


@signals.task_retry.connect
def count_retry(sender=None, **_kwargs) -> None:
    if sender is not None:
        metrics.task_finished(task_name=sender.name, outcome="retry")


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def worker_log_format(logger=None, **_kwargs) -> None:
    """The worker's own handlers (Celery replaces the root logger's) write our format."""
    if logger is not None:
        logs.use_plenary_format(logger, log_format=settings.PLENARY_LOG_FORMAT)
