"""Benchmark: Plenary's ledger.csv against the csv module over a raw query (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/ledger_csv.py

Uses (and creates) a dedicated database, ``plenary_bench`` on the server that
DATABASE_URL names (``--database`` to change it, ``--rebuild`` to drop and
build it again).  For each size (10,000 and 100,000 comments by default) it
builds, once, a consultation with that many comments (a mix of sections,
organisations, private and hidden comments) and published decisions on
about 30 % of them, with a valid hash chain.  Then it measures, each in a
fresh subprocess so that one cannot pollute the other's memory:

* plenary:  GET /api/v1/consultations/<slug>/ledger.csv through Django's
  test client (the whole request/response stack), consuming the stream;
* baseline: the same rows from one SQL query on a psycopg server-side
  (named) cursor, written with csv.writer to the same kind of sink.

It prints wall time (median of ``--repeat`` runs), the growth of the process's
peak RSS during the export, and the peak of Python allocations (tracemalloc,
in a separate run, since tracing slows everything down); and checks that both
variants produced byte-identical CSV.  It also times ``verify_ledger`` on the
chain.  It prints figures and asserts nothing about time.
"""

import argparse
import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARTICIPANTS = 1000
ORGANISATIONS = 20
BATCH = 5000
DRAFT = "# Bench draft\n\n" + "\n".join(
    f"## {n}. Chapter {n}\nParagraph one of chapter {n}.\n\nParagraph two of chapter {n}.\n"
    for n in range(1, 6)
)
BASELINE_SQL = """
SELECT c.receipt, c.visibility, c.moderation, c.withdrawn_at IS NOT NULL,
       s.key, p.display_name, g.name, o.name,
       c.created_at, d.status, d.rationale, d.published_at
FROM comments_comment c
LEFT JOIN consult_section s ON s.id = c.section_id
LEFT JOIN stakeholders_participant p ON p.user_id = c.author_id
LEFT JOIN stakeholders_stakeholdergroup g ON g.id = p.group_id
LEFT JOIN stakeholders_organisation o ON o.id = c.on_behalf_of_id
LEFT JOIN LATERAL (
    SELECT e.status, e.rationale, e.published_at FROM feedback_dispositionentry e
    WHERE e.comment_id = c.id ORDER BY e.sequence DESC LIMIT 1
) d ON true
WHERE c.consultation_id = %s
ORDER BY c.created_at, c.id
"""
COLUMNS = [
    "receipt",
    "section",
    "author",
    "group",
    "organisation",
    "created_at",
    "status",
    "rationale",
    "published_at",
    "withdrawn",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- set-up ------------------------------------------------------------------


def bench_url(source: str, database: str) -> str:
    parts = urlsplit(source)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point to PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/x")
    return urlunsplit(parts._replace(path="/" + database))


def ensure_database(url: str, *, rebuild: bool) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if rebuild:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def child_env(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, DJANGO_DEBUG="false", EMAIL_URL="dummymail://")
    env.pop("REDIS_URL", None)  # tasks in-process; the benchmark sends no mail
    env["DJANGO_SETTINGS_MODULE"] = "plenary.settings"
    return env


def django_setup(url: str) -> None:
    os.environ.update(child_env(url))
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def ensure_population():
    """The bench's convenor, participants and organisations (created once)."""
    from django.contrib.auth.models import Permission

    from stakeholders.models import Organisation, Participant, StakeholderGroup, User

    convenor, created = User.objects.get_or_create(email="bench-secretariat@example.org")
    if created:
        convenor.user_permissions.add(Permission.objects.get(codename="add_consultation"))
        convenor = User.objects.get(pk=convenor.pk)
    groups = list(StakeholderGroup.objects.order_by("pk"))
    if not Participant.objects.filter(display_name="Bench participant 0").exists():
        users = User.objects.bulk_create(
            [User(email=f"bench-{n}@example.org") for n in range(PARTICIPANTS)]
        )
        Participant.objects.bulk_create(
            [
                Participant(
                    user=user,
                    display_name=f"Bench participant {n}",
                    group=groups[n % len(groups)],
                    country="KE",
                )
                for n, user in enumerate(users)
            ]
        )
        Organisation.objects.bulk_create(
            [
                Organisation(name=f"Bench organisation {n}", group=groups[n % len(groups)])
                for n in range(ORGANISATIONS)
            ]
        )
    authors = list(
        User.objects.filter(email__startswith="bench-", participant__isnull=False).order_by("pk")
    )
    organisations = list(Organisation.objects.filter(name__startswith="Bench organisation "))
    return convenor, authors, organisations


def ensure_consultation(size: int) -> tuple[str, int, float]:
    """The consultation with ``size`` comments: (slug, entries, seconds to build or 0)."""
    from django.db import transaction
    from django.utils import timezone

    from comments.models import Comment
    from comments.threads.receipts import new_receipt
    from consult.consultations import services as consult_services
    from consult.models import Consultation
    from consult.versions import services as version_services
    from feedback.ledger import chain
    from feedback.models import DispositionEntry, Status

    title = f"Bench ledger {size}"
    existing = Consultation.objects.filter(title=title).first()
    if existing:
        return existing.slug, DispositionEntry.objects.filter(consultation=existing).count(), 0.0

    started = time.perf_counter()
    print(f"building {size:,} comments (once; reused by later runs) ...", flush=True)
    with transaction.atomic():
        convenor, authors, organisations = ensure_population()
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
        receipts: set[str] = set(Comment.objects.values_list("receipt", flat=True))
        statuses = Status.values
        sequence, previous = 0, chain.GENESIS
        for start in range(0, size, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, size)):
                receipt = new_receipt()
                while receipt in receipts:
                    receipt = new_receipt()
                receipts.add(receipt)
                body = f"Comment {n}: " + "the draft should say more about this point. " * 4
                batch.append(
                    Comment(
                        receipt=receipt,
                        consultation=consultation,
                        round=round_,
                        section=sections[n % len(sections)],
                        author=authors[n % len(authors)],
                        on_behalf_of=organisations[n % len(organisations)] if n % 10 == 1 else None,
                        body=body,
                        body_html=f"<p>{body}</p>",
                        visibility="private" if n % 12 == 5 else "public",
                        moderation="hidden" if n % 50 == 7 else "visible",
                    )
                )
            Comment.objects.bulk_create(batch)
            entries = []
            now = timezone.now()
            for n, comment in enumerate(batch, start=start):
                if n % 10 not in (0, 3, 6):
                    continue
                status = statuses[n % len(statuses)]
                sequence += 1
                entry = DispositionEntry(
                    consultation=consultation,
                    sequence=sequence,
                    comment=comment,
                    status=status,
                    rationale=f"=Reason {n}, with a formula-like start." if n % 3 else "",
                    duplicate_of=batch[0] if status == Status.DUPLICATE else None,
                    decided_by=convenor,
                    decided_at=now,
                    published_at=now,
                    previous_hash=previous,
                )
                entry.entry_hash = chain.digest(chain.document_for(entry, previous_hash=previous))
                previous = entry.entry_hash
                entries.append(entry)
            DispositionEntry.objects.bulk_create(entries)
            print(f"  {min(start + BATCH, size):,} comments, {sequence:,} entries", flush=True)
    return consultation.slug, sequence, time.perf_counter() - started


