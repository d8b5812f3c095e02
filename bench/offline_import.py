"""Benchmark: the CSV import of comments received offline (not run in CI).

    .venv/bin/python bench/offline_import.py [--rows 200 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary_hN \
        .venv/bin/python bench/offline_import.py

Builds a throw-away test database (Django's ``test_<name>``, dropped at the end;
SQLite in memory with no DATABASE_URL), a consultation with a 40-section draft
and an open round, then for each size N prints, in milliseconds and queries:

* preview: ``comments_import_preview`` of an N-row file (parse and check every
  row; writes nothing);
* import:  ``comments_import`` of the same file (checks again, writes N comments
  in one transaction);
* baseline: N calls of ``comment_create`` (a participant's web comment, the
  same Comment + revision + outbox row per comment), so the import's per-row
  cost can be read against the ordinary path measured in the same run.

It prints figures and asserts nothing about time.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200, 2000])
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.PLENARY_TASKS_INLINE = False  # measure the writes, not the mail relay
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.rows, connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(sizes, connection) -> None:
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Permission
    from django.utils import timezone

    from comments.offline import services as offline
    from comments.threads import services
    from consult.consultations import services as consult_services
    from consult.versions import services as version_services
    from stakeholders.defaults import ensure_default_groups
    from stakeholders.models import Participant, StakeholderGroup, User

    ensure_default_groups(StakeholderGroup)
    staff = User.objects.create_user(email="bench-secretariat@example.org", password=None)
    staff.user_permissions.add(Permission.objects.get(codename="add_consultation"))
    staff = User.objects.get(pk=staff.pk)
    participant = User.objects.create_user(email="bench-participant@example.org", password=None)
    EmailAddress.objects.create(user=participant, email=participant.email, verified=True)
    Participant.objects.create(
        user=participant,
        display_name="Bench",
        group=StakeholderGroup.objects.first(),
        country="KE",
    )
    draft = "# Bench\n\n" + "".join(f"## {n}. Part\nParagraph {n}.\n\n" for n in range(1, 41))
    consultation = consult_services.consultation_create(actor=staff, title="Bench", summary="s")
    version_services.draft_import(actor=staff, consultation=consultation, source=draft)
    consult_services.round_open(
        actor=staff, consultation=consultation, closes_at=timezone.now() + timedelta(days=30)
    )
    keys = list(consultation.versions.get().sections.values_list("key", flat=True))
    today = timezone.localdate().isoformat()
    header = "channel,received_at,submitter_name,submitter_organisation,section_key,question,body\n"

    print(f"{'rows':>6} {'step':<9} {'ms':>9} {'ms/row':>8} {'queries':>8}")
    for n in sizes:
        rows = (
            f"letter,{today},Person {k},Org {k % 7},{keys[k % len(keys)]},,Comment number {k}.\n"
            for k in range(n)
        )
        data = (header + "".join(rows)).encode()

        def timed(label, action, n=n):
            count = [0]

            def counter(execute, sql, params, many, context):
                count[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counter):
                start = time.perf_counter()
                result = action()
                elapsed = (time.perf_counter() - start) * 1000
            print(f"{n:>6} {label:<9} {elapsed:>9.1f} {elapsed / n:>8.3f} {count[0]:>8}")
            return result

        preview = timed(
            "preview",
            lambda data=data: offline.comments_import_preview(
                actor=staff, consultation=consultation, data=data
            ),
        )
        assert preview.ok, preview.rejected[:3]
        timed(
            "import",
            lambda data=data, sha=preview.sha256: offline.comments_import(
                actor=staff, consultation=consultation, data=data, sha256=sha
            ),
        )

        def baseline(n=n):
            for k in range(n):
                services.comment_create(
                    actor=participant,
                    consultation=consultation,
                    section_key=keys[k % len(keys)],
                    body=f"Comment number {k}.",
                )

        timed("baseline", baseline)


if __name__ == "__main__":
    main()
