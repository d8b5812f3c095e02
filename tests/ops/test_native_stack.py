"""The compose file's processes, started natively with its own commands.

Docker cannot run here, so CI does what ``docker compose up`` would: the
one-off ``migrate`` against a fresh database, then web (gunicorn, on a free port
instead of 8000), both workers, beat and the relay, each with its command from
docker-compose.yml (tests/ops/compose.py swaps in this virtualenv's executables)
and its compose environment, beside a private Redis (cache /0, broker /1) and an
SMTP sink.  It waits until each compose healthcheck, run natively, passes; then
a page is served, a receipt mail goes through the outbox, relay and worker to
the sink, a report is built by the reports worker, and /readyz reports fresh
heartbeats and no outbox lag.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.ops.compose import (
    BASE_DIR,
    healthcheck_command,
    native_argv,
    service_command,
    services,
)
from tests.smtp_sink import SmtpSink, free_port
from tests.waiting import wait_until
from tests.worker_helpers import Process, RedisServer, require_real_stack

pytestmark = pytest.mark.worker

PROCESSES = ["web", "worker", "worker-reports", "beat", "relay"]
# Wired by the test, not taken from the compose file (which names its containers).
# PROMETHEUS_MULTIPROC_DIR: web's path, replaced by one of this test's own.
WIRED = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "PROMETHEUS_MULTIPROC_DIR"}
# Run in the fresh database by `manage.py shell -c`: a consultation, a comment (its
# receipt goes through the outbox) and a DOCX report (routed to the reports queue).
SCENARIO = """
import json
from comments.threads import services as comment_services
from feedback.report import services as report_services
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory, convenor
secretariat = convenor(email="secretariat@example.org")
consultation = open_consultation(secretariat=secretariat)
author = ParticipantFactory(display_name="Wanjiru", user__email="wanjiru@example.org").user
section = consultation.versions.get().sections.order_by("ordinal").first()
comment = comment_services.comment_create(
    actor=author, consultation=consultation, section_key=section.key, body="Name the licence."
)
report, _ = report_services.report_request(
    actor=secretariat, consultation=consultation, format="docx"
)
print(json.dumps({"receipt": comment.receipt, "report": report.pk}))
"""


def _connect(dbname: str) -> psycopg.Connection:
    sd = settings.DATABASES["default"]
    return psycopg.connect(
        host=sd.get("HOST") or "127.0.0.1",
        port=sd.get("PORT") or 5432,
        user=sd.get("USER") or None,
        password=sd.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


@pytest.fixture
def fresh_database():
    require_real_stack()
    name = f"plenary_native_{uuid.uuid4().hex[:10]}"
    with _connect("postgres") as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    sd = settings.DATABASES["default"]
    auth = sd.get("USER") or ""
    if sd.get("PASSWORD"):
        auth += f":{sd['PASSWORD']}"
    host = f"{sd.get('HOST') or '127.0.0.1'}:{sd.get('PORT') or 5432}"
    yield name, f"postgres://{auth}@{host}/{name}" if auth else f"postgres://{host}/{name}"
    with _connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.close()


def _env(service: str, base: dict[str, str]) -> dict[str, str]:
    """The compose environment's literal values for ``service`` over ``base``."""
    env = dict(base)
    for key, value in services()[service].get("environment", {}).items():
        if "${" not in str(value) and key not in WIRED:
            env[key] = str(value)
    return env


