"""Benchmark: web with psycopg's pool (DATABASE_POOL) against a connection per request
and against Django's persistent connections (CONN_MAX_AGE).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary \
        .venv/bin/python bench/pool.py [--requests 300]

Creates a throw-away database, ``plenary_bench_pool`` (dropped at the end),
migrates it and loads the demo; then starts three gunicorn servers with web's
command from docker-compose.yml (tests/ops/compose.py), each on its own port:
no pool with CONN_MAX_AGE 0 (a connection per request), no pool with the
default CONN_MAX_AGE 60, and the pool.  It requests /healthz (a bare view, no
database), the home page (its queries) and /readyz, round-robin over the three
servers so a busy machine slows each alike, and prints the median and p95 in
milliseconds.  It asserts nothing about time.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "connection per request": {"DATABASE_POOL": "false", "DATABASE_CONN_MAX_AGE": "0"},
    "persistent (CONN_MAX_AGE 60)": {"DATABASE_POOL": "false", "DATABASE_CONN_MAX_AGE": "60"},
    "pool (min 2, max 8)": {"DATABASE_POOL": "true"},
}
PATHS = ["/healthz", "/", "/readyz"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_command(port: int) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    argv = [str(a) for a in compose["services"]["web"]["command"]]
    argv = [a.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for a in argv]
    argv[argv.index("--access-logfile") + 1] = "/dev/null"
    return [str(Path(sys.executable).parent / argv[0]), *argv[1:]]


def get_ms(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        response.read()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    base_url = os.environ["DATABASE_URL"]
    parts = urlsplit(base_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    url = urlunsplit(parts._replace(path="/plenary_bench_pool"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS plenary_bench_pool WITH (FORCE)")
        db.execute("CREATE DATABASE plenary_bench_pool")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLENARY_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PLENARY_PAGE_CACHE_SECONDS": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    servers = []
    try:
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--quiet-mail"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        for name, extra in VARIANTS.items():
            port = free_port()
            proc = subprocess.Popen(web_command(port), cwd=ROOT, env={**env, **extra})
            servers.append((name, port, proc))
        for _name, port, _proc in servers:
            for _ in range(300):
                try:
                    get_ms(f"http://127.0.0.1:{port}/healthz")
                    break
                except OSError:
                    time.sleep(0.2)
        timings = {(name, path): [] for name, _p, _x in servers for path in PATHS}
        for _ in range(20):  # warm-up: every gunicorn process opens its connections
            for _name, port, _proc in servers:
                for path in PATHS:
                    get_ms(f"http://127.0.0.1:{port}{path}")
        for _ in range(args.requests):
            for name, port, _proc in servers:
                for path in PATHS:
                    timings[(name, path)].append(get_ms(f"http://127.0.0.1:{port}{path}"))
        print(f"{'variant':32} {'path':10} {'p50 ms':>8} {'p95 ms':>8}")
        for (name, path), values in timings.items():
            p95 = statistics.quantiles(values, n=20)[-1]
            print(f"{name:32} {path:10} {statistics.median(values):8.2f} {p95:8.2f}")
    finally:
        for _name, _port, proc in servers:
            proc.terminate()
            proc.wait(timeout=30)
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute("DROP DATABASE IF EXISTS plenary_bench_pool WITH (FORCE)")


if __name__ == "__main__":
    main()
