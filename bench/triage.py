"""Benchmark: triage's first page (default filters) at 1,000 and 100,000 comments (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/triage.py

Creates a throw-away database, ``plenary_bench_triage`` (``--database``; dropped
at the end unless ``--keep``), and builds two consultations with bench/balance.py's
bulk builder: 1,000 and ``--comments`` (100,000) comments, one in ten of the large
one's first thousand answered by a published decision.  Then, in one process and
through Django's test client, it times, interleaved round-robin, a bare view (the
floor) and the secretariat's triage page (``/staff/<slug>/triage/``, default
filters: awaiting) for each size, and prints p50 and p95 in milliseconds and the
queries per request, then the large page's queries, slowest first, and the plan of
the slowest.  It asserts nothing about time.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.balance import build, population  # noqa: E402 (after the path set-up)
from bench.thread import bench_url, create_database, django_setup, drop_database, measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_triage")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per variant")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = bench_url(os.environ.get("DATABASE_URL", ""), args.database)
    create_database(url)
    django_setup(url)
    try:
        run(args)
    finally:
        if not args.keep:
            drop_database(url)


def decide_some(consultation, convenor, every: int = 10, first: int = 1000) -> None:
    """Publish a decision on one in ``every`` of the ``first`` comments (through the services)."""
    from feedback.ledger import services

    comments = list(consultation.comments.order_by("created_at", "pk")[:first:every])
    services.disposition_draft_bulk(
        actor=convenor,
        consultation=consultation,
        comments=comments,
        status="noted",
        rationale="Noted in the bench.",
        snippet=None,
        duplicate_of=None,
    )
    services.disposition_publish_drafts(actor=convenor, consultation=consultation, comments=None)


def run(args) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    convenor, authors, followers = population(args.people, 200)
    small = build(1_000, convenor, authors[:300], followers[:100], "Bench triage small")
    big = build(args.comments, convenor, authors, followers, "Bench triage large")
    for consultation in (small, big):
        decide_some(consultation, convenor)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    anonymous, staff = Client(), Client()
    staff.force_login(convenor)
    cases: dict = {"bare": (anonymous, "/bench/bare/")}
    with override_settings(ROOT_URLCONF="bench.balance", ALLOWED_HOSTS=["testserver"]):
        for label, consultation in (("1k", small), (f"{args.comments // 1000}k", big)):
            cases[f"{label} triage"] = (staff, reverse("staff_triage", args=[consultation.slug]))
        results = measure(cases, args.repeat)
        print(f"\n{'variant':<24}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
        for name, (p50, p95, queries) in results.items():
            print(f"{name:<24}{p50:>10.1f}{p95:>10.1f}{queries:>9}")
        with CaptureQueriesContext(connection) as ctx:
            response = staff.get(reverse("staff_triage", args=[big.slug]))
            assert response.status_code == 200, response.status_code
    print("\nlarge: the page's queries, slowest first (ms)")
    slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    for query in slowest[:8]:
        print(f"{float(query['time']) * 1000:>8.1f}  {query['sql'][:110]}")
    if slowest and slowest[0]["sql"].lstrip().upper().startswith("SELECT"):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + slowest[0]["sql"])
            print("\nthe slowest query's plan:")
            for (line,) in cursor.fetchall()[:25]:
                print("  " + line)


if __name__ == "__main__":
    main()
