"""Load benchmark: a deadline surge on loopback (not run in CI).

    .venv/bin/pip install -c requirements/constraints.txt -e .[bench]
    .venv/bin/python bench/load/run.py            # --duration 120 --users 200 (defaults)

Builds a throw-away PostgreSQL database (``plenary_load``; ``--database-url``
names the server), seeds the demo consultation (19 sections, an open round)
and 200 participants with API tokens, then starts the real stack: gunicorn
(``--workers`` x ``--threads``, gthread), a Celery worker and the outbox
relay, on Redis.  With locust (headless, one process) it runs, one after the
other against the same server:

1. surge     200 users for --duration s: 4 in 5 read the consultation page
             and section threads, 1 in 5 also post comments and replies
             through the API (1-3 s think time);
2. bare      the same 200 users' pacing against a bare Django view;
3. raw       --writers users back to back on a raw single-row INSERT view;
4. writers   --writers users back to back posting comments (the service
             path: validation, receipt, revision, outbox row).

It prints requests, throughput, p50/p95/p99 and failures per request type,
and the CPU each part of the stack (gunicorn, PostgreSQL, worker, relay,
locust) spent per request in each scenario, then counts: every 201 has its
row (and only one), every receipt resolves at
/r/<receipt>/, and every receipt mail was delivered once by the worker.  The
targets of issue 8 are printed as met or not; nothing asserts on time.

Open loop (--open-loop), for capacity planning: instead of the scenarios
above, requests arrive at fixed rates whatever the latency (bench/load/
openloop.py, gevent), comment POSTs at --post-rate and page reads at
--read-rate per second, for --duration s a step.  Comma-separated rates are
steps, run in order (``--post-rate 5,10,20 --read-rate 10,20,40``); after each
step the same schedule goes to the bare view for --baseline-duration s.  It
prints p50/p95/p99, errors and lost per kind and step, the load average, and
the highest step that held (p95 of every kind within --target-p95 ms, no error,
nothing lost).  What one web process on one core holds:

    .venv/bin/python bench/load/run.py --open-loop --workers 1 --web-cpus 1 \
        --others-cpus 0 --post-rate 5,10,15,20 --read-rate 10,20,30,40 --duration 60
"""

import argparse
import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


# What main() can run, in this order; --scenarios picks among them.
SCENARIOS = ("surge", "bare", "raw", "writers")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="plenary_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--duration", type=int, default=120, help="surge seconds")
    parser.add_argument("--baseline-duration", type=int, default=30)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn process")
    parser.add_argument(
        "--background-nice", type=int, default=10, help="nice level of the worker and the relay"
    )
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=0,
        help="gunicorn's keep-alive seconds (0: a connection per request, as behind a proxy)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="which scenarios to run, comma-separated (the targets need raw and writers)",
    )
    open_loop = parser.add_argument_group("open loop (fixed arrival rates; replaces the scenarios)")
    open_loop.add_argument("--open-loop", action="store_true")
    open_loop.add_argument("--post-rate", default="10", help="comment POSTs/s; steps: 5,10,20")
    open_loop.add_argument("--read-rate", default="20", help="page reads/s; steps: 10,20,40")
    open_loop.add_argument("--arrivals", choices=("uniform", "poisson"), default="uniform")
    open_loop.add_argument("--target-p95", type=float, default=150.0, help="ms")
    open_loop.add_argument(
        "--timeout", type=float, default=10.0, help="s: a request still open then is lost"
    )
    open_loop.add_argument(
        "--late", type=float, default=1.0, help="s: a request not started by then is lost"
    )
    open_loop.add_argument(
        "--warmup", type=int, default=10, help="s at the first step's rates, not counted"
    )
    parser.add_argument("--web-cpus", help="pin gunicorn to these CPUs (taskset -c), e.g. 1")
    parser.add_argument(
        "--others-cpus", help="pin the worker, relay and load generator to these CPUs, e.g. 0"
    )
    args = parser.parse_args()
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:  # before anything is built or started
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    try:
        args.steps = rate_steps(args.post_rate, args.read_rate)
    except ValueError as error:
        parser.error(str(error))
    if args.duration <= 0 or args.baseline_duration <= 0:
        parser.error("--duration and --baseline-duration must be positive")
    return args


