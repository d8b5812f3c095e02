"""Benchmark: the decide page's consistent answers at 10,000 published decisions (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary \
        .venv/bin/python bench/consistent_answers.py

Creates a throw-away database, ``plenary_bench_consistent`` (dropped at the
end unless ``--keep``), builds a consultation with ``--decisions`` (10,000)
comments on two sections, each with one published decision (20 rationales),
a theme on every tenth comment and a campaign cluster of 50, then times, in
one process, interleaved round-robin: a bare view (the floor), the decide
page, and the offers selector alone (``consistent_answers``).  Prints p50 and
p95 in milliseconds and the queries per request; asserts nothing about time.
bench/thread.py has the house style and the helpers.
"""

import argparse
import os
import random
import sys
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import (  # noqa: E402 (after the path set-up)
    DRAFT,
    bench_url,
    create_database,
    django_setup,
    drop_database,
    measure,
    population,
)

WORDS = (
    "encryption privacy data licence open access cost budget transparency audit schools "
    "health transport housing energy water farming trade jobs youth women disability"
).split()


def build(decisions: int, convenor, authors):
    from datetime import timedelta

    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services
    from feedback.models import (
        CampaignCluster,
        CampaignMember,
        DispositionEntry,
        Theme,
        ThemeTag,
    )

    rng = random.Random(1)
    consultation = consult_services.consultation_create(
        actor=convenor, title="Bench consistent answers", summary="Benchmark data."
    )
    version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
    round_ = consult_services.round_open(
        actor=convenor,
        consultation=consultation,
        closes_at=timezone.now() + timedelta(days=30),
        title="Bench round",
    )
    sections = list(consultation.versions.get().sections.order_by("ordinal"))
    bodies = [" ".join(rng.choices(WORDS, k=25)) for _ in range(decisions + 1)]
    comments = Comment.objects.bulk_create(
        (
            Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=sections[n % len(sections)],
                author=authors[n % len(authors)],
                body=body,
                body_html=f"<p>{body}</p>",
            )
            for n, body in enumerate(bodies)
        ),
        batch_size=5000,
    )
    now = timezone.now()
    DispositionEntry.objects.bulk_create(
        (
            DispositionEntry(
                consultation=consultation,
                sequence=n + 1,
                comment=comment,
                status=["accepted", "noted", "not_accepted", "partly_accepted"][n % 4],
                rationale=f"Rationale {n % 20}: " + " ".join(rng.choices(WORDS, k=30)),
                decided_by=convenor,
                decided_at=now,
                published_at=now,
                previous_hash="",
                entry_hash=uuid4().hex * 2,
            )
            for n, comment in enumerate(comments[1:])
        ),
        batch_size=5000,
    )
    theme = Theme.objects.create(consultation=consultation, name="Bench theme")
    ThemeTag.objects.bulk_create(ThemeTag(theme=theme, comment=c) for c in comments[::10])
    cluster = CampaignCluster.objects.create(
        consultation=consultation, representative=comments[0], size=50
    )
    CampaignMember.objects.bulk_create(
        CampaignMember(cluster=cluster, comment=c) for c in comments[:50]
    )
    return comments[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_consistent")
    parser.add_argument("--decisions", type=int, default=10_000)
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


def run(args) -> None:
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from feedback.ledger import selectors

    call_command("migrate", verbosity=0)
    convenor, authors, _groups = population()
    comment = build(args.decisions, convenor, authors)
    staff = Client()
    staff.force_login(convenor)
    cases = {
        "bare": (staff, "/bench/bare/"),
        "decide page": (staff, reverse("staff_decide", args=[comment.receipt])),
        "offers selector": lambda: selectors.consistent_answers(comment=comment),
    }
    with override_settings(ROOT_URLCONF="bench.thread", ALLOWED_HOSTS=["testserver"]):
        results = measure(cases, args.repeat)
    print(f"\n{args.decisions:,} published decisions")
    print(f"{'variant':<20}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, (p50, p95, queries) in results.items():
        print(f"{name:<20}{p50:>10.1f}{p95:>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()