# -- the measured variants (each in its own process) --------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def reset_peak_rss() -> int:
    """Reset the kernel's peak-RSS mark (VmHWM, Linux >= 4.0); return the current RSS."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_kib("VmRSS")


def peak_rss() -> int:
    return _status_kib("VmHWM")


_client = None


def warm_plenary() -> None:
    """Load the middleware, URLs and views once, as a running server would have."""
    global _client
    from django.db import connection
    from django.test import Client

    _client = Client()
    assert _client.get("/api/v1/consultations/no-such-slug/ledger.csv").status_code == 404
    connection.ensure_connection()


def export_plenary(slug: str) -> tuple[int, str]:
    response = _client.get(f"/api/v1/consultations/{slug}/ledger.csv")
    assert response.status_code == 200, response.status_code
    digest, size = hashlib.sha256(), 0
    for chunk in response.streaming_content:
        size += len(chunk)
        digest.update(chunk)
    response.close()
    return size, digest.hexdigest()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


_connection = None


def warm_baseline() -> None:
    """Connect before measuring, as Plenary's variant does."""
    global _connection
    import psycopg

    _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    _connection.execute("SET TIME ZONE 'UTC'")


def export_baseline(slug: str) -> tuple[int, str]:
    import csv

    writer = csv.writer(_Echo())
    digest, size = hashlib.sha256(), 0
    conn = _connection
    with conn.transaction():
        (consultation_id,) = conn.execute(
            "SELECT id FROM consult_consultation WHERE slug = %s", [slug]
        ).fetchone()
        with conn.cursor(name="ledger_csv") as cursor:
            cursor.itersize = 2000
            cursor.execute(BASELINE_SQL, [consultation_id])
            line = writer.writerow(COLUMNS).encode()
            size += len(line)
            digest.update(line)
            for row in cursor:
                receipt, visibility, moderation, withdrawn, *shown = row[:-3]
                status, rationale, published = row[-3:]
                status = status or "awaiting"
                flag = "true" if withdrawn else "false"
                if visibility == "public" and moderation == "visible" and not withdrawn:
                    cells = [receipt, *shown, status, rationale, published, flag]
                else:  # a private, hidden or withdrawn comment: receipt and status only
                    cells = [receipt, None, None, None, None, None, status, None, None, flag]
                line = writer.writerow([_cell(cell) for cell in cells]).encode()
                size += len(line)
                digest.update(line)
    return size, digest.hexdigest()


