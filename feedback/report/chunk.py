"""The outcome report's renderer process: lays out pieces of the report with WeasyPrint.

``feedback.report.pdf`` starts it with ``subprocess`` (``python -m
feedback.report.chunk``, in the project's folder, with the parent's
environment) and talks to it over pipes, one JSON object per line:

* parent → child: ``{"html": path, "pdf": path, "title": str, "first_page": int,
  "css": path, "base_url": str}``: the piece's HTML, already rendered from
  the database by the parent, and where to write its PDF;
* child → parent: ``{"pages": int, "page_heights": [...], "bookmarks": [...],
  "anchors": {...}, "peak_kib": int}`` once the PDF is written, or
  ``{"error": "Type: message"}``, after which it exits with status 1.

The process exits when its input ends.  The parent replaces it after a few
pieces (``feedback.report.pdf.PIECES_PER_PROCESS``), so the memory WeasyPrint,
fontconfig and the allocator keep from one document to the next is returned
to the system with the process, and the report's memory does not grow with
its length.  The child reads no database and imports no Django: everything it
needs is in the job.  (``multiprocessing`` is not used because the report
runs inside a Celery prefork worker, whose daemonic processes may not start
``multiprocessing`` children.)
"""

import json
import logging
import os
import resource
import sys


def page_css(*, title: str, first_page: int) -> str:
    """Per-document CSS: the running title and where the page counter starts."""
    cleaned = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return (
        f'@page {{ @top-left {{ content: "{cleaned}"; }} }}\n'
        f"@page :first {{ counter-reset: page {first_page}; }}\n"
    )


def render(job: dict) -> dict:
    """Lay out one piece, write its PDF (tagged, PDF/UA-1), return what the join needs."""
    from weasyprint import CSS, HTML  # loaded on demand: only the renderer process lays out

    with open(job["html"], encoding="utf-8") as source:
        html = source.read()
    document = HTML(string=html, base_url=job["base_url"]).render(
        stylesheets=[
            CSS(filename=job["css"]),
            CSS(string=page_css(title=job["title"], first_page=job["first_page"])),
        ],
        pdf_tags=True,
    )
    del html
    bookmarks, anchors, heights = [], {}, []
    for index, page in enumerate(document.pages):
        heights.append(page.height)
        for level, label, (_x, y), _state in page.bookmarks:
            bookmarks.append((level, label, index, y))
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    document.write_pdf(job["pdf"], pdf_variant="pdf/ua-1")
    return {
        "pages": len(document.pages),
        "page_heights": heights,
        "bookmarks": bookmarks,
        "anchors": anchors,
        "peak_kib": peak_kib(),
    }


def peak_kib() -> int:
    """This process's own peak resident memory (KiB).

    ``VmHWM`` on Linux, not ``ru_maxrss``: Linux carries the peak of the
    process that started us (before ``exec``) into our ``ru_maxrss``, so a
    renderer started by a 300 MB worker would report at least 300 MB.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    # The replies go to the pipe the parent reads; anything else written to
    # standard output (by a library) goes to standard error, not into a reply.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # WeasyPrint logs every page it lays out at INFO.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    for line in sys.stdin:
        try:
            reply = render(json.loads(line))
        except Exception as exc:
            logging.getLogger(__name__).exception("rendering a piece of the report failed")
            replies.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            replies.flush()
            return 1
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
