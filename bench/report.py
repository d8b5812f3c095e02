"""Benchmark: Plenary's outcome report against a plain WeasyPrint render (not run in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plenary .venv/bin/python bench/report.py

Uses (and creates) a throw-away database, ``plenary_bench_report`` on the
server DATABASE_URL names (``--database`` to change it, ``--rebuild`` to drop
and build it again), filled as bench/ledger_csv.py fills its own: for each
size (2,000 and 20,000 comments by default) a consultation with that many
comments (private and hidden ones among them) and decisions on about 30 %.
Then, each in a fresh subprocess so that one cannot pollute the other's
memory, it measures:

* plenary: ``feedback.report.pdf.build_pdf`` — the whole report (front matter
  rendered twice for the table of contents, the appendix in chunks of
  ``CHUNK_SIZE`` comments laid out by renderer processes, each replaced after
  ``PIECES_PER_PROCESS`` chunks, tagged PDF/UA-1, the pypdf join);
* plain:   the same comments' text (receipt, status, author, text) fetched in
  one query and rendered by WeasyPrint as one document of simple divs,
  without tags: what one would write without thinking about size.

It prints wall time, the ratio to the plain render, the number of pages and
the peak RSS of every process involved: the measured process itself (the
one a Celery worker would be) and the largest of the renderer processes it
started (they run one at a time, each beside the measured process, so the
most memory in use at one moment is at most the sum of the two, printed as
"both").  Each is the process's own ``VmHWM``.  The JSON line of each run
also gives ``ru_maxrss`` of ``RUSAGE_SELF`` and ``RUSAGE_CHILDREN``, which
overstate: Linux carries a parent's peak at the moment it starts a child
into the child's ``ru_maxrss`` (a renderer started by a 150 MB process
reports at least 150 MB, though it used less), and ``RUSAGE_CHILDREN`` is
the largest child's, not their sum.  The plain render starts no renderer.
``--sizes 100000 --skip-plain`` shows whether the report's peak memory stays
flat as the comment count grows.  It prints figures and asserts nothing
about time.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_csv import (  # noqa: E402 (after the path set-up)
    bench_url,
    child_env,
    django_setup,
    ensure_consultation,
    ensure_database,
    peak_rss,
)

PLAIN_CSS = "@page { size: A4; margin: 20mm 18mm; } body { font: 10pt/1.4 'DejaVu Sans'; }"


def run_plenary(slug: str, folder: Path) -> tuple[int, int]:
    """(pages, the largest renderer process's peak RSS in KiB)."""
    from consult.models import Consultation
    from feedback.report import pdf

    consultation = Consultation.objects.get(slug=slug)
    outcome = pdf.build_pdf(consultation=consultation, target=folder / "report.pdf", folder=folder)
    return outcome.page_count, outcome.renderer_peak_kib


def run_plain(slug: str, folder: Path) -> tuple[int, int]:
    from django.utils.html import escape
    from weasyprint import CSS, HTML

    from comments.models import Comment

    rows = Comment.objects.filter(consultation__slug=slug).order_by("created_at", "pk")
    parts = ["<html lang='en'><body>"]
    for receipt, author, body in rows.values_list(
        "receipt", "author__participant__display_name", "body_html"
    ):
        parts.append(f"<div><h3>{receipt}</h3><p>{escape(author or '')}</p><div>{body}</div></div>")
    parts.append("</body></html>")
    document = HTML(string="".join(parts)).render(stylesheets=[CSS(string=PLAIN_CSS)])
    document.write_pdf(str(folder / "plain.pdf"))
    return len(document.pages), 0


def run_child(variant: str, slug: str) -> None:
    import django

    django.setup()
    # Load the libraries before the clock starts, as a worker would have.  The report
    # itself does not load WeasyPrint (its renderer processes do), so only the plain
    # render's process has it.
    if variant == "plain":
        import weasyprint  # noqa: F401
    else:
        import pypdf  # noqa: F401
    from django.db import connection

    connection.ensure_connection()
    with tempfile.TemporaryDirectory(prefix="plenary-bench-") as folder:
        started = time.perf_counter()
        pages, renderer_kib = (run_plenary if variant == "plenary" else run_plain)(
            slug, Path(folder)
        )
        seconds = time.perf_counter() - started
        size = sum(path.stat().st_size for path in Path(folder).glob("*.pdf"))
    figures = {
        "seconds": seconds,
        "pages": pages,
        "peak_kib": peak_rss(),
        "renderer_peak_kib": renderer_kib,
        "maxrss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "bytes": size,
    }
    print(json.dumps(figures))


def measure(url: str, variant: str, slug: str) -> dict:
    ran = subprocess.run(
        [sys.executable, __file__, "--child", variant, slug],
        env=child_env(url),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if ran.returncode:
        sys.exit(f"{variant} failed:\n{ran.stderr[-3000:]}")
    return json.loads(ran.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "SLUG"), help=argparse.SUPPRESS)
    parser.add_argument("--database", default="plenary_bench_report")
    parser.add_argument("--rebuild", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument(
        "--skip-plain", action="store_true", help="only Plenary's report (for 100,000)"
    )
    args = parser.parse_args()
    if args.child:
        run_child(*args.child)
        return

    url = bench_url(os.environ.get("DATABASE_URL", ""), args.database)
    ensure_database(url, rebuild=args.rebuild)
    django_setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    results = []
    for size in args.sizes:
        slug, _entries, built = ensure_consultation(size)
        if built:
            print(f"built {slug} in {built:.1f} s", flush=True)
        variants = ["plenary"] if args.skip_plain else ["plenary", "plain"]
        measured = {}
        for variant in variants:
            measured[variant] = measure(url, variant, slug)
            print(f"  {size:,} {variant}: {measured[variant]}", flush=True)
        results.append((size, measured))

    print()
    print(f"peak RSS in MiB; load average at the end: {os.getloadavg()[0]:.1f}")
    header = f"{'comments':>9} {'variant':>8} {'time s':>8} {'ratio':>6}"
    print(f"{header} {'process':>8} {'renderer':>8} {'both':>6} {'pages':>6}")
    for size, measured in results:
        base = measured.get("plain", {}).get("seconds")
        for variant, figures in measured.items():
            ratio = f"{figures['seconds'] / base:6.2f}" if base else f"{'—':>6}"
            own, child = figures["peak_kib"] / 1024, figures["renderer_peak_kib"] / 1024
            print(
                f"{size:>9,} {variant:>8} {figures['seconds']:>8.1f} {ratio} "
                f"{own:>8.0f} {child:>8.0f} {own + child:>6.0f} {figures['pages']:>6,}"
            )


if __name__ == "__main__":
    main()
