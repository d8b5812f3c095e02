"""Benchmark: composing the next version from 500 adopted amendments over 200 paragraphs,
beside a plain copy of the version (not run in CI).

    .venv/bin/python bench/compose.py [--paragraphs 200] [--amendments 500] [--repeat 5]

Creates a throw-away test database (Django's test-database machinery, on whatever
DATABASE_URL names: SQLite by default; dropped at the end), a consultation whose
version 1 has ``--paragraphs`` paragraphs under headings, and ``--amendments``
amendments spread over them (three distinct passages per paragraph at most, none
overlapping), each proposed by a comment through ``comment_create`` and accepted in
one bulk draft and one publication.  Then, interleaved, ``--repeat`` times each, in
milliseconds (p50 and min):

* plain copy: ``draft_import`` of version 1's unchanged source with its keys as
  hints: what any next version costs (splitting, matching, sections, audit);
* compose:    ``version_compose``: the same import plus reading the adopted
  amendments, writing each into its section and one AmendmentApplication each.

The version made is deleted after each run (``version_delete``), so every run starts
alike.  It prints the ratio and what was applied; it asserts nothing about time.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSAGES = ("publishes dataset", "under an open licence", "a contact point for questions")


def draft(paragraphs: int) -> str:
    parts = ["# Bench charter"]
    for i in range(paragraphs):
        if i % 10 == 0:
            parts.append(f"## Part {i // 10}")
        parts.append(
            f"Paragraph {i} states that public body number {i} publishes dataset {i * 7} "
            f"every {i % 12 + 1} months **under an open licence**, with metadata in "
            f"{i % 5 + 2} languages and a contact point for questions."
        )
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--amendments", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="then print compose's 15 costliest functions"
    )
    args = parser.parse_args()
    if args.amendments > args.paragraphs * len(PASSAGES):
        parser.error(f"at most {len(PASSAGES)} amendments per paragraph")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    os.environ.setdefault("PLENARY_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PLENARY_TASKS_INLINE = True
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(args) -> None:
    from django.db import connection

    from comments.amendments.quote import locate
    from comments.models import Amendment
    from comments.threads import services as comment_services
    from consult.versions import services as version_services
    from feedback.compose import services as compose_services
    from feedback.ledger import services as ledger_services
    from feedback.models import AmendmentApplication
    from tests.consult.factories import open_consultation
    from tests.stakeholders.factories import ParticipantFactory, convenor

    secretariat = convenor(email="bench-secretariat@example.org")
    author = ParticipantFactory(display_name="Bench author").user
    consultation = open_consultation(secretariat=secretariat, draft=draft(args.paragraphs))
    v1 = consultation.versions.get(number=1)
    sections = list(v1.sections.order_by("ordinal"))
    start = time.perf_counter()
    comments, amendments = [], []
    for n in range(args.amendments):
        section = sections[n % len(sections)]
        quote = PASSAGES[n // len(sections)]
        comment = comment_services.comment_create(
            actor=author, consultation=consultation, section_key=section.key, body=f"Change {n}."
        )
        begin, end = locate(section.body, quote)
        comments.append(comment)
        amendments.append(
            Amendment(
                comment=comment,
                quote=quote,
                replacement=quote.upper(),
                start=begin,
                end=end,
            )
        )
    Amendment.objects.bulk_create(amendments)
    ledger_services.disposition_draft_bulk(
        actor=secretariat, consultation=consultation, comments=comments, status="accepted"
    )
    ledger_services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
    setup = time.perf_counter() - start
    keys = [section.key for section in sections]

    def plain_copy():
        return version_services.draft_import(
            actor=secretariat, consultation=consultation, source=v1.source, section_keys=keys
        )

    def compose():
        return compose_services.version_compose(actor=secretariat, consultation=consultation)

    times: dict[str, list[float]] = {"plain copy": [], "compose": []}
    result = None
    for _ in range(args.repeat):
        for name, action in (("plain copy", plain_copy), ("compose", compose)):
            begin = time.perf_counter()
            made = action()
            times[name].append((time.perf_counter() - begin) * 1000)
            if name == "compose":
                result = made
            version = made.version if name == "compose" else made
            version_services.version_delete(actor=secretariat, version=version)
    assert result is not None
    print(
        f"database: {connection.vendor}; {args.paragraphs} paragraphs, {args.amendments} "
        f"adopted amendments (set-up {setup:.1f} s); {args.repeat} runs each, milliseconds"
    )
    print(f"{'':<12} {'p50':>9} {'min':>9}")
    for name, values in times.items():
        print(f"{name:<12} {statistics.median(values):>9.1f} {min(values):>9.1f}")
    ratio = statistics.median(times["compose"]) / statistics.median(times["plain copy"])
    print(f"compose / plain copy (p50): {ratio:.2f}")
    if args.profile:
        profiler = cProfile.Profile()
        made = profiler.runcall(compose)
        version_services.version_delete(actor=secretariat, version=made.version)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    print(
        f"applied {len(result.applied)}, conflicts {len(result.conflicts)}, "
        f"skipped {len(result.skipped)}; applications written per run: "
        f"{len(result.applied)} (now {AmendmentApplication.objects.count()} after deletes)"
    )


if __name__ == "__main__":
    main()
