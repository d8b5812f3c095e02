"""Benchmark: a paragraph's page with its proposed changes (issue 24), not run in CI.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/supports.py

Creates a throw-away database, ``plenary_bench_supports`` on the server that
DATABASE_URL names (``--database``; dropped at the end unless ``--keep``), migrates
it, and builds three consultations whose second paragraph has 200 comments, of which
0 (the baseline), 20 and 500 more propose a change, each supported by up to 50 of
200 participants (so 0 to 25,000 supports on the page), a published decision on
every fifth.  It times, interleaved round-robin so that a busy machine slows every
variant alike: the paragraph page (``/c/<slug>/s/<key>/``, with its "Proposed
changes" block) for an anonymous reader and a participant, the block's selector
alone (``open_amendments``), the amendments list API (first page), and the
consultation page (its "N proposed changes" marks).  It prints p50 and p95 in
milliseconds and the SQL queries per request, and asserts nothing about time.
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

from bench.thread import (  # noqa: E402 (after the path set-up)
    bench_url,
    create_database,
    django_setup,
    drop_database,
    measure,
    population,
)

SIZES = (0, 20, 500)  # proposed changes on the paragraph
COMMENTS = 200  # plain comments on it too
DRAFT = (
    "# Bench supports\n\n## 1. Purpose\nFirst paragraph.\n\n"
    "Open data supports accountability and lets people build useful services.\n"
)


def build(size: int, convenor, authors) -> tuple:
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Amendment, AmendmentSupport, Comment
    from comments.participation.services import participation_tally_rebuild
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services
    from feedback.models import DispositionEntry

    started = time.perf_counter()
    with transaction.atomic():
        consultation = consult_services.consultation_create(
            actor=convenor, title=f"Bench supports {size}", summary="Benchmark data."
        )
        version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
        round_ = consult_services.round_open(
            actor=convenor,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
            title="Bench round",
        )
        section = consultation.versions.get().sections.order_by("ordinal")[1]
        made = Comment.objects.bulk_create(
            Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=section,
                author=authors[n % len(authors)],
                body=f"Comment {n}.",
                body_html=f"<p>Comment {n}.</p>",
                visibility="private" if n % 12 == 5 else "public",
            )
            for n in range(COMMENTS + size)
        )
        proposing = made[COMMENTS:]
        Amendment.objects.bulk_create(
            Amendment(
                comment=c,
                quote="accountability",
                replacement=f"public accountability {n}",
                start=18,
                end=32,
            )
            for n, c in enumerate(proposing)
        )
        AmendmentSupport.objects.bulk_create(
            AmendmentSupport(amendment_id=c.pk, user=authors[(n + k) % len(authors)])
            for n, c in enumerate(proposing)
            for k in range(1, n % 50 + 1)
        )
        now = timezone.now()
        DispositionEntry.objects.bulk_create(
            DispositionEntry(
                consultation=consultation,
                sequence=k + 1,
                comment=c,
                status="noted",
                decided_by=convenor,
                decided_at=now,
                published_at=now,
                previous_hash="",  # not a valid chain: the bench never verifies it
                entry_hash=uuid4().hex * 2,
            )
            for k, c in enumerate(made[::5])
        )
        participation_tally_rebuild(consultation=consultation)
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("ANALYZE")
    supports = AmendmentSupport.objects.filter(amendment__comment__section=section).count()
    print(
        f"built {size} proposed changes ({supports:,} supports) in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return consultation, section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_supports")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per variant")
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
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from comments.supports import selectors

    call_command("migrate", verbosity=0)
    convenor, authors, _groups = population()
    built = {size: build(size, convenor, authors) for size in SIZES}
    anonymous, participant = Client(), Client()
    participant.force_login(authors[0])
    cases: dict = {"bare": (anonymous, "/bench/bare/")}
    for size, (consultation, section) in built.items():
        page = reverse("section", args=[consultation.slug, section.key])
        cases[f"paragraph {size} anonymous"] = (anonymous, page)
        cases[f"paragraph {size} participant"] = (participant, page)
        cases[f"block {size} (selector)"] = lambda section=section: selectors.open_amendments(
            section=section, viewer=AnonymousUser(), is_staff=False
        )
        cases[f"amendments API {size}"] = (
            anonymous,
            reverse("api-consultation-amendments", args=[consultation.slug]),
        )
        cases[f"consultation page {size}"] = (
            anonymous,
            reverse("consultation", args=[consultation.slug]),
        )
    with override_settings(
        ROOT_URLCONF="bench.thread", ALLOWED_HOSTS=["testserver"], PLENARY_PAGE_CACHE_SECONDS=0
    ):
        results = measure(cases, args.repeat)
    print(f"\n{'variant':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, (p50, p95, queries) in results.items():
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {queries:8}")


if __name__ == "__main__":
    main()