def rate_steps(post_rates: str, read_rates: str) -> list[tuple[float, float]]:
    """Pair the comma-separated rates; a single value applies to every step."""
    posts = [float(rate) for rate in post_rates.split(",")]
    reads = [float(rate) for rate in read_rates.split(",")]
    if len(posts) == 1:
        posts *= len(reads)
    if len(reads) == 1:
        reads *= len(posts)
    if len(posts) != len(reads):
        raise ValueError("--post-rate and --read-rate need as many steps each (or one value)")
    if any(rate < 0 or not math.isfinite(rate) for rate in posts + reads) or not any(
        post + read > 0 for post, read in zip(posts, reads, strict=True)
    ):
        raise ValueError("rates must be finite, not negative, and not all zero")
    return list(zip(posts, reads, strict=True))


def pinned(cpus: str | None, command: list[str]) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus else command


def server_env(args) -> dict[str, str]:
    parts = urlsplit(args.database_url)
    database_url = urlunsplit(parts._replace(path=f"/{args.database}"))
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": "dummymail://",
        "DJANGO_DEBUG": "false",
        "PLENARY_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def recreate_database(args) -> None:
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')


def build_fixture(args, env, workdir: Path) -> Path:
    """Migrate, seed the demo, add participants with tokens; return the fixture file."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    # DEBUG is off, as in production: pages need the fingerprinted static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--quiet-mail"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.db import connection

    from consult.consultations.selectors import round_current
    from consult.models import Consultation
    from plenary.demo.load import facts
    from stakeholders.models import ApiToken, Participant, StakeholderGroup, User

    consultation = Consultation.objects.get(slug=facts().slug)
    round_ = round_current(consultation=consultation)
    sections = list(round_.document_version.sections.values_list("key", flat=True))
    groups = list(StakeholderGroup.objects.all())
    users = User.objects.bulk_create(
        [User(email=f"load{n}@bench.example") for n in range(args.participants)]
    )
    Participant.objects.bulk_create(
        [
            Participant(
                user=user,
                display_name=f"Load tester {n}",
                group=groups[n % len(groups)],
                country="KE",
            )
            for n, user in enumerate(users)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    # One hashed token each, as the token endpoint issues them (without its checks).
    tokens = [ApiToken.objects.create(user=u)[1] for u in users]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw_insert (id bigserial PRIMARY KEY, body text NOT NULL, "
            "created_at timestamptz NOT NULL)"
        )
    connection.close()
    fixture = workdir / "fixture.json"
    fixture.write_text(
        json.dumps({"slug": consultation.slug, "sections": sections, "tokens": tokens})
    )
    return fixture


def start(cmd: list[str], env, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # each in its own group, so stop() reaches its children
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def cpu_snapshot(processes: dict[str, subprocess.Popen], database: str) -> dict:
    """CPU seconds used so far by each part of the stack (PostgreSQL: by process).

    PostgreSQL counts the benchmark database's backends and the server's own
    processes (WAL writer, checkpointer...): what other databases cost on a
    shared machine is left out, and so is a backend that exits mid-scenario.
    """
    import psycopg

    snapshot = {name: sum(map(_cpu_of, _descendants(p.pid))) for name, p in processes.items()}
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s OR datname IS NULL",
                [database],
            )
        ]
    snapshot["postgres"] = {pid: _cpu_of(pid) for pid in pids}
    return snapshot


def locust(args, env, workdir, name, classes, users, duration, spawn_rate) -> list[dict]:
    prefix = workdir / name
    receipts = workdir / f"{name}-receipts.json"
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench/load/locustfile.py"),
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "-t",
            f"{duration}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(prefix),
            "--stop-timeout",
            "10",
            *classes,
        ],
        cwd=ROOT,
        env={**env, "LOAD_FIXTURE": str(workdir / "fixture.json"), "LOAD_RECEIPTS": str(receipts)},
        check=False,  # locust exits 1 when any request failed: the table says so
        stdout=subprocess.DEVNULL,
        stderr=(workdir / f"{name}-locust.log").open("w"),
    )
    with open(f"{prefix}_stats.csv") as stats:
        rows = [dict(row, scenario=name) for row in csv.DictReader(stats)]
    return rows


def measured(args, env, workdir, processes, name, *locust_args) -> tuple[list[dict], dict]:
    """Run one scenario; return its locust rows and the CPU ms per request of each part."""
    before = cpu_snapshot(processes, args.database)
    locust_before = os.times()
    rows = locust(args, env, workdir, name, *locust_args)
    locust_after = os.times()
    after = cpu_snapshot(processes, args.database)
    requests = max(1, sum(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated"))
    postgres = sum(
        seconds - before["postgres"].get(pid, 0.0) for pid, seconds in after.pop("postgres").items()
    )
    before.pop("postgres")
    cpu = {part: (after[part] - before[part]) * 1000 / requests for part in after}
    cpu["postgres"] = postgres * 1000 / requests
    cpu["locust"] = (
        (
            (locust_after.children_user + locust_after.children_system)
            - (locust_before.children_user + locust_before.children_system)
        )
        * 1000
        / requests
    )
    return rows, cpu


def print_cpu(cpu_by_scenario: dict[str, dict]) -> None:
    parts = ["gunicorn", "postgres", "worker", "relay", "locust"]
    print("\nCPU ms per request, by part of the stack (during each scenario):")
    print(f"{'scenario':<9} " + " ".join(f"{part:>9}" for part in parts) + f" {'total':>9}")
    for scenario, cpu in cpu_by_scenario.items():
        cells = " ".join(f"{cpu.get(part, 0):>9.2f}" for part in parts)
        print(f"{scenario:<9} {cells} {sum(cpu.get(part, 0) for part in parts):>9.2f}")
    print("(worker and relay work for earlier scenarios' comments may land in a later one)")


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'scenario':<9} {'request':<24} {'count':>7} {'req/s':>7} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'fail':>5}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        print(
            f"{row['scenario']:<9} {row['Name']:<24} {int(row['Request Count']):>7} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{int(row['Failure Count']):>5}"
        )
    print("(latencies in ms)")


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def wait_outbox_drained(timeout: float = 60) -> None:
    """Let the worker finish the last step's mail before the next step starts."""
    from plenary.outbox.models import OutboxMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not OutboxMessage.objects.filter(published_at__isnull=True).exists():
            return
        time.sleep(1)


