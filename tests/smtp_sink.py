"""A real SMTP server in the test process that keeps every message it receives.

Used by tests that run a real Celery worker: the worker is pointed at the sink
with ``EMAIL_URL=smtp://127.0.0.1:<port>`` and the test reads what arrived.
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

_AIOSMTPD_LOG = logging.getLogger("mail.log")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    received_at: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The decoded text/plain body (quoted-printable and base64 undone)."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook name
        self._sink._add(
            ReceivedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                content=bytes(envelope.original_content or envelope.content),
            )
        )
        return "250 Message accepted for delivery"


class SmtpSink:
    """``with SmtpSink() as sink: ...`` serves SMTP on ``sink.host:sink.port``."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._messages: list[ReceivedMail] = []
        self._log_level = logging.NOTSET
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpSink:
        # aiosmtpd logs every SMTP command at INFO; keep test output readable.
        self._log_level = _AIOSMTPD_LOG.level
        _AIOSMTPD_LOG.setLevel(logging.WARNING)
        self._controller.start()
        return self

    def stop(self) -> None:
        try:
            self._controller.stop()
        finally:
            _AIOSMTPD_LOG.setLevel(self._log_level)

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _add(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self._messages.append(mail)
            self._arrived.notify_all()

    @property
    def messages(self) -> list[ReceivedMail]:
        """A snapshot copy, safe to read while the server keeps receiving."""
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float) -> list[ReceivedMail]:
        """Block until at least ``count`` messages arrived (or ``timeout`` passed); return all."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._arrived.wait(remaining)
            return list(self._messages)
