"""The real stack for fault tests: a private redis-server, Celery workers, the relay, SMTP.

``tests/test_faults.py`` stops and restarts Redis and SIGKILLs workers, so it
never uses the shared Redis: :class:`RedisServer` starts its own on a free
port (persistence on, like production should be), and every process started
here runs in its own session so that it, and only it, can be signalled by
process group id.  The requirement check (``require_real_stack``) and the
test-database URL come from ``tests/plenary/test_worker_mail.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.plenary.test_worker_mail import _test_database_url, require_real_stack, wait_settled
from tests.smtp_sink import ReceivedMail, SmtpSink, _Handler, free_port
from tests.waiting import wait_until

BASE_DIR = Path(settings.BASE_DIR)

__all__ = [
    "HoldingSmtpSink",
    "Process",
    "RedisServer",
    "_test_database_url",
    "require_real_stack",
    "stack_env",
    "wait_settled",
]


class Process:
    """A subprocess in its own session whose stdout/stderr go to a log file."""

    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path, cwd: Path = BASE_DIR
    ) -> None:
        self.name = name
        self.cmd = cmd
        self.env = env
        self.cwd = cwd
        self.log_path = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, *, ready: str | None = None, timeout: float = 30.0) -> Process:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: we signal it, and its children
            )
        if ready:
            self.wait_for_log(ready, timeout, what=f"{self.name} ready")
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])

    def wait_for_log(self, pattern: str, timeout: float, *, what: str, after: int = 0) -> re.Match:
        """Wait for ``pattern`` in the log (from character ``after`` on)."""
        regex = re.compile(pattern)

        def found() -> re.Match | None:
            match = regex.search(self.log, after)
            if match is None and self.proc is not None and self.proc.poll() is not None:
                pytest.fail(
                    f"{self.name} exited (code {self.proc.returncode}) while waiting for {what}. "
                    f"Log:\n{self.log_tail()}"
                )
            return match

        return wait_until(
            found,
            timeout=timeout,
            message=lambda: f"{what}. Log of {self.name}:\n{self.log_tail()}",
        )

    def kill_group(self) -> None:
        """SIGKILL the process and everything it started (its process group)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill_group()


def celery_worker(env: dict[str, str], log_dir: Path, *, pool: str = "prefork") -> Process:
    cmd = [
        sys.executable, "-m", "celery", "-A", "plenary", "worker",
        f"--pool={pool}", "--concurrency=1", "-Q", "celery",
        "--without-heartbeat", "--without-gossip", "--without-mingle",
        "-l", "info", "-n", f"plenary-fault-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    return Process("worker", cmd, env, log_dir)


def relay_loop(env: dict[str, str], log_dir: Path, *, interval: float = 0.5) -> Process:
    cmd = [sys.executable, "manage.py", "relay_outbox", "--loop", "--interval", str(interval)]
    return Process("relay", cmd, env, log_dir)


class RedisServer:
    """A private redis-server on a free port, with an append-only file so a restart keeps data.

    ``stop()`` is a clean shutdown (SIGTERM: Redis writes its data and exits),
    as in a restart or an upgrade of the Redis container.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="plenary-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        cmd = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
            "--save", "", "--appendonly", "yes", "--appendfsync", "always",
            "--protected-mode", "yes", "--logfile", str(self.dir / "redis.log"),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
        )

        def answers() -> bool:
            try:
                return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
            except redis.ConnectionError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited on port {self.port}") from None
                return False

        wait_until(answers, timeout=10, interval=0.05, message=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class _HoldingHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):
        sink: HoldingSmtpSink = self._sink
        # The message is taken (as an MTA queues it) before the reply is sent...
        reply = await super().handle_DATA(server, session, envelope)
        hold = sink.hold_seconds
        if hold:
            sink.holding.set()  # ...then the reply waits: the client is inside send_mail
            # A sleep that stays: holding the reply is the fault under test (the worker
            # is killed while it waits); ``holding`` tells the test when it has begun.
            await asyncio.sleep(hold)
        return reply


class HoldingSmtpSink(SmtpSink):
    """An SMTP sink that can keep the client waiting for the reply to DATA.

    Set ``hold_seconds``; ``holding`` is set once a message was taken and the
    reply is being held, i.e. the sending worker is inside ``send_mail``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        super().__init__(host, port)
        self.hold_seconds = 0.0
        self.holding = threading.Event()
        self._controller.handler = _HoldingHandler(self)


def stack_env(
    *, redis_url: str, smtp_url: str, visibility_timeout: int = 3600, **extra: str
) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plenary.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "PLENARY_TASKS_INLINE": "false",
        "EMAIL_URL": smtp_url,
        "PLENARY_SITE_URL": "http://testserver",
        "PLENARY_LOG_LEVEL": "INFO",
        "PLENARY_BROKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    for name in ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL", "CELERY_BROKER_READ_URL"):
        env.pop(name, None)
    return env


def message_ids(mails: list[ReceivedMail]) -> list[str]:
    return [str(m.message["Message-ID"]) for m in mails]
