"""Benchmark: the consultation page of a 50-section draft at 1,000 and 100,000 comments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary \
        .venv/bin/python bench/consultation_page.py

Creates a throw-away database, ``plenary_bench_page`` on the server that
DATABASE_URL names (``--database`` to change it; dropped at the end unless
``--keep``), migrates it, and builds two consultations with a 50-section
draft, two past rounds, the open one and a next one, and 1,000 and 100,000
comments spread over the sections and rounds (every 12th private, every 50th
hidden), two extensions and a short-window justification.

Then, in one process and through Django's test client (the whole middleware,
URL, view, template stack, DEBUG off; local-memory cache), it times requests
interleaved round-robin so that a busy machine slows every variant alike:

* bare: a view returning ``HttpResponse("ok")`` through the same middleware;
* ``/c/<slug>/`` for an anonymous reader at each size: the page as readers
  get it (the counts from the cache);
* the same right after one more comment is written (the write is inside the
  timing): the cached counts plus a read of the comments made since;
* the same with the cache emptied before each request ("cold"): the two
  counting aggregates, paid once per ``PLENARY_PAGE_COUNTS_SECONDS`` or after
  a restart.

It prints p50 and p95 in milliseconds, p95 over bare, the ratio of the two
sizes, and the number of SQL queries per request.  It asserts nothing about time.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import (  # noqa: E402 (after the path set-up)
    bench_url,
    create_database,
    django_setup,
    drop_database,
    measure,
    population,
)

SIZES = (1_000, 100_000)
SECTIONS = 50
BATCH = 5000
DRAFT = "# Bench draft\n\n" + "\n\n".join(
    (f"## Part {n // 10 + 1}\n" if n % 10 == 0 else "") + f"Paragraph {n} of the draft."
    for n in range(SECTIONS)
)


def bare(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlpatterns():
    from django.urls import include, path

    return [path("bench/bare/", bare), path("", include("plenary.urls"))]


def __getattr__(name):  # module-level lazy attribute: Django is not set up at import time
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def build(size: int, convenor, authors):
    """A consultation with rounds 1-2 past, 3 open, 4 next, and ``size`` comments."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services
    from consult.models import Round
    from consult.rounds import services as rounds
    from consult.versions import services as version_services

    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        consultation = services.consultation_create(
            actor=convenor, title=f"Bench page {size}", summary="Benchmark data."
        )
        version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
        # Past rounds are written directly: round_open refuses dates in the past.
        past = [
            Round.objects.create(
                consultation=consultation,
                number=n,
                title=f"Past round {n}",
                document_version=consultation.versions.get(),
                opens_at=now - timedelta(days=100 - 40 * (n - 1)),
                closes_at=now - timedelta(days=70 - 40 * (n - 1)),
            )
            for n in (1, 2)
        ]
        current = services.round_open(
            actor=convenor,
            consultation=consultation,
            closes_at=now + timedelta(days=10),
            title="Bench round",
            short_window_reason="The bench needs a short round.",
        )
        rounds.round_extend(
            actor=convenor,
            round_=current,
            new_closes_at=now + timedelta(days=12),
            reason="More time for the bench.",
        )
        services.round_open(
            actor=convenor,
            consultation=consultation,
            opens_at=now + timedelta(days=20),
            closes_at=now + timedelta(days=50),
            title="Next round",
        )
        all_rounds = [*past, current]
        sections = list(consultation.versions.get().sections.order_by("ordinal"))

        def comment(n: int) -> Comment:
            body = f"Comment {n}: " + "the draft should say more about this point. " * 3
            return Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=all_rounds[n % 3],
                section=sections[n % SECTIONS],
                author=authors[n % len(authors)],
                body=body,
                body_html=f"<p>{body}</p>",
                visibility="private" if n % 12 == 5 else "public",
                moderation="hidden" if n % 50 == 7 else "visible",
            )

        for start in range(0, size, BATCH):
            Comment.objects.bulk_create(comment(n) for n in range(start, min(start + BATCH, size)))
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
    print(f"built {size:,} comments in {time.perf_counter() - started:.1f} s", flush=True)
    return consultation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_page")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per variant")
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


def run(args) -> None:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    convenor, authors, _groups = population()
    built = {size: build(size, convenor, authors) for size in SIZES}

    anonymous = Client()
    cases: dict = {"bare": (anonymous, "/bench/bare/")}

    def cold(page: str) -> None:
        cache.clear()
        assert anonymous.get(page).status_code == 200

    def after_new_comment(page: str, consultation) -> None:
        from comments.models import Comment
        from comments.threads.receipts import new_receipt

        # One more comment (a copy of the newest), then the page: the cached
        # counts plus a read of what is new (feedback.participation.selectors.page_counts).
        comment = Comment.objects.filter(consultation=consultation).latest("pk")
        comment.pk, comment.receipt = None, new_receipt()
        comment.save()
        assert anonymous.get(page).status_code == 200

    with override_settings(ROOT_URLCONF="bench.consultation_page", ALLOWED_HOSTS=["testserver"]):
        for size, consultation in built.items():
            page = reverse("consultation", args=[consultation.slug])
            cases[f"{size} page"] = (anonymous, page)
        for size, consultation in built.items():
            page = reverse("consultation", args=[consultation.slug])
            cases[f"{size} page, cold cache"] = lambda page=page: cold(page)
        for size, consultation in built.items():
            page = reverse("consultation", args=[consultation.slug])
            cases[f"{size} page, new comment"] = lambda page=page, c=consultation: (
                after_new_comment(page, c)
            )
        results = measure(cases, args.repeat)

    print()
    print(f"{args.repeat} requests per variant, interleaved; Django test client, DEBUG off")
    print(f"{'variant':<26} {'p50 ms':>8} {'p95 ms':>8} {'p95/bare':>9} {'queries':>8}")
    bare_p95 = results["bare"][1]
    for name, (p50, p95, queries) in results.items():
        print(f"{name:<26} {p50:>8.1f} {p95:>8.1f} {p95 / bare_p95:>9.1f} {queries:>8}")
    small, large = SIZES
    for suffix in ("page", "page, new comment", "page, cold cache"):
        ratio = results[f"{large} {suffix}"][1] / results[f"{small} {suffix}"][1]
        print(f"p95 {large:,} / p95 {small:,} ({suffix}): {ratio:.2f} (target: at most 1.3)")


if __name__ == "__main__":
    main()
