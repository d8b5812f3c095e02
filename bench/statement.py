"""Benchmark of the integrity statement (feedback.statement.selectors.integrity_statement).

    .venv/bin/python bench/statement.py [--comments 10000 100000] [--repeat 5]

For each size builds, in a throw-away SQLite database, one consultation with that
many top-level comments (10 % private, 5 % anonymous, 2 % hidden, 3 % entered by
staff, 10 % through the API, campaign clusters of 50 covering 30 %, a co-signature
on 5 %, a dispute on 1 %) and times, in the same run:

* statement: ``integrity_statement`` (its three queries);
* baseline: one ``COUNT(*)`` over the same comments, the least any figure costs.

Prints the median of ``--repeat`` runs of each and their ratio; asserts nothing on time.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def build(n: int):
    from django.utils import timezone

    from comments.models import Comment, Dispute, Signature
    from comments.threads.receipts import new_receipt
    from feedback.models import CampaignCluster, CampaignMember
    from tests.consult.factories import open_consultation
    from tests.stakeholders.factories import ParticipantFactory, convenor

    secretariat = convenor(email=f"bench{n}@example.org")
    consultation = open_consultation(secretariat=secretariat, title=f"Bench {n}")
    author = ParticipantFactory().user
    section = consultation.versions.get().sections.first()
    round_ = consultation.rounds.get()
    comments = Comment.objects.bulk_create(
        (
            Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=section,
                author=author,
                body=f"Campaign text {i % 50}." if i % 10 < 3 else f"Own text {i}.",
                body_html="",
                visibility="private" if i % 10 == 9 else "public",
                anonymous=i % 20 == 1,
                moderation="hidden" if i % 50 == 7 else "visible",
                entered_by=secretariat if i % 100 < 3 else None,
                channel="api" if i % 10 == 5 else "web",
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    campaign = [c for i, c in enumerate(comments) if i % 10 < 3]
    for start in range(0, len(campaign), 50):
        members = campaign[start : start + 50]
        cluster = CampaignCluster.objects.create(
            consultation=consultation, representative=members[0], size=len(members)
        )
        CampaignMember.objects.bulk_create(
            CampaignMember(cluster=cluster, comment=c) for c in members
        )
    now = timezone.now()
    Signature.objects.bulk_create(
        Signature(comment=c, email=f"s{i}@example.org", confirmed_at=now)
        for i, c in enumerate(comments)
        if i % 20 == 3
    )
    Dispute.objects.bulk_create(
        Dispute(comment=c, reason="Not me.", status="confirmed")
        for i, c in enumerate(comments)
        if i % 100 == 11
    )
    return consultation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    os.environ.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from comments.models import Comment
        from feedback.statement.selectors import integrity_statement

        call_command("migrate", verbosity=0)
        for n in args.comments:
            consultation = build(n)
            with CaptureQueriesContext(connection) as queries:
                statement = integrity_statement(consultation=consultation)
            plenary = median_ms(
                lambda c=consultation: integrity_statement(consultation=c), args.repeat
            )
            baseline = median_ms(
                lambda c=consultation: Comment.objects.filter(consultation=c).count(),
                args.repeat,
            )
            print(
                f"{n} submissions: statement {plenary:.1f} ms in {len(queries)} queries, "
                f"baseline COUNT(*) {baseline:.1f} ms ({plenary / baseline:.1f}x); "
                f"{statement.clusters} clusters, {statement.campaign_copies} copies, "
                f"{statement.distinct_texts} distinct texts"
            )


if __name__ == "__main__":
    main()
