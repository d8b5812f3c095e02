"""Benchmark: the secretariat's desk at 1,000 and 100,000 comments (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/desk.py

Creates a throw-away database, ``plenary_bench_desk`` (``--database``; dropped at the
end unless ``--keep``), migrates it, and builds two consultations by bulk insert (as
bench/balance.py does, whose population it reuses): 1,000 and ``--comments``
(100,000) comments spread over 60 days, a reply by the secretariat to every tenth,
a published decision on every third, drafts, open appeals and flags; then counts the
desk's counters once (``desk_counts --rebuild``: bulk rows bypass the writers).

It times, interleaved round-robin in one process through Django's test client, a
bare view (the floor), the desk page of each consultation, the staff home (both
consultations' figures) and the desk selector alone, and prints p50/p95 in
milliseconds and queries per request.  It asserts nothing about time.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import bench_url, create_database, django_setup, drop_database, measure  # noqa: E402 (after the path set-up)

BATCH = 5000
DRAFT = "# Bench desk\n\n## 1. Purpose\nFirst.\n\nSecond.\n\n## 2. Scope\nThird.\n"


def build(size: int, convenor, authors, title: str):
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment, Flag
    from comments.threads.receipts import new_receipt
    from comments.threads.services import undecided_tally_rebuild
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services
    from feedback.ledger.services import draft_tally_rebuild
    from feedback.models import Appeal, DispositionDraft, DispositionEntry

    started = time.perf_counter()
    with transaction.atomic():
        consultation = consult_services.consultation_create(
            actor=convenor, title=title, summary="Benchmark data."
        )
        version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
        round_ = consult_services.round_open(
            actor=convenor,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
            title="Bench round",
        )
        sections = list(consultation.versions.get().sections.order_by("ordinal"))
        now = timezone.now()
        made = []
        for start in range(0, size, BATCH):
            made += Comment.objects.bulk_create(
                Comment(
                    receipt=new_receipt(),
                    consultation=consultation,
                    round=round_,
                    section=sections[n % len(sections)],
                    # Every tenth: the secretariat's reply, a response and not input.
                    author=convenor if n % 10 == 9 else authors[n % len(authors)],
                    body="A benchmark comment.",
                    body_html="<p>A benchmark comment.</p>",
                )
                for n in range(start, min(start + BATCH, size))
            )
        # created_at is auto_now_add: spread the comments over 60 days afterwards.
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(
                "UPDATE comments_comment SET created_at = created_at"
                " - (id %% 60) * interval '1 day' WHERE consultation_id = %s",
                [consultation.pk],
            )
        entries = DispositionEntry.objects.bulk_create(
            (
                DispositionEntry(
                    consultation=consultation,
                    sequence=k + 1,
                    comment=comment,
                    status="noted",
                    decided_by=convenor,
                    decided_at=now,
                    published_at=now,
                    previous_hash="",  # not a valid chain: the desk never reads it
                    entry_hash=uuid4().hex * 2,
                )
                for k, comment in enumerate(made[::3])
            ),
            batch_size=BATCH,
        )
        DispositionDraft.objects.bulk_create(
            (DispositionDraft(comment=c, status="noted", drafted_by=convenor) for c in made[1::50]),
            batch_size=BATCH,
        )
        Appeal.objects.bulk_create(
            Appeal(
                comment=entry.comment,
                entry=entry,
                appellant=entry.comment.author,
                reason="Please.",
                created_at=now,
                answer_due_at=now + timedelta(days=(k % 3) - 1),
            )
            for k, entry in enumerate(entries[:: max(len(entries) // 40, 1)])
        )
        Flag.objects.bulk_create(
            Flag(comment=c, flagged_by=authors[0], reason="spam") for c in made[2::500]
        )
        undecided_tally_rebuild(consultation=consultation)
        draft_tally_rebuild(consultation=consultation)
    with transaction.get_connection().cursor() as cursor:
        for table in (
            "comments_comment",
            "feedback_dispositionentry",
            "comments_undecided_tally",
            "comments_undecided_author_tally",
        ):
            cursor.execute(f"ANALYZE {table}")
    print(f"built {size:,} comments in {time.perf_counter() - started:.1f} s", flush=True)
    return consultation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_desk")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per variant")
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
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from bench.balance import population
    from consult.consultations import services as consult_services
    from feedback.desk import selectors as desk

    call_command("migrate", verbosity=0)
    convenor, authors, _followers = population(args.people, 0)
    small = build(1_000, convenor, authors[:300], "Bench desk small")
    big = build(args.comments, convenor, authors, "Bench desk large")
    colleague = authors[-1]  # a moderator: their comments become responses too
    consult_services.consultation_role_grant(
        actor=convenor, consultation=big, user=colleague, role="moderator"
    )

    staff = Client()
    staff.force_login(convenor)
    cases: dict = {"bare": (staff, "/bench/bare/")}
    with override_settings(ROOT_URLCONF="bench.balance", ALLOWED_HOSTS=["testserver"]):
        for label, consultation in (("1k", small), (f"{args.comments // 1000}k", big)):
            cases[f"{label} desk page"] = (staff, reverse("staff_desk", args=[consultation.slug]))
            cases[f"{label} selector"] = lambda c=consultation: desk.desk(consultation=c)
        cases["staff home (both)"] = (staff, reverse("staff_home"))
        results = measure(cases, args.repeat)
    print(f"\n{'variant':<24}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, (p50, p95, queries) in results.items():
        print(f"{name:<24}{p50:>10.1f}{p95:>10.1f}{queries:>9}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for label, consultation in (("1k", small), ("large", big)):
        with CaptureQueriesContext(connection) as ctx:
            desk.desk(consultation=consultation)
        print(f"\n{label}: the selector's queries, slowest first (ms)")
        for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"])):
            print(f"{float(query['time']) * 1000:>8.1f}  {query['sql'][:90]}")
    figures = desk.desk(consultation=big)
    print(f"\nlarge: {figures.awaiting}, drafted {figures.drafted}, appeals {figures.appeals_open}")


if __name__ == "__main__":
    main()
