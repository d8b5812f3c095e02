"""Benchmark: how long "Prepare the report" holds the request in the embedded mode (not CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/report_request.py

Creates a throw-away database (``plenary_bench_report_request`` on the server
DATABASE_URL names; ``--keep`` keeps it), a consultation with ``--comments``
(300) comments made through the services, and, with no REDIS_URL (tasks
inline, as ``make run``), times through Django's test client, in one process:

* bare:       a view that answers "ok" (the floor of the middleware stack);
* in-request: POST "Prepare the report" with ``PLENARY_TASKS_INLINE_BACKGROUND``
  off, the behaviour before issue 23 (the build runs after the commit, inside the
  request);
* background: the same POST with it on (the build goes to the web process's one
  background thread); the time until the run is done is printed beside it, to
  show the work is the same, only no longer in the request.

Before each POST the consultation's runs are deleted, so each POST starts a
new build; the next POST waits until the background thread is idle.  Prints
milliseconds per request and asserts nothing about time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import bench_url, create_database, django_setup, drop_database  # noqa: E402


def build(comments: int):
    """A consultation with an open round and ``comments`` comments, made through the services."""
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from bench.thread import population
    from comments.threads import services as comment_services
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services

    secretariat, authors, _groups = population()
    authors = authors[:20]
    EmailAddress.objects.bulk_create(  # confirmed addresses: they may comment
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in authors
    )
    consultation = consult_services.consultation_create(
        actor=secretariat, title="Bench report", summary="Bench.", goals="-", ground_rules="-"
    )
    version_services.draft_import(
        actor=secretariat,
        consultation=consultation,
        source="## 1. Purpose\nFirst.\n\nSecond.\n\n## 2. Scope\nThird.\n",
    )
    consult_services.round_open(
        actor=secretariat,
        consultation=consultation,
        closes_at=timezone.now() + timedelta(days=30),
        title="Bench",
    )
    keys = list(consultation.versions.get().sections.values_list("key", flat=True))
    for n in range(comments):
        comment_services.comment_create(
            actor=authors[n % len(authors)],
            consultation=consultation,
            section_key=keys[n % len(keys)],
            body=f"Bench comment {n}: the licence should name its terms plainly.",
        )
    return secretariat, consultation


def run(args) -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from feedback.models import OutcomeReport
    from plenary.outbox import background

    call_command("migrate", verbosity=0)
    secretariat, consultation = build(args.comments)
    client = Client()
    client.force_login(secretariat)
    url = reverse("staff_report", args=[consultation.slug])
    results: dict[str, list[float]] = {"bare": [], "in-request": [], "background": []}
    built: list[float] = []
    with override_settings(ROOT_URLCONF="bench.thread", ALLOWED_HOSTS=["testserver"]):
        for _ in range(args.repeat * 5):
            started = time.perf_counter()
            assert client.get("/bench/bare/").status_code == 200
            results["bare"].append(time.perf_counter() - started)
        for _ in range(args.repeat):
            for variant in ("in-request", "background"):
                OutcomeReport.objects.filter(consultation=consultation).delete()
                with override_settings(PLENARY_TASKS_INLINE_BACKGROUND=variant == "background"):
                    started = time.perf_counter()
                    response = client.post(url, {"format": "pdf"})
                    answered = time.perf_counter()
                    assert response.status_code == 302, response.status_code
                    results[variant].append(answered - started)
                    state = OutcomeReport.objects.get(consultation=consultation).state
                    background.wait_idle()
                    if variant == "background":
                        built.append(time.perf_counter() - started)
                    print(f"{variant}: answered {1000 * (answered - started):.0f} ms, run {state}")
    print(f"\n{args.comments} comments, PDF, tasks inline (no REDIS_URL), {args.repeat} runs")
    print(f"{'variant':<12} {'median ms':>10} {'max ms':>10}")
    for name, times in results.items():
        print(f"{name:<12} {1000 * statistics.median(times):>10.1f} {1000 * max(times):>10.1f}")
    print(f"background build until done: median {1000 * statistics.median(built):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_report_request")
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = bench_url(os.environ.get("DATABASE_URL", ""), args.database)
    create_database(url)
    django_setup(url)
    try:
        run(args)
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