def _get(url: str) -> tuple[int, dict | str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own server)
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode(), exc.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def test_the_compose_processes_run_natively_and_are_healthy(fresh_database, redis_server, tmp_path):
    dbname, database_url = fresh_database
    port = free_port()
    with SmtpSink() as sink:
        base = {
            **{k: v for k, v in os.environ.items() if k not in WIRED | {"PLENARY_TASKS_INLINE"}},
            "DJANGO_SETTINGS_MODULE": "plenary.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/0",
            "CELERY_BROKER_URL": redis_server.url.rsplit("/", 1)[0] + "/1",
            "EMAIL_URL": sink.url,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PLENARY_SITE_URL": f"http://127.0.0.1:{port}",
            # No collectstatic in CI: the pages name the static files unhashed.
            "PLENARY_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "PLENARY_HEARTBEAT_SECONDS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
            "PLENARY_METRICS_TOKEN": METRICS_TOKEN,
            "PYTHONUNBUFFERED": "1",
        }
        started = time.monotonic()
        migrate = subprocess.run(
            native_argv(service_command("migrate")),
            cwd=BASE_DIR,
            env=_env("migrate", base),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stdout[-3000:] + migrate.stderr[-3000:]
        migrated = time.monotonic()

        running: dict[str, Process] = {}
        try:
            for name in PROCESSES:
                argv = native_argv(service_command(name), port=port)
                running[name] = Process(name, argv, _env(name, base), Path(tmp_path)).start()
            for name in PROCESSES:
                _wait_healthy(name, running[name], _env(name, base), port)
            healthy = time.monotonic()
            print(
                f"\nnative stack: migrate {migrated - started:.1f} s, "
                f"processes healthy {healthy - migrated:.1f} s after"
            )

            # gunicorn's 4 processes share the load (no keep-alive: a connection each);
            # whichever answers /metrics adds up all of theirs (multiprocess mode).
            for _ in range(HOME_READS):
                status, page = _get(f"http://127.0.0.1:{port}/")
                assert status == 200, page
            assert _home_requests(port) == HOME_READS

            scenario = subprocess.run(
                native_argv(["python", "manage.py", "shell", "-c", SCENARIO]),
                cwd=BASE_DIR,
                env=_env("web", base),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert scenario.returncode == 0, scenario.stderr[-3000:]
            made = json.loads(scenario.stdout.strip().splitlines()[-1])

            mails = sink.wait_for(1, 60)
            assert [m.rcpt_tos for m in mails] == [("wanjiru@example.org",)], _logs(running)
            assert made["receipt"] in mails[0].subject

            with _connect(dbname) as db:

                def report_state():
                    row = db.execute(
                        "SELECT state, error FROM feedback_outcomereport WHERE id = %s",
                        [made["report"]],
                    ).fetchone()
                    return row if row and row[0] in {"done", "failed"} else None

                state, error = wait_until(report_state, timeout=120, message=lambda: _logs(running))
                assert (state, error) == ("done", "")
                assert "Task feedback.tasks.build_report[" in running["worker-reports"].log
                assert "Task feedback.tasks.build_report[" not in running["worker"].log

            def settled():
                status, body = _get(f"http://127.0.0.1:{port}/readyz?strict=1")
                return (status, body) if status == 200 else None

            status, ready = wait_until(
                settled,
                timeout=30,
                message=lambda: str(_get(f"http://127.0.0.1:{port}/readyz?strict=1")),
            )
            assert ready["status"] == "ok" and ready["degraded"] == []
            assert ready["outbox"] == {"pending": 0, "oldest_pending_seconds": None}
            assert set(ready["heartbeats"]) == {"worker:celery", "worker:reports", "beat", "relay"}
            assert all(beat["fresh"] for beat in ready["heartbeats"].values()), ready
        finally:
            for process in running.values():
                process.stop()
        for name, process in running.items():
            assert process.proc is not None and process.proc.poll() is not None, name


METRICS_TOKEN = "native-stack-metrics-token"
HOME_READS = 12


def _home_requests(port: int) -> float:
    """plenary_http_requests_total for the home page, from web's /metrics."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own server)
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("plenary_http_requests_total{") and 'route="/"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def _wait_healthy(name: str, process: Process, env: dict[str, str], port: int) -> None:
    argv = native_argv(healthcheck_command(name), port=port)

    def passes() -> bool:
        if process.proc is not None and process.proc.poll() is not None:
            pytest.fail(f"{name} exited ({process.proc.returncode}):\n{process.log_tail()}")
        check = subprocess.run(
            argv, cwd=BASE_DIR, env=env, capture_output=True, timeout=60, check=False
        )
        return check.returncode == 0

    wait_until(
        passes,
        timeout=180,
        interval=1.0,
        message=lambda: f"{name}'s healthcheck {argv[1:]} never passed:\n{process.log_tail()}",
    )


def _logs(running: dict[str, Process]) -> str:
    return "\n".join(f"--- {name}\n{p.log_tail(30)}" for name, p in running.items())