def open_loop_step(
    args, workdir: Path, name: str, post: float, read: float, bare: bool, duration: float
) -> dict:
    """Run one schedule through bench/load/openloop.py; return its rows, one per kind."""
    out = workdir / f"{name}.json"
    command = [
        sys.executable,
        str(ROOT / "bench/load/openloop.py"),
        "--base",
        f"http://127.0.0.1:{args.port}",
        "--fixture",
        str(workdir / "fixture.json"),
        "--post-rate",
        str(post),
        "--read-rate",
        str(read),
        "--duration",
        str(duration),
        "--arrivals",
        args.arrivals,
        "--timeout",
        str(args.timeout),
        "--late",
        str(args.late),
        "--out",
        str(out),
        *(["--bare"] if bare else ["--receipts", str(workdir / f"{name}-receipts.json")]),
    ]
    load_before = os.getloadavg()[0]
    subprocess.run(pinned(args.others_cpus, command), cwd=ROOT, check=True)
    load_after = os.getloadavg()[0]
    summary = json.loads(out.read_text())
    rows = []
    for kind, counts in summary["kinds"].items():
        latencies = counts["latencies_ms"]
        rows.append(
            {
                "step": name,
                "kind": ("bare (" + kind + " slots)") if bare else kind,
                "rate": post if kind.startswith("POST") else read,
                "scheduled": counts["scheduled"],
                "ok": counts["ok"],
                "p50": percentile(latencies, 0.50),
                "p95": percentile(latencies, 0.95),
                "p99": percentile(latencies, 0.99),
                "errors": counts["errors"],
                # Late, timed out or never finished: scheduled but neither answered nor refused.
                "lost": counts["scheduled"] - counts["ok"] - counts["errors"],
                "load": f"{load_before:.1f}>{load_after:.1f}",
            }
        )
    for sample in summary["error_samples"][:3]:
        print(f"  {name}: {sample}", flush=True)
    return {"rows": rows, "bare": bare, "post": post, "read": read}


def holds(step: dict, target: float) -> bool:
    return all(
        row["errors"] == 0 and row["lost"] == 0 and (row["p95"] or 0) <= target
        for row in step["rows"]
    )


