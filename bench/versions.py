"""Benchmark: versioned drafts with 50 and 500 sections (not run in CI).

    .venv/bin/python bench/versions.py [--sizes 50 500] [--repeat 5]

Creates a throw-away test database (Django's test-database machinery, on
whatever DATABASE_URL names: SQLite by default; dropped at the end), and for
each size a consultation whose version 1 has N sections; version 2 rewords
every 5th section, drops every 17th and adds one in every 20.  It times, as
p50 of ``--repeat`` runs, in milliseconds:

* import v1: ``draft_import`` of the first version (no matching): the baseline;
* import v2: ``draft_import`` of the second version (the same plus matching);
* matching:  ``propose_matches`` alone (pure Python, no queries);
* diff:      ``version_diff`` of v1 -> v2 (two queries and the word diffs);
* diff page: ``GET /c/<slug>/versions/1/diff/2/`` through the test client;
* pdf, docx, odt: building version 2's files (a first download, or any download
  of an unpublished version);
* cached pdf: a download of the published version 2 once its PDF is cached.

It also prints how many sections version 2 kept the key of (matched), which
should be N - N/17 (every dropped section) give or take a few.  It prints
figures and asserts nothing about time.
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
        if second and i % 17 == 3:
            continue  # dropped in version 2
        if i % 10 == 0:
            parts.append(f"## Part {i // 10}")
        text = (
            f"Paragraph {i} states that public body number {i} publishes dataset {i * 7} "
            f"every {i % 12 + 1} months under an open licence, with metadata in {i % 5 + 2} "
            "languages and a contact point for questions."
        )
        if second and i % 5 == 0:
            text = text.replace("publishes", "must publish").replace("open licence", "CC BY")
        parts.append(text)
        if second and i % 20 == 7:
            parts.append(f"New paragraph after {i}: complaints go to an independent commissioner.")
    return "\n\n".join(parts) + "\n"


def p50(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from consult.consultations import services
    from consult.models import DocumentVersion, Section
    from consult.versions import drafts, exports
    from consult.versions import services as version_services
    from consult.versions.diff import version_diff
    from plenary.text import markdown_blocks
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
        secretariat = convenor(email="bench-secretariat@example.org")
        client = Client()
        print(f"database: {connection.vendor}; p50 of {args.repeat} runs, milliseconds")
        header = (
            f"{'sections':>8} {'import v1':>10} {'import v2':>10} {'matching':>9} {'diff':>7} "
            f"{'diff page':>10} {'pdf':>8} {'docx':>7} {'odt':>7} {'cached pdf':>11}  matched"
        )
        print(header)
        for n in args.sizes:
            v1_source, v2_source = draft(n, second=False), draft(n, second=True)
            # Each run: a fresh consultation, version 1 (no matching), then version 2.
            t_v1, t_v2 = [], []
            for run in range(args.repeat):
                consultation = services.consultation_create(
                    actor=secretariat, title=f"Bench versions {n} {run}", summary="Bench."
                )
                start = time.perf_counter()
                v1 = version_services.draft_import(
                    actor=secretariat, consultation=consultation, source=v1_source
                )
                t_v1.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                v2 = version_services.draft_import(
                    actor=secretariat, consultation=consultation, source=v2_source
                )
                t_v2.append((time.perf_counter() - start) * 1000)
            DocumentVersion.objects.filter(pk__in=[v1.pk, v2.pk]).update(
                published_at=timezone.now()
            )
            consultation.status = "published"
            consultation.save(update_fields=["status"])
            old_sections = list(v1.sections.order_by("ordinal"))
            blocks = markdown_blocks(v2_source)
            t_match = p50(
                lambda blocks=blocks, old_sections=old_sections: drafts.propose_matches(
                    blocks=blocks, previous=old_sections, taken=set()
                ),
                args.repeat,
            )
            t_diff = p50(lambda v1=v1, v2=v2: version_diff(old=v1, new=v2), args.repeat)
            slug = consultation.slug
            t_page = p50(
                lambda slug=slug, v1=v1, v2=v2: client.get(
                    f"/c/{slug}/versions/{v1.number}/diff/{v2.number}/"
                ),
                args.repeat,
            )
            # Building each file (what a first download or an unpublished version costs) ...
            t_files = [
                p50(lambda v2=v2, fmt=fmt: exports.BUILDERS[fmt](version=v2), args.repeat)
                for fmt in ("pdf", "docx", "odt")
            ]
            # ... and a download of a published version once its file is cached.
            client.get(f"/c/{slug}/versions/{v2.number}/download.pdf")
            t_cached = p50(
                lambda slug=slug, v2=v2: client.get(f"/c/{slug}/versions/{v2.number}/download.pdf"),
                args.repeat,
            )
            matched = Section.objects.filter(version=v2, previous__isnull=False).count()
            print(
                f"{n:>8} {statistics.median(t_v1):>10.1f} {statistics.median(t_v2):>10.1f} "
                f"{t_match:>9.1f} {t_diff:>7.1f} {t_page:>10.1f} {t_files[0]:>8.1f} "
                f"{t_files[1]:>7.1f} {t_files[2]:>7.1f} {t_cached:>11.1f}  "
                f"{matched}/{v2.sections.count()}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
