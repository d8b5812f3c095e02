"""The psycopg connection pool (DATABASE_POOL) against the real PostgreSQL.

A process started with the pool on, as web is in docker-compose.yml, runs
queries from several threads and a server-side cursor (``QuerySet.iterator()``)
in a transaction and outside one, with and without server-side binding;
its connections come back to the pool and are reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.ops.compose import BASE_DIR
from tests.worker_helpers import _test_database_url, require_real_stack

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = """
import json
from concurrent.futures import ThreadPoolExecutor
from django.db import connection, transaction
from plenary.outbox.models import OutboxMessage

def open_cursors():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]

def job(n):
    try:
        OutboxMessage.objects.create(task_name="pool.check", kwargs={"n": n})
        seen, cursors = 0, 0
        with transaction.atomic():
            for _ in OutboxMessage.objects.filter(task_name="pool.check").iterator(chunk_size=2):
                seen += 1
                cursors = max(cursors, open_cursors())
        rows = OutboxMessage.objects.filter(task_name="pool.check")
        outside = sum(1 for _ in rows.iterator(chunk_size=2))
        return seen, outside, cursors
    finally:
        connection.close()  # back to the pool, as at the end of a request

with ThreadPoolExecutor(max_workers=4) as threads:
    results = list(threads.map(job, range(40)))
stats = connection.pool.get_stats() if connection.pool else {}
OutboxMessage.objects.filter(task_name="pool.check").delete()
print(json.dumps({
    "results": results,
    "pool": connection.pool is not None,
    "options": {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k != "pool"},
    "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
    "stats": {k: stats.get(k) for k in ("connections_num", "requests_num", "pool_max")},
}))
"""


def _run(**env: str) -> dict:
    require_real_stack()
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": _test_database_url(), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("binding", ["false", "true"])
def test_pooled_connections_are_reused_and_server_side_cursors_work(binding):
    out = _run(
        DATABASE_POOL="true",
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="3",
        DATABASE_SERVER_SIDE_BINDING=binding,
    )
    assert out["pool"] is True and out["conn_max_age"] == 0
    assert out["options"].get("server_side_binding", False) is (binding == "true")
    # Every thread saw its own row at least, in and out of a transaction, through a
    # cursor declared on the server.
    assert all(
        seen >= 1 and outside >= 1 and cursors >= 1 for seen, outside, cursors in out["results"]
    )
    # 40 jobs, and more requests than that, on at most 3 connections.
    assert out["stats"]["requests_num"] >= 40
    assert 1 <= out["stats"]["connections_num"] <= 3


def test_server_side_cursors_can_be_turned_off_for_pgbouncer():
    out = _run(DATABASE_POOL="true", DATABASE_DISABLE_SERVER_SIDE_CURSORS="true")
    assert all(cursors == 0 for _seen, _outside, cursors in out["results"])


def test_without_the_pool_nothing_changes():
    out = _run(DATABASE_POOL="false")
    assert out["pool"] is False and out["conn_max_age"] == 60
    assert all(cursors >= 1 for _seen, _outside, cursors in out["results"])