def print_open_loop(steps: list[dict], target: float) -> None:
    head = (
        f"{'step':<8} {'kind':<30} {'rate/s':>6} {'sched':>6} {'ok':>6} "
        f"{'p50':>7} {'p95':>7} {'p99':>7} {'err':>5} {'lost':>5} {'load 1m':>9}"
    )
    print("\n" + head)
    print("-" * len(head))

    def ms(value):
        return "-" if value is None else f"{value:.0f}"

    for step in steps:
        for row in step["rows"]:
            print(
                f"{row['step']:<8} {row['kind']:<30} {row['rate']:>6g} {row['scheduled']:>6} "
                f"{row['ok']:>6} {ms(row['p50']):>7} {ms(row['p95']):>7} {ms(row['p99']):>7} "
                f"{row['errors']:>5} {row['lost']:>5} {row['load']:>9}"
            )
        if not step["bare"]:
            verdict = "holds" if holds(step, target) else "does not hold"
            print(f"{'':<8} -> {verdict} (p95 <= {target:g} ms, no error, nothing lost)")
    print("(latencies in ms from each request's scheduled time; load: 1-minute average)")


def print_capacity(args, steps: list[dict], counts: dict) -> None:
    held = [step for step in steps if not step["bare"] and holds(step, args.target_p95)]
    print(f"\ncapacity (p95 <= {args.target_p95:g} ms, no error, nothing lost):")
    if held:
        best = max(held, key=lambda step: step["post"] + step["read"])
        print(
            f"  highest step that held      {best['post']:g} POST/s + {best['read']:g} reads/s "
            f"({args.workers} gunicorn x {args.threads} threads, CPUs {args.web_cpus or 'any'})"
        )
    else:
        print("  no step held")
    failed = [step for step in steps if not step["bare"] and not holds(step, args.target_p95)]
    if failed:  # a failure below a step that held is the shared machine's noise or a ceiling
        print(
            f"  first step that did not hold {failed[0]['post']:g} POST/s + "
            f"{failed[0]['read']:g} reads/s"
        )
    print(f"  acknowledged but not stored {counts['lost']}  (target 0)")


def run_open_loop(args, workdir: Path) -> list[dict]:
    if args.warmup > 0:  # first connections, caches, the pagecache: not what is measured
        post, read = args.steps[0]
        open_loop_step(args, workdir, "warmup", post, read, bare=False, duration=args.warmup)
    steps = []
    for number, (post, read) in enumerate(args.steps, start=1):
        wait_outbox_drained()
        print(f"step {number}: {post:g} POST/s, {read:g} reads/s, {args.duration} s", flush=True)
        steps.append(
            open_loop_step(
                args, workdir, f"open{number}", post, read, bare=False, duration=args.duration
            )
        )
        steps.append(
            open_loop_step(
                args,
                workdir,
                f"bare{number}",
                post,
                read,
                bare=True,
                duration=args.baseline_duration,
            )
        )
    return steps


def check_nothing_lost(args, workdir: Path, base: str) -> dict:
    from comments.models import Comment
    from plenary.outbox.models import MailDelivery, OutboxMessage

    receipts: list[str] = []
    # The scenarios' (surge, writers) and the open loop's steps' receipts alike.
    for path in sorted(workdir.glob("*-receipts.json")):
        receipts += json.loads(path.read_text())
    unique = set(receipts)
    stored = dict(Comment.objects.filter(receipt__in=unique).values_list("receipt", "pk"))
    missing = unique - set(stored)

    def resolves(receipt: str) -> bool:
        try:
            with urllib.request.urlopen(f"{base}/r/{receipt}/", timeout=10) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    with ThreadPoolExecutor(8) as pool:
        ordered = list(unique)
        answers = pool.map(resolves, ordered)
        unresolved = [r for r, ok in zip(ordered, answers, strict=True) if not ok]

    deadline = time.monotonic() + 60
    while OutboxMessage.objects.filter(published_at__isnull=True).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    keys = {f"receipt-{pk}" for pk in stored.values()}
    while time.monotonic() < deadline:
        mailed = MailDelivery.objects.filter(key__in=keys).count()
        if mailed == len(keys):
            break
        time.sleep(1)
    mailed = MailDelivery.objects.filter(key__in=keys).count()
    return {
        "acknowledged (201)": len(receipts),
        "distinct receipts": len(unique),
        "rows found": len(stored),
        "lost": len(missing),
        "receipts not resolving": len(unresolved),
        "receipt mails recorded": mailed,
        "outbox rows still pending": OutboxMessage.objects.filter(
            published_at__isnull=True
        ).count(),
    }


