"""Benchmark: the participation balance dashboard with 100,000 comments (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/balance.py

Creates a throw-away database, ``plenary_bench_balance`` on the server that
DATABASE_URL names (``--database`` to change it; dropped at the end unless
``--keep``), migrates it, and builds a consultation with ``--comments``
(100,000) comments by ``--people`` (5,000) participants across the six groups,
a dozen countries and free-text genders, on the 4 sections of the draft, one
in seven private and one in five by email; the first tenth of the people also
commented earlier in another consultation (so they are not newcomers), and
2,000 more people only follow.  A second consultation with 1,000 comments is
measured too, to show what grows.

Then, in one process and through Django's test client (the whole middleware,
URL, view, template stack, DEBUG off), it times requests interleaved
round-robin so that a busy machine slows every variant alike: a bare view
(the floor), the staff dashboard, its CSV, the public summary, the staff API,
and the selector alone (``participation_balance``, its database share).  It
prints p50 and p95 in milliseconds and the queries per request, then the
selector's queries with their times, and asserts nothing about time.
bench/thread.py has the house style and the helpers.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.thread import bench_url, create_database, django_setup, drop_database, measure  # noqa: E402 (after the path set-up)

BATCH = 5000
DRAFT = (
    "# Bench balance\n\n## 1. Purpose\nFirst.\n\nSecond.\n\n## 2. Scope\nThird.\n\n"
    "## 3. Licensing\nFourth.\n"
)
COUNTRIES = ["KE", "BR", "FR", "IN", "US", "NG", "DE", "MX", "JP", "AU", "ZA", "CA"]
GENDERS = ["Female", "female", "male", "Male ", "", "non-binary", "", "woman"]


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


def population(people: int, followers: int):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Permission

    from stakeholders.models import Participant, StakeholderGroup, User

    convenor = User.objects.create(email="bench-secretariat@example.org")
    convenor.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    convenor = User.objects.get(pk=convenor.pk)
    groups = list(StakeholderGroup.objects.order_by("pk"))
    # Skewed: the first groups have many more people than the last (under-representation).
    weights = [40, 25, 20, 8, 5, 2]
    by_weight = [g for g, w in zip(groups, weights, strict=False) for _ in range(w)]
    users = User.objects.bulk_create(
        [User(email=f"bench-{n}@example.org") for n in range(people + followers)],
        batch_size=BATCH,
    )
    Participant.objects.bulk_create(
        (
            Participant(
                user=u,
                display_name=f"Bench participant {n}",
                group=by_weight[n % len(by_weight)],
                country=COUNTRIES[n % len(COUNTRIES)],
                gender=GENDERS[n % len(GENDERS)],
            )
            for n, u in enumerate(users)
        ),
        batch_size=BATCH,
    )
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users),
        batch_size=BATCH,
    )
    return convenor, users[:people], users[people:]


def build(size: int, convenor, authors, followers, title: str, earlier=None):
    """A consultation with ``size`` comments by ``authors`` (Zipf-like: a few write many)."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.participation.services import participation_tally_rebuild
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.models import Follow
    from consult.versions import services as version_services

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
        if earlier is not None:  # the first tenth commented elsewhere first
            Comment.objects.bulk_create(
                (
                    Comment(
                        receipt=new_receipt(),
                        consultation=earlier,
                        round=earlier.rounds.get(),
                        section=None,
                        author=author,
                        body="Earlier.",
                        body_html="<p>Earlier.</p>",
                        created_at=now - timedelta(days=400),
                    )
                    for author in authors[: len(authors) // 10]
                ),
                batch_size=BATCH,
            )
            # auto_now_add overwrote created_at: set it after, so these people are not newcomers.
            Comment.objects.filter(consultation=earlier, body="Earlier.").update(
                created_at=now - timedelta(days=400)
            )
            participation_tally_rebuild(consultation=earlier)

        def author(n: int):
            # Half the comments from the first 2 % of the people: the usual suspects.
            if n % 2 == 0:
                return authors[(n // 2) % max(len(authors) // 50, 1)]
            return authors[(n // 2) % len(authors)]

        for start in range(0, size, BATCH):
            Comment.objects.bulk_create(
                Comment(
                    receipt=new_receipt(),
                    consultation=consultation,
                    round=round_,
                    section=sections[n % len(sections)],
                    author=author(n),
                    body="A benchmark comment.",
                    body_html="<p>A benchmark comment.</p>",
                    visibility="private" if n % 7 == 0 else "public",
                    channel="email" if n % 5 == 0 else "web",
                    created_at=now - timedelta(seconds=n),
                )
                for n in range(start, min(start + BATCH, size))
            )
        Follow.objects.bulk_create(
            (Follow(consultation=consultation, user=user) for user in followers),
            batch_size=BATCH,
        )
        # Bulk-created past the services: the participation counters are recounted, as
        # ``manage.py participation_counts --rebuild`` would (the pages read them).
        participation_tally_rebuild(consultation=consultation)
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
        cursor.execute("ANALYZE comments_participation_tally")
        cursor.execute("ANALYZE consult_follow")
    print(f"built {size:,} comments in {time.perf_counter() - started:.1f} s", flush=True)
    return consultation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="plenary_bench_balance")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=5_000)
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

    from feedback.participation import selectors as balance

    call_command("migrate", verbosity=0)
    convenor, authors, followers = population(args.people, 2_000)
    small = build(1_000, convenor, authors[:300], followers[:100], "Bench balance small")
    big = build(args.comments, convenor, authors, followers, "Bench balance large", earlier=small)

    anonymous, staff = Client(), Client()
    staff.force_login(convenor)
    cases: dict = {"bare": (anonymous, "/bench/bare/")}
    with override_settings(ROOT_URLCONF="bench.balance", ALLOWED_HOSTS=["testserver"]):
        for label, consultation in (("1k", small), (f"{args.comments // 1000}k", big)):
            slug = consultation.slug
            cases[f"{label} dashboard"] = (staff, reverse("staff_balance", args=[slug]))
            cases[f"{label} csv"] = (staff, reverse("staff_balance_csv", args=[slug]))
            cases[f"{label} public"] = (anonymous, reverse("participation", args=[slug]))
            cases[f"{label} api staff"] = (
                staff,
                reverse("api-participation-staff", args=[slug]),
            )
            cases[f"{label} selector"] = lambda c=consultation: balance.participation_balance(
                consultation=c, audience=balance.STAFF
            )
        results = measure(cases, args.repeat)
    print(f"\n{'variant':<24}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}")
    for name, (p50, p95, queries) in results.items():
        print(f"{name:<24}{p50:>10.1f}{p95:>10.1f}{queries:>9}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for label, consultation in (("1k", small), ("large", big)):
        with CaptureQueriesContext(connection) as ctx:
            balance.participation_balance(consultation=consultation, audience=balance.STAFF)
        print(f"\n{label}: the selector's queries, slowest first (ms)")
        for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"])):
            print(f"{float(query['time']) * 1000:>8.1f}  {query['sql'][:90]}")
    from comments.models import ParticipationTally

    for label, consultation in (("1k", small), ("large", big)):
        rows = ParticipationTally.objects.filter(consultation=consultation).count()
        print(f"{label}: {rows:,} rows of participation counters")
    figures = balance.participation_balance(consultation=big, audience=balance.STAFF)
    print(
        f"\nlarge: {figures.comments:,} comments by {figures.participants:,} people, "
        f"{figures.registered:,} registered, {figures.newcomers:,} newcomers, "
        f"top {figures.top_people} wrote {figures.top_share:.1%}; under-represented: "
        + ", ".join(cell.label for cell in figures.under_represented)
    )


if __name__ == "__main__":
    main()