def run_child(variant: str, slug: str, trace: bool) -> None:
    if variant == "plenary":
        import django

        django.setup()
        warm_plenary()
        export = export_plenary
    else:
        import csv  # noqa: F401  (imported before measuring, as Django is for plenary)

        warm_baseline()
        export = export_baseline
    gc.collect()
    rss_before = reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    size, digest = export(slug)
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    peak_after = peak_rss()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "bytes": size,
                "sha256": digest,
                "rss_growth_kib": peak_after - rss_before,
                "traced_peak_kib": traced // 1024 if traced is not None else None,
            }
        )
    )


def measure(url: str, variant: str, slug: str, *, trace: bool = False) -> dict:
    ran = subprocess.run(
        [sys.executable, __file__, "--child", variant, slug] + (["--trace"] if trace else []),
        env=child_env(url),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(ran.stdout.strip().splitlines()[-1])


def time_verify(url: str, slug: str) -> tuple[float, str]:
    started = time.perf_counter()
    ran = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger", slug],
        env=child_env(url),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    return time.perf_counter() - started, (ran.stdout or ran.stderr).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "SLUG"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="plenary_bench")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per variant")
    args = parser.parse_args()
    if args.child:
        run_child(*args.child, trace=args.trace)
        return

    source = os.environ.get("DATABASE_URL", "")
    url = bench_url(source, args.database)
    ensure_database(url, rebuild=args.rebuild)
    django_setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    results = []
    for size in args.sizes:
        slug, entries, built = ensure_consultation(size)
        if built:
            print(f"built {slug} in {built:.1f} s")
        # Interleaved, so that a busy machine slows both variants alike.
        runs: dict[str, list[dict]] = {"plenary": [], "baseline": []}
        for _ in range(args.repeat):
            for variant, variant_runs in runs.items():
                variant_runs.append(measure(url, variant, slug))
        traced = {variant: measure(url, variant, slug, trace=True) for variant in runs}
        verify_seconds, verify_output = time_verify(url, slug)
        results.append((size, entries, runs, traced, verify_seconds, verify_output))

    print()
    print(
        f"{'comments':>9} {'entries':>8} {'variant':>9} {'time s':>8} {'ratio':>6} "
        f"{'RSS growth MiB':>15} {'py peak MiB':>12} {'CSV MiB':>8}"
    )
    for size, entries, runs, traced, verify_seconds, verify_output in results:
        base = statistics.median(r["seconds"] for r in runs["baseline"])
        for variant in ("plenary", "baseline"):
            seconds = statistics.median(r["seconds"] for r in runs[variant])
            growth = max(r["rss_growth_kib"] for r in runs[variant]) / 1024
            print(
                f"{size:>9,} {entries:>8,} {variant:>9} {seconds:>8.2f} {seconds / base:>6.2f} "
                f"{growth:>15.1f} {traced[variant]['traced_peak_kib'] / 1024:>12.1f} "
                f"{runs[variant][0]['bytes'] / 2**20:>8.1f}"
            )
        same = {r["sha256"] for variant in runs.values() for r in variant}
        print(f"{'':>9} identical CSV from both variants: {'yes' if len(same) == 1 else 'NO'}")
        print(f"{'':>9} verify_ledger: {verify_seconds:.2f} s ({verify_output[:60]}...)")


if __name__ == "__main__":
    main()
