"""Benchmark: the inputs behind a diff's changes (feedback.trace; not run in CI).

    .venv/bin/python bench/trace.py [--sections 500] [--per-change 3] [--repeat 5]

On a throw-away test database (DATABASE_URL; SQLite by default), bench/diff_page.py's
draft: version 1 has N paragraphs, version 2 rewords every 10th.  Every reworded
paragraph gets one amendment composed into it (an ``AmendmentApplication``) and
``--per-change`` comments whose decision names it.  It prints, as p50 of ``--repeat``
runs in milliseconds, beside each other: the baseline (``version_diff`` alone, what
the diff API did before issue 24), ``version_diff`` + ``diff_because``, and the diff
API as a whole, with query counts.  It asserts nothing about time.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from diff_page import draft  # noqa: E402 (after the path set-up)


def p50(action, repeat: int) -> float:
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=500)
    parser.add_argument("--per-change", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    os.environ.setdefault("PLENARY_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from comments.models import Amendment
    from comments.threads import services as comment_services
    from consult.consultations import services
    from consult.models import Round
    from consult.versions import services as version_services
    from consult.versions.diff import version_diff
    from feedback.ledger import services as ledger_services
    from feedback.models import AmendmentApplication, Status
    from feedback.trace import selectors as trace
    from tests.stakeholders.factories import ParticipantFactory, convenor

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PLENARY_TASKS_INLINE = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        secretariat = convenor(email="bench-trace@example.org")
        author = ParticipantFactory(display_name="Bench author").user
        consultation = services.consultation_create(
            actor=secretariat, title="Bench trace", summary="Bench."
        )
        n = args.sections
        v1 = version_services.draft_import(
            actor=secretariat, consultation=consultation, source=draft(n, second=False)
        )
        services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=30),
            title="Bench",
        )
        changed_keys = [
            key
            for key, body in v1.sections.values_list("key", "body")
            if draft(n, second=True).find(body) == -1
        ]
        made = {}
        for key in changed_keys:
            made[key] = [
                comment_services.comment_create(
                    actor=author, consultation=consultation, section_key=key, body=f"On {key} {i}."
                )
                for i in range(1 + args.per_change)
            ]
        now = timezone.now()
        Round.objects.filter(consultation=consultation).update(
            opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=10)
        )
        v2 = version_services.draft_import(
            actor=secretariat, consultation=consultation, source=draft(n, second=True)
        )
        services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=now + timedelta(days=30),
            document_version=v2,
        )
        v2.refresh_from_db()
        sections = {s.key: s for s in v2.sections.all()}
        for key, comments in made.items():
            section = sections.get(key)
            if section is None:
                continue
            amendment, *others = comments
            Amendment.objects.create(comment=amendment, quote="x", replacement="x", start=0, end=1)
            entry = ledger_services.disposition_record(
                actor=secretariat, comment=amendment, status=Status.ACCEPTED, publish=True
            )
            start = max(section.body.find("must publish"), 0)
            AmendmentApplication.objects.create(
                amendment=amendment.amendment,
                version=v2,
                section=section,
                entry=entry,
                adopted_text="must publish",
                start=start,
                end=start + len("must publish"),
            )
            for other in others:
                ledger_services.disposition_record(
                    actor=secretariat,
                    comment=other,
                    status=Status.ACCEPTED,
                    target_section=section,
                    publish=True,
                )
        inputs = len(made) * (1 + args.per_change)
        print(
            f"database: {connection.vendor}; {n} sections, {len(made)} changed, "
            f"{inputs} inputs behind them; p50 of {args.repeat} runs"
        )

        def bare():
            version_diff(old=v1, new=v2)

        def traced():
            rows = version_diff(old=v1, new=v2)
            trace.diff_because(rows=rows, new=v2, viewer=None, is_staff=False)

        client = Client()
        url = f"/api/v1/consultations/{consultation.slug}/versions/1/diff/2/"
        for label, action in (
            ("baseline: version_diff", bare),
            (
                "section_causes alone",
                lambda: trace.section_causes(new=v2, viewer=None, is_staff=False),
            ),
            ("version_diff + diff_because", traced),
            ("diff API (anonymous)", lambda: client.get(url)),
        ):
            ms = p50(action, args.repeat)
            with CaptureQueriesContext(connection) as queries:
                action()
            print(f"{label:>28}: {ms:8.1f} ms, {len(queries)} queries")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
