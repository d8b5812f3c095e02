"""Log lines people can search: time in UTC, level, logger, and the request or task they
belong to.

``PLENARY_LOG_FORMAT=text`` (the default) writes one readable line::

    2026-12-07T15:00:00.123Z INFO plenary.request rid=3f2a... GET /c/x/ 200 12ms

``PLENARY_LOG_FORMAT=json`` writes one JSON object per line (python-json-logger),
with ``time``, ``level``, ``logger``, ``message``, ``request_id``, ``user_id``,
``task_name``, ``task_id`` and, on the access line, ``method``, ``path``,
``route``, ``status``, ``duration_ms``, ``queries``.  ``settings.LOGGING``
names these classes; the Celery worker's own handlers get them through
``celery_signals``.
"""

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from plenary.observability import context

# Set on every record by ContextFilter (None when not in a request or task).
CONTEXT_FIELDS = ("request_id", "user_id", "task_name", "task_id")
# Set by the access line (middleware) and the task line (celery_signals) through ``extra``.
EVENT_FIELDS = ("method", "path", "route", "status", "duration_ms", "queries", "state")


def utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ContextFilter(logging.Filter):
    """Copies the request and task in progress onto each record (a handler filter, so
    records propagated from any logger get it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = context.request_id.get() or None
        if getattr(record, "user_id", None) is None:
            record.user_id = context.user_id.get()
        if not getattr(record, "task_name", None):
            record.task_name = context.task_name.get() or None
        if not getattr(record, "task_id", None):
            record.task_id = context.task_id.get() or None
        return True


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger> [rid=<id>] [task=<name>[<id>]] <message>``.

    The message stays last, whole: whoever reads Celery's own lines ("Task
    <name>[<id>] succeeded in ...: True") reads them as before.
    """

    def format(self, record: logging.LogRecord) -> str:
        parts = [utc_time(record), record.levelname, record.name]
        request_id = getattr(record, "request_id", None)
        if request_id:
            parts.append(f"rid={request_id}")
        task_name = getattr(record, "task_name", None)
        if task_name:
            parts.append(f"task={task_name}[{getattr(record, 'task_id', '')}]")
        line = " ".join([*parts, record.getMessage()])
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line; the fields are named in the module docstring."""

    def add_fields(self, log_data, record, message_dict) -> None:
        log_data["time"] = utc_time(record)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.getMessage()
        for name in CONTEXT_FIELDS:
            log_data[name] = getattr(record, name, None)
        for name in EVENT_FIELDS:
            if hasattr(record, name):
                log_data[name] = getattr(record, name)
        # exc_info and stack_info, formatted by the base class.
        log_data.update(message_dict)


def use_plenary_format(logger: logging.Logger, *, log_format: str) -> None:
    """Give the handlers Celery set up on ``logger`` our format and context filter."""
    formatter = JsonFormatter() if log_format == "json" else TextFormatter()
    for handler in logger.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