def main() -> None:
    args = parse_args()
    if not args.open_loop and not shutil.which(str(BIN / "locust")):
        raise SystemExit(
            "locust is missing: .venv/bin/pip install -c requirements/constraints.txt -e .[bench]"
        )
    env = server_env(args)
    workdir = Path(tempfile.mkdtemp(prefix="plenary-load-"))
    print(f"building {args.database} ... (logs in {workdir})", flush=True)
    recreate_database(args)
    build_fixture(args, env, workdir)
    gunicorn = [
        *(["taskset", "-c", args.web_cpus] if args.web_cpus else []),
        str(BIN / "gunicorn"),
        "bench.load.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--backlog",
        "2048",
        # A connection per request, as gunicorn sees it behind a reverse proxy
        # (nginx speaks HTTP/1.0 upstream by default).  With client keep-alive a
        # gthread worker keeps every connection it accepted: in a 32-writer run
        # one of the four workers held 22 connections and its one GIL served
        # them while the machine was half idle (48 against 73 comments/s).
        "--keep-alive",
        str(args.keep_alive),
    ]
    # The worker and the relay run at a lower CPU priority (--background-nice,
    # as docker-compose runs them): requests first, mail and the outbox in the gaps.
    background = pinned(args.others_cpus, ["nice", "-n", str(args.background_nice)])
    processes = {
        "gunicorn": start(gunicorn, env, workdir / "gunicorn.log"),
        "worker": start(
            [
                *background,
                str(BIN / "celery"),
                "-A",
                "plenary",
                "worker",
                "-l",
                "warning",
                "-c",
                "2",
            ],
            env,
            workdir / "worker.log",
        ),
        "relay": start(
            [*background, sys.executable, "manage.py", "relay_outbox", "--loop"],
            env,
            workdir / "relay.log",
        ),
    }
    base = f"http://127.0.0.1:{args.port}"
    rows: list[dict] = []
    cpu: dict[str, dict] = {}
    scenarios = [
        ("surge", ["SurgeReader", "SurgeWriter"], args.users, args.duration, 50),
        ("bare", ["BareViewSurge"], args.users, args.baseline_duration, 50),
        ("raw", ["RawInsert"], args.writers, args.baseline_duration, args.writers),
        ("writers", ["Writer"], args.writers, args.baseline_duration, args.writers),
    ]
    chosen = args.scenarios.split(",")
    scenarios = [scenario for scenario in scenarios if scenario[0] in chosen]
    try:
        wait_ready(f"{base}/healthz")
        print(
            f"gunicorn {args.workers} x {args.threads} threads (gthread), "
            f"keep-alive {args.keep_alive} s; "
            f"worker and relay at nice {args.background_nice}; "
            f"{os.cpu_count()} CPUs; surge {args.users} users for {args.duration} s; "
            f"gunicorn on CPUs {args.web_cpus or 'any'}, the rest on {args.others_cpus or 'any'}; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        if args.open_loop:
            steps = run_open_loop(args, workdir)
            print_open_loop(steps, args.target_p95)
            counts = check_nothing_lost(args, workdir, base)
        for name, *locust_args in [] if args.open_loop else scenarios:
            scenario_rows, cpu[name] = measured(args, env, workdir, processes, name, *locust_args)
            rows += scenario_rows
        if not args.open_loop:
            print_table(rows)
            print_cpu(cpu)
            counts = check_nothing_lost(args, workdir, base)
    finally:
        for process in processes.values():
            stop(process)
    print("\nnothing lost:")
    for key, value in counts.items():
        print(f"  {key:<28} {value}")
    if args.open_loop:
        print_capacity(args, steps, counts)
        return

    def pick(scenario, name):
        return next(r for r in rows if r["scenario"] == scenario and r["Name"] == name)

    failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
    print("\ntargets (issue 8):")
    if {"raw", "writers"} <= set(chosen):
        raw = pick("raw", "Aggregated")
        writers = pick("writers", "Aggregated")  # comments and replies: both are comment POSTs
        ratio = float(writers["Requests/s"]) / max(float(raw["Requests/s"]), 1e-9)
        print(f"  comment POST throughput / raw insert  {ratio:.2f}  (target >= 0.30)")
        p95 = writers["95%"]
        print(f"  comment POST p95 at {args.writers} writers      {p95} ms  (target < 150)")
    print(f"  errors                                {failures}  (target 0)")
    print(f"  lost                                  {counts['lost']}  (target 0)")


if __name__ == "__main__":
    main()
