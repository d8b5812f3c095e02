"""Benchmark: assigning everything in a section (feedback.assignments) against raw SQL
(not run in CI; prints figures, asserts nothing about time).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary python bench/assignments.py

Uses (and creates) a dedicated database, ``plenary_bench_assign`` on the server that
DATABASE_URL names.  Builds once a consultation whose one section holds ``--size``
comments (10,000 by default), a secretariat and two drafters.  Then, alternating the
drafter so that every comment changes hands each time, it times (median of
``--repeat``):

* plenary:  ``assignments_assign(scope=Scope.of(section_key=...))``, the service
  (permission and role checks, the set-based upsert, the history, the audit event);
* baseline: the same two writes as raw SQL: one ``INSERT ... SELECT ... ON CONFLICT
  DO UPDATE`` into the assignments and one ``INSERT ... SELECT`` into the history.

It also prints the queries each makes.  Both run twice, interleaved (the second
figures are the ones to read: caches warm).
"""

import argparse
import itertools
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import bench_url  # noqa: E402 (after the path set-up)

DRAFT = "# Bench draft\n\n## 1. Scope\nThe one paragraph everybody comments on.\n"
TITLE = "Bench assignments {size}"

BASELINE_SQL = [
    """
    INSERT INTO feedback_assignment (comment_id, consultation_id, assignee_id, assigned_by_id,
                                     assigned_at)
    SELECT c.id, c.consultation_id, %(assignee)s, %(actor)s, now()
    FROM comments_comment c JOIN consult_section s ON s.id = c.section_id
    LEFT JOIN feedback_assignment a ON a.comment_id = c.id
    WHERE c.consultation_id = %(consultation)s AND s.key = %(key)s
      AND a.assignee_id IS DISTINCT FROM %(assignee)s
    ON CONFLICT (comment_id) DO UPDATE SET assignee_id = EXCLUDED.assignee_id,
        assigned_by_id = EXCLUDED.assigned_by_id, assigned_at = EXCLUDED.assigned_at
    """,
    """
    INSERT INTO feedback_assignmentchange (consultation_id, comment_id, assignee_id,
                                           previous_id, changed_by_id, changed_at)
    SELECT c.consultation_id, c.id, %(assignee)s, %(previous)s, %(actor)s, now()
    FROM comments_comment c JOIN consult_section s ON s.id = c.section_id
    WHERE c.consultation_id = %(consultation)s AND s.key = %(key)s
    """,
]


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(url: str) -> None:
    os.environ.update(DATABASE_URL=url, DJANGO_DEBUG="false", EMAIL_URL="dummymail://")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "plenary.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(size: int):
    from django.contrib.auth.models import Permission
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.models import Consultation, Role
    from consult.versions import services as version_services
    from stakeholders.models import Participant, StakeholderGroup, User

    def person(email):
        user, _ = User.objects.get_or_create(email=email)
        Participant.objects.get_or_create(
            user=user,
            defaults={"display_name": email[:20], "group": StakeholderGroup.objects.first()},
        )
        return user

    secretariat = person("bench-assign-secretariat@example.org")
    secretariat.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    secretariat = User.objects.get(pk=secretariat.pk)
    drafters = [person(f"bench-drafter-{n}@example.org") for n in (1, 2)]
    existing = Consultation.objects.filter(title=TITLE.format(size=size)).first()
    if existing:
        return existing, secretariat, drafters
    print(f"building {size:,} comments (once) ...", flush=True)
    with transaction.atomic():
        consultation = consult_services.consultation_create(
            actor=secretariat, title=TITLE.format(size=size), summary="Benchmark data."
        )
        version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
        round_ = consult_services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
        )
        section = consultation.versions.get().sections.order_by("ordinal").last()
        receipts: set[str] = set()
        comments = []
        for n in range(size):
            receipt = new_receipt()
            while receipt in receipts:
                receipt = new_receipt()
            receipts.add(receipt)
            comments.append(
                Comment(
                    receipt=receipt,
                    consultation=consultation,
                    round=round_,
                    section=section,
                    author=drafters[0],
                    body=f"Comment {n}.",
                    body_html=f"<p>Comment {n}.</p>",
                )
            )
        Comment.objects.bulk_create(comments, batch_size=5000)
        for drafter in drafters:
            consult_services.consultation_role_grant(
                actor=secretariat, consultation=consultation, user=drafter, role=Role.DRAFTER
            )
    return consultation, secretariat, drafters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = bench_url(os.environ.get("DATABASE_URL", ""), "plenary_bench_assign")
    ensure_database(url)
    setup(url)

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from feedback.assignments.services import Scope, assignments_assign
    from feedback.models import Assignment

    consultation, secretariat, drafters = build(args.size)
    key = consultation.versions.get().sections.order_by("ordinal").last().key

    def plenary(n):
        with transaction.atomic():
            return assignments_assign(
                actor=secretariat,
                consultation=consultation,
                assignee=drafters[n % 2],
                scope=Scope.of(section_key=key),
            )

    def baseline(n):
        with transaction.atomic(), connection.cursor() as cursor:
            params = {
                "assignee": drafters[n % 2].pk,
                "previous": drafters[(n + 1) % 2].pk,
                "actor": secretariat.pk,
                "consultation": consultation.pk,
                "key": key,
            }
            for statement in BASELINE_SQL:
                cursor.execute(statement, params)
            return args.size

    figures = {}
    turn = itertools.count(1)  # whoever holds the section now, the next run gives it away
    for name, run in (("baseline", baseline), ("plenary", plenary)) * 2:
        times, queries, changed = [], 0, 0
        for n in (next(turn) for _ in range(args.repeat)):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                changed = run(n)
                times.append(time.perf_counter() - started)
            queries = len(captured.captured_queries)
        figures[name] = statistics.median(times)
        print(
            f"{name:9} {args.size:>7,} comments: median {figures[name] * 1000:8.1f} ms "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}), "
            f"{queries} queries, {changed:,} changed"
        )
    print(f"plenary / baseline: {figures['plenary'] / figures['baseline']:.2f}x")
    print(f"assignments now: {Assignment.objects.filter(consultation=consultation).count():,}")


if __name__ == "__main__":
    main()
