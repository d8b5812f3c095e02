"""Benchmark: the diff page of a long draft (not run in CI).

    .venv/bin/python bench/diff_page.py [--sections 500] [--repeat 5]

On a throw-away test database (DATABASE_URL; SQLite by default), version 1 has N
Markdown paragraphs (some **bold**, some list items); version 2 rewords every
10th (10 % changed).  It prints, as p50 of ``--repeat`` runs in milliseconds,
the diff page with changes only (the default) and with ``?all=1``, their sizes
and query counts.  It asserts nothing about time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def draft(n: int, *, second: bool) -> str:
    parts = ["# Bench draft"]
    for i in range(n):
        if i % 25 == 0:
            parts.append(f"## Part {i // 25}")
        text = (
            f"Paragraph {i}: public body {i} publishes **dataset {i * 7}** every {i % 12 + 1} "
            "months under an open licence, with metadata and a contact point."
        )
        if i % 7 == 3:
            text = f"- item {i}: an open format\n- and a *machine-readable* index"
        if second and i % 10 == 0:
            text = text.replace("publishes", "must publish").replace("open licence", "CC BY 4.0")
            text = text.replace("open format", "open, documented format")
        parts.append(text)
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from consult.consultations import services
    from consult.models import DocumentVersion
    from consult.versions import services as version_services
    from tests.stakeholders.factories import convenor

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        secretariat = convenor(email="bench-diff@example.org")
        consultation = services.consultation_create(
            actor=secretariat, title="Bench diff", summary="Bench."
        )
        n = args.sections
        v1 = version_services.draft_import(
            actor=secretariat, consultation=consultation, source=draft(n, second=False)
        )
        v2 = version_services.draft_import(
            actor=secretariat, consultation=consultation, source=draft(n, second=True)
        )
        DocumentVersion.objects.filter(pk__in=[v1.pk, v2.pk]).update(published_at=timezone.now())
        consultation.status = "published"
        consultation.save(update_fields=["status"])
        client = Client()
        url = f"/c/{consultation.slug}/versions/{v1.number}/diff/{v2.number}/"
        print(f"database: {connection.vendor}; {n} sections, p50 of {args.repeat} runs")
        for label, query in (("changes only", {}), ("?all=1", {"all": "1"})):
            client.get(url, query)
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(url, query)
                times.append((time.perf_counter() - start) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get(url, query)
            print(
                f"{label:>13}: {statistics.median(times):7.1f} ms, "
                f"{len(response.content) / 1024:6.1f} KB, {len(queries)} queries"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
