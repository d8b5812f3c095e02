"""Benchmark: ledger.csv and ledger.json with points (issue 23), beside the same
ledger without points, in the same run (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/ledger_points.py

Uses bench/ledger_csv.py's dedicated database (``plenary_bench``) and its
consultations of ``--sizes`` comments (built once, decisions on about 30 %).
For each size it builds, once, a twin consultation with the same comments and
decisions where, in addition, every 20th comment is split into 5 points and
60 % of those points have a published decision (hash-chained after the
comments' entries).  Each export is timed in a fresh subprocess through
Django's test client, consuming the stream, interleaved with its twin; the
child also counts the export's SQL queries.  It prints figures and asserts
nothing about time.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import ledger_csv  # noqa: E402  (after the path is set)

SPLIT_EVERY = 20
POINTS_PER_COMMENT = 5


def ensure_twin_with_points(size: int) -> tuple[str, int, int]:
    """The twin of ``Bench ledger <size>`` with points: (slug, points, entries)."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.models import Consultation
    from feedback.ledger import chain
    from feedback.models import CommentPoint, DispositionEntry, Status

    title = f"Bench ledger points {size}"
    twin = Consultation.objects.filter(title=title).first()
    if twin is None:
        slug, _entries, _built = ledger_csv.ensure_consultation(size)
        source = Consultation.objects.get(slug=slug)
        print(f"building the twin of {slug} with points (once) ...", flush=True)
        with transaction.atomic():
            twin = Consultation.objects.get(pk=source.pk)
            twin.pk = None
            twin.title, twin.slug = title, f"{slug}-points"
            twin.save()
            for round_ in source.rounds.all():
                round_.pk, round_.consultation = None, twin
                round_.save()
            round_ = twin.rounds.get()
            receipts = set(Comment.objects.values_list("receipt", flat=True))
            convenor_id = source.ledger.values_list("decided_by", flat=True).first()
            entries_by_comment = dict(
                source.ledger.order_by("sequence").values_list("comment_id", "status")
            )
            sequence, previous = 0, chain.GENESIS
            comments = source.comments.order_by("created_at", "pk")
            for start in range(0, size, ledger_csv.BATCH):
                batch = list(comments[start : start + ledger_csv.BATCH])
                old_ids = [c.pk for c in batch]
                for comment in batch:
                    comment.pk = None
                    comment.consultation, comment.round = twin, round_
                    receipt = new_receipt()
                    while receipt in receipts:
                        receipt = new_receipt()
                    receipts.add(receipt)
                    comment.receipt = receipt
                Comment.objects.bulk_create(batch)
                now = timezone.now()
                entries, points = [], []
                for n, (old_id, comment) in enumerate(zip(old_ids, batch, strict=True), start):
                    if old_id in entries_by_comment:
                        sequence += 1
                        entry = DispositionEntry(
                            consultation=twin,
                            sequence=sequence,
                            comment=comment,
                            status=Status.NOTED,
                            decided_by_id=convenor_id,
                            decided_at=now,
                            published_at=now,
                            previous_hash=previous,
                        )
                        entry.entry_hash = chain.digest(
                            chain.document_for(entry, previous_hash=previous)
                        )
                        previous = entry.entry_hash
                        entries.append(entry)
                    if n % SPLIT_EVERY == 0:
                        width = max(1, len(comment.body) // POINTS_PER_COMMENT)
                        points.extend(
                            CommentPoint(
                                comment=comment,
                                number=k + 1,
                                start=k * width,
                                end=(k + 1) * width,
                                quote=comment.body[k * width : (k + 1) * width],
                                created_by_id=convenor_id,
                            )
                            for k in range(POINTS_PER_COMMENT)
                        )
                CommentPoint.objects.bulk_create(points)
                for point in points:
                    if point.number % 5 in (1, 2, 3):  # 60 % decided
                        sequence += 1
                        entry = DispositionEntry(
                            consultation=twin,
                            sequence=sequence,
                            point=point,
                            status=Status.PARTLY_ACCEPTED,
                            rationale=f"Point {point.number}: in part.",
                            decided_by_id=convenor_id,
                            decided_at=now,
                            published_at=now,
                            previous_hash=previous,
                        )
                        entry.entry_hash = chain.digest(
                            chain.document_for(entry, previous_hash=previous)
                        )
                        previous = entry.entry_hash
                        entries.append(entry)
                DispositionEntry.objects.bulk_create(entries)
    points = CommentPoint.objects.filter(comment__consultation=twin).count()
    return twin.slug, points, DispositionEntry.objects.filter(consultation=twin).count()


def run_child(fmt: str, slug: str) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get("/api/v1/consultations/no-such-slug/ledger.csv")  # warm, as a server is
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/consultations/{slug}/ledger.{fmt}")
        size = sum(len(chunk) for chunk in response.streaming_content)
        response.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "bytes": size, "queries": len(queries)}))


def measure(url: str, fmt: str, slug: str) -> dict:
    ran = subprocess.run(
        [sys.executable, __file__, "--child", fmt, slug],
        env=ledger_csv.child_env(url),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(ran.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "SLUG"), help=argparse.SUPPRESS)
    parser.add_argument("--database", default="plenary_bench")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return
    url = ledger_csv.bench_url(os.environ.get("DATABASE_URL", ""), args.database)
    ledger_csv.ensure_database(url, rebuild=False)
    ledger_csv.django_setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"{'comments':>9} {'points':>7} {'entries':>8} {'export':>11} "
        f"{'time s':>7} {'ratio':>6} {'queries':>8} {'MiB':>6}"
    )
    for size in args.sizes:
        plain, plain_entries, _built = ledger_csv.ensure_consultation(size)
        twin, points, entries = ensure_twin_with_points(size)
        for fmt in ("csv", "json"):
            runs: dict[str, list[dict]] = {plain: [], twin: []}
            for _ in range(args.repeat):  # interleaved: a busy machine slows both alike
                for slug, slug_runs in runs.items():
                    slug_runs.append(measure(url, fmt, slug))
            base = statistics.median(r["seconds"] for r in runs[plain])
            for slug, label, n_points, n_entries in (
                (plain, "no points", 0, plain_entries),
                (twin, "points", points, entries),
            ):
                seconds = statistics.median(r["seconds"] for r in runs[slug])
                print(
                    f"{size:>9,} {n_points:>7,} {n_entries:>8,} {fmt + ' ' + label:>11} "
                    f"{seconds:>7.2f} {seconds / base:>6.2f} {runs[slug][0]['queries']:>8} "
                    f"{runs[slug][0]['bytes'] / 2**20:>6.1f}"
                )


if __name__ == "__main__":
    main()
