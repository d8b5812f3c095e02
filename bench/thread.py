"""Benchmark: a paragraph's comment page with 20 and with 20,000 comments (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/thread.py

Creates a throw-away database, ``plenary_bench_thread`` on the server that
DATABASE_URL names (``--database`` to change it; dropped at the end unless
``--keep``), migrates it, and builds two consultations whose second paragraph
has 20 and 20,000 comments: four fifths top-level, the rest replies in threads
of four; every 12th private, every 50th hidden, every 37th awaiting
pre-moderation, every 60th withdrawn, a published decision on every 10th.

Then, in one process and through Django's test client (the whole middleware,
URL, view, template stack, DEBUG off), it times requests interleaved round-robin
so that a busy machine slows every variant alike:

* bare:  a view returning ``HttpResponse("ok")`` through the same middleware
  (the floor: what any page costs here);
* first: ``/c/<slug>/s/<key>/`` (the first page of threads);
* deep:  the same with ``?after=<cursor>`` three quarters of the way down;

for an anonymous reader, a participant who wrote some of the comments, and the
secretariat; and "selectors deep", the two selector calls of the deep page
alone (its database share, without request handling and templates).  A third
consultation has one thread of 20,000 replies: its paragraph's page (the
preview of three replies), and the thread's own page, first and deep.  It
prints p50 and p95 latency in milliseconds, the number of SQL queries per
request, and the PostgreSQL plan of the deep page's main query
(``EXPLAIN (ANALYZE, BUFFERS)``).  It prints figures and asserts nothing about time.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (20, 20_000)
BATCH = 5000
DRAFT = "# Bench thread\n\n## 1. Purpose\nFirst paragraph.\n\nSecond paragraph.\n"


# -- URLs for the bare view (ROOT_URLCONF="bench.thread" while measuring) -------------------


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


# -- set-up ----------------------------------------------------------------------------------


def bench_url(source: str, database: str) -> str:
    parts = urlsplit(source)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point to PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/x")
    return urlunsplit(parts._replace(path="/" + database))


def _admin(url: str):
    import psycopg

    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


def create_database(url: str) -> None:
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created database {name}", flush=True)


def drop_database(url: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    print(f"dropped database {name}")


def django_setup(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="false",
        EMAIL_URL="dummymail://",
        DJANGO_SETTINGS_MODULE="plenary.settings",
        # No collectstatic run: plain static URLs, as the tests use.
        PLENARY_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    os.environ.pop("REDIS_URL", None)  # tasks in-process, local-memory cache
    # No access line per timed request (plenary/observability/middleware.py) in the
    # figures' output, nor its write in the timed loop, unless asked for.
    os.environ.setdefault("PLENARY_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def build(size: int, convenor, authors, groups) -> tuple:
    """A consultation whose second paragraph has ``size`` comments: (consultation, section)."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services
    from feedback.models import DispositionEntry

    started = time.perf_counter()
    with transaction.atomic():
        consultation = consult_services.consultation_create(
            actor=convenor, title=f"Bench thread {size}", summary="Benchmark data."
        )
        version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
        round_ = consult_services.round_open(
            actor=convenor,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
            title="Bench round",
        )
        section = consultation.versions.get().sections.order_by("ordinal")[1]

        def comment(n: int, parent=None) -> Comment:
            body = f"Comment {n}: " + "the draft should say more about this point. " * 3
            return Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=section,
                parent=parent,
                root=parent,
                author=authors[n % len(authors)],
                body=body,
                body_html=f"<p>{body}</p>",
                visibility="private" if n % 12 == 5 else "public",
                moderation="hidden" if n % 50 == 7 else "pending" if n % 37 == 3 else "visible",
                withdrawn_at=timezone.now() if n % 60 == 11 else None,
            )

        threads = size // 20
        roots: list[Comment] = []
        for start in range(0, size - 4 * threads, BATCH):
            stop = min(start + BATCH, size - 4 * threads)
            roots += Comment.objects.bulk_create(comment(n) for n in range(start, stop))
        replies = Comment.objects.bulk_create(
            comment(len(roots) + 4 * k + j, parent=root)
            for k, root in enumerate(roots[:: max(1, len(roots) // threads)][:threads])
            for j in range(4)
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
            for k, c in enumerate((roots + replies)[::10])
        )
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
    total = Comment.objects.filter(section=section).count()
    print(f"built {total:,} comments in {time.perf_counter() - started:.1f} s", flush=True)
    return consultation, section


def build_long_thread(replies: int, convenor, authors) -> tuple:
    """20 top-level comments on a paragraph, the first with ``replies`` public replies."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services

    with transaction.atomic():
        consultation = consult_services.consultation_create(
            actor=convenor, title=f"Bench long thread {replies}", summary="Benchmark data."
        )
        version_services.draft_import(actor=convenor, consultation=consultation, source=DRAFT)
        round_ = consult_services.round_open(
            actor=convenor,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
            title="Bench round",
        )
        section = consultation.versions.get().sections.order_by("ordinal")[1]

        def comment(n: int, parent=None) -> Comment:
            return Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=section,
                parent=parent,
                root=parent,
                author=authors[n % len(authors)],
                body=f"Reply {n}",
                body_html=f"<p>Reply {n}</p>",
            )

        roots = Comment.objects.bulk_create(comment(n) for n in range(20))
        for start in range(0, replies, BATCH):
            Comment.objects.bulk_create(
                comment(n, parent=roots[0]) for n in range(start, min(start + BATCH, replies))
            )
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
    return consultation, section, roots[0]


def compact_plans(action) -> list[str]:
    """EXPLAIN ANALYZE of every query ``action`` runs: the scans, sorts and windows, and time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        action()
    lines = []
    keep = ("Scan", "Sort", "WindowAgg", "Limit", "Execution Time", "Planning Time")
    with connection.cursor() as cursor:
        for query in ctx.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE) " + query["sql"])
            lines.append("-- " + " ".join(query["sql"].split())[:90] + " ...")
            lines += [f"   {row[0]}" for row in cursor.fetchall() if any(k in row[0] for k in keep)]
    return lines


def population():
    from django.contrib.auth.models import Permission

    from stakeholders.models import Participant, StakeholderGroup, User

    convenor = User.objects.create(email="bench-secretariat@example.org")
    convenor.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    convenor = User.objects.get(pk=convenor.pk)
    groups = list(StakeholderGroup.objects.order_by("pk"))
    users = User.objects.bulk_create([User(email=f"bench-{n}@example.org") for n in range(200)])
    Participant.objects.bulk_create(
        Participant(
            user=u,
            display_name=f"Bench participant {n}",
            group=groups[n % len(groups)],
            country="KE",
        )
        for n, u in enumerate(users)
    )
    return convenor, users, groups


# -- measuring -------------------------------------------------------------------------------


def deep_cursor(section) -> str:
    from django.contrib.auth.models import AnonymousUser

    from comments.threads import selectors
    from plenary.keyset import cursor_for

    roots = list(
        selectors.section_threads(section=section, viewer=AnonymousUser(), is_staff=False)
        .prefetch_related(None)
        .select_related(None)
        .only("pk", "created_at")
    )
    return cursor_for(roots[len(roots) * 3 // 4])


def explain_deep(section, cursor: str) -> str:
    from django.contrib.auth.models import AnonymousUser

    from comments.threads import selectors
    from plenary.keyset import _after, cursor_position

    query = (
        selectors.section_threads(section=section, viewer=AnonymousUser(), is_staff=False)
        .prefetch_related(None)
        .filter(_after(*cursor_position(cursor)))
        .order_by("created_at", "pk")[:21]
    )
    return query.explain(analyze=True, buffers=True)


def selectors_only(section, cursor: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    from comments.threads import selectors

    viewer = AnonymousUser()
    selectors.section_thread_page(section=section, viewer=viewer, is_staff=False, after=cursor)
    selectors.section_thread_count(section=section, viewer=viewer, is_staff=False)


def deep_reply_cursor(root) -> str:
    from comments.models import Comment
    from plenary.keyset import cursor_for

    replies = list(
        Comment.objects.filter(root=root).order_by("created_at", "pk").only("pk", "created_at")
    )
    return cursor_for(replies[len(replies) * 3 // 4])


def thread_page_only(consultation, root, cursor: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    from comments.threads import selectors

    viewer = AnonymousUser()
    found = selectors.thread_root(
        consultation=consultation, receipt=root.receipt, viewer=viewer, is_staff=False
    )
    selectors.thread_replies_page(root=found, viewer=viewer, is_staff=False, after=cursor)


def measure(cases: dict, repeat: int) -> dict:
    """Each case is (client, url) for a request, or a callable timed as it is."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(case) -> None:
        if callable(case):
            case()
            return
        client, url = case
        assert client.get(url).status_code == 200, url

    timings: dict = {name: [] for name in cases}
    queries = {}
    for name, case in cases.items():  # warm up; count queries once
        for _ in range(5):
            run(case)
        with CaptureQueriesContext(connection) as ctx:
            run(case)
        queries[name] = len(ctx.captured_queries)
    for _ in range(repeat):
        for name, case in cases.items():
            started = time.perf_counter()
            run(case)
            timings[name].append((time.perf_counter() - started) * 1000)
    return {
        name: (
            statistics.median(values),
            statistics.quantiles(values, n=20)[18],
            queries[name],
        )
        for name, values in timings.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_thread")
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
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    convenor, authors, groups = population()
    built = {size: build(size, convenor, authors, groups) for size in SIZES}
    long_consultation, long_section, long_root = build_long_thread(SIZES[-1], convenor, authors)

    anonymous, participant, staff = Client(), Client(), Client()
    participant.force_login(authors[0])
    staff.force_login(convenor)
    viewers = {"anonymous": anonymous, "participant": participant, "secretariat": staff}
    cases: dict = {"bare": (anonymous, "/bench/bare/")}
    plans = {}
    with override_settings(ROOT_URLCONF="bench.thread", ALLOWED_HOSTS=["testserver"]):
        for size, (consultation, section) in built.items():
            page = reverse("section", args=[consultation.slug, section.key])
            cursor = deep_cursor(section)
            plans[size] = explain_deep(section, cursor)
            for who, client in viewers.items():
                cases[f"{size} {who} first"] = (client, page)
                cases[f"{size} {who} deep"] = (client, f"{page}?after={cursor}")
            # The database's share: the selectors the page calls, without the request and
            # the templates (anonymous reader, deep page).
            cases[f"{size} selectors deep"] = partial(selectors_only, section, cursor)
        # One thread with 20,000 replies: the paragraph's page (its preview of three), and
        # the thread's own page, first and three quarters down.
        thread = reverse(
            "thread", args=[long_consultation.slug, long_section.key, long_root.receipt]
        )
        reply_cursor = deep_reply_cursor(long_root)
        long_page = reverse("section", args=[long_consultation.slug, long_section.key])
        cases["1 thread of 20000: section"] = (anonymous, long_page)
        cases["1 thread of 20000: first"] = (anonymous, thread)
        cases["1 thread of 20000: deep"] = (anonymous, f"{thread}?after={reply_cursor}")
        long_plans = {
            "paragraph page": compact_plans(partial(selectors_only, long_section, None)),
            "thread page, deep": compact_plans(
                partial(thread_page_only, long_consultation, long_root, reply_cursor)
            ),
        }
        results = measure(cases, args.repeat)

    print()
    print(f"{args.repeat} requests per variant, interleaved; Django test client, DEBUG off")
    print(f"{'variant':<28} {'p50 ms':>8} {'p95 ms':>8} {'p95/bare':>9} {'queries':>8}")
    bare_p95 = results["bare"][1]
    for name, (p50, p95, queries) in results.items():
        print(f"{name:<28} {p50:>8.1f} {p95:>8.1f} {p95 / bare_p95:>9.1f} {queries:>8}")
    for size, plan in plans.items():
        print(f"\nplan of the deep page's threads query, {size:,} comments (anonymous):")
        print(plan)
    for name, lines in long_plans.items():
        print(f"\nplans of the queries for one thread of {SIZES[-1]:,} replies, {name}:")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
