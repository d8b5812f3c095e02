"""Benchmark: the public search page over 100,000 comments (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/search.py

Creates a throw-away database, ``plenary_bench_search`` on the server that
DATABASE_URL names (``--database`` to change it; dropped at the end unless
``--keep``), migrates it (so the GIN index ``comment_search_idx`` exists),
and bulk-inserts one consultation with 100,000 comments (``--comments``) of
varied text: 20 to 90 words drawn from a policy vocabulary (a few words are
in a third of all comments), with a rare token in every comment that about
ten comments share; every 25th carries the text of an attached position
paper (about 2,500 characters) in ``search_text``; every 12th is private,
every 50th hidden, every 37th pending, every 60th withdrawn.

Then, in one process, through Django's test client (the whole middleware,
URL, view, template stack, DEBUG off), it times requests interleaved
round-robin so that a busy machine slows every variant alike:

* bare: a view returning ``HttpResponse("ok")`` (the floor);
* ``/c/<slug>/search/?q=...`` for a rare word (~10 hits), a common word
  (~a third of the comments match: the ranking's worst case), two common
  words, a "quoted phrase", a word only inside attached papers, and a word
  no comment has; for an anonymous reader and for the secretariat;

and prints p50/p95 in milliseconds, the queries per request and the
PostgreSQL plan of the common-word search.  It asserts nothing about time.
"""

import argparse
import os
import random
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

BATCH = 5000
DRAFT = "# Bench search\n\n## 1. Purpose\nFirst paragraph.\n\nSecond paragraph.\n"
COMMON = ("spectrum", "licence", "community", "broadband", "access", "rural")
VOCABULARY = (
    list(COMMON)
    + """
    the draft should protect privacy data retention operators regulator consultation article
    section clause definition obligation exemption network networks public interest service
    providers competition pricing affordability coverage universal fund digital inclusion
    women youth disability languages local content platforms intermediaries liability
    takedown notice transparency reporting encryption security incident breach authority
    independent appeal tribunal penalties fines small medium enterprises startups investment
    infrastructure sharing towers fibre satellite wireless unlicensed bands allocation auction
    renewal period years months review stakeholders civil society academia technical
    government business users citizens rights freedom expression assembly surveillance
    lawful interception oversight judicial warrant proportionality necessity safeguards
    cross-border transfers localisation storage cloud computing artificial intelligence
    algorithms accountability audit standards interoperability open source procurement
    """.split()
)
PAPER_WORDS = ("quasistellar", "annexure", "methodology", "footnote", "bibliography")


def comment_text(rng: random.Random, n: int) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(20, 90))]
    words.insert(rng.randrange(len(words)), f"token{n // 10:05d}")  # ~10 comments share it
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + "."


def paper_text(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY + list(PAPER_WORDS)) for _ in range(350)]
    return "Position paper. " + " ".join(words)


def build(size: int, convenor, authors):
    from django.db import connection, transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services

    started = time.perf_counter()
    rng = random.Random(10)
    with transaction.atomic():
        consultation = consult_services.consultation_create(
            actor=convenor, title="Bench search", summary="Benchmark data."
        )
        version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
        round_ = consult_services.round_open(
            actor=convenor,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
            title="Bench round",
        )
        section = consultation.versions.get().sections.order_by("ordinal")[1]

        def comment(n: int) -> Comment:
            body = comment_text(rng, n)
            search_text = body + ("\n\n" + paper_text(rng) if n % 25 == 0 else "")
            return Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=section,
                author=authors[n % len(authors)],
                body=body,
                body_html=f"<p>{body}</p>",
                search_text=search_text,
                visibility="private" if n % 12 == 5 else "public",
                moderation="hidden" if n % 50 == 7 else "pending" if n % 37 == 3 else "visible",
                withdrawn_at=timezone.now() if n % 60 == 11 else None,
            )

        for start in range(0, size, BATCH):
            Comment.objects.bulk_create(comment(n) for n in range(start, min(start + BATCH, size)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
    print(f"built {size:,} comments in {time.perf_counter() - started:.1f} s", flush=True)
    return consultation


def explain(consultation, query: str) -> str:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments.search.selectors import comment_search

    with CaptureQueriesContext(connection) as ctx:
        comment_search(consultation=consultation, query=query, viewer=AnonymousUser())
    sql = next(q["sql"] for q in ctx.captured_queries if "ts_rank" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_search")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=60, help="timed requests per variant")
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

    from comments.models import Comment

    call_command("migrate", verbosity=0)
    convenor, authors, _groups = population()
    consultation = build(args.comments, convenor, authors)
    anonymous, staff = Client(), Client()
    staff.force_login(convenor)
    page = reverse("consultation_search", args=[consultation.slug])
    queries = {
        "rare word": "token00042",
        "common word": COMMON[0],
        "two common words": f"{COMMON[1]} {COMMON[2]}",
        "phrase": f'"{COMMON[3]} {COMMON[4]}"',
        "in papers only": PAPER_WORDS[0],
        "no match": "zzyzx",
    }
    for name, query in queries.items():
        hits = Comment.objects.filter(
            consultation=consultation, search_text__icontains=query.strip('"').split()[0]
        ).count()
        print(f"  {name:18} q={query!r:26} ~{hits:,} comments contain its first word")
    cases: dict = {"bare": (anonymous, "/bench/bare/")}
    for name, query in queries.items():
        cases[f"anonymous {name}"] = (anonymous, f"{page}?q={query}")
        cases[f"secretariat {name}"] = (staff, f"{page}?q={query}")
    with override_settings(ROOT_URLCONF="bench.thread", ALLOWED_HOSTS=["testserver"]):
        results = measure(cases, args.repeat)
    print(f"\n{args.comments:,} comments, {args.repeat} timed requests per variant")
    print(f"{'variant':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, (p50, p95, n) in results.items():
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {n:8d}")
    for name in ("common word", "in papers only"):
        print(f"\nplan of the ranking query, {name} (anonymous):")
        print(explain(consultation, queries[name]))


if __name__ == "__main__":
    main()
