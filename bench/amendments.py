"""Benchmark: what showing an amendment with its context costs (issue 24; not run in CI).

    .venv/bin/python bench/amendments.py

No database.  For paragraphs of 300, 1,500 and 6,000 characters of Markdown
(emphasis, links, line breaks), it times, interleaved round-robin so that a busy
machine slows every variant alike:

* render:  ``plenary.text.render_markdown`` of the paragraph, the baseline: what
  the page pays anyway to show the paragraph;
* locate:  ``comments.amendments.quote.locate`` of a passage in it (each POST
  and edit of an amendment);
* change uncached:  ``change_of`` with the section's plain text computed afresh
  (render, strip, fold, align), what each amendment of a page would cost without
  the cache;
* change cached:  the same through ``section_plain_text``'s cache, what the
  second and later amendments of a paragraph's page cost.

It prints the median and p95 in microseconds.  It asserts nothing about time.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")

ROUNDS = 200
SENTENCE = (
    "Public bodies **must publish** the data they hold, under an [open licence]"
    "(https://example.org/licence), within *ninety days*.\n"
)


def main() -> None:
    import django

    django.setup()
    from comments.amendments import quote
    from comments.amendments.selectors import change_of, section_plain_text
    from comments.models import Amendment
    from plenary.text import render_markdown

    for size in (300, 1500, 6000):
        body = (SENTENCE * (size // len(SENTENCE) + 1))[:size].rsplit("\n", 1)[0]
        body += "\nThe one passage proposed for change is here."
        start, end = quote.locate(body, "proposed for change")
        amendment = Amendment(quote="proposed for change", replacement="x", start=start, end=end)
        section_plain_text.cache_clear()
        section_plain_text(body)
        variants = {
            "render": lambda body=body: render_markdown(body),
            "locate": lambda body=body: quote.locate(body, "proposed for change"),
            "change uncached": lambda body=body, a=amendment: quote.excerpt(
                quote.plain_text(body).text, a.start, a.end
            ),
            "change cached": lambda body=body, a=amendment: change_of(a, section_body=body),
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _n in range(ROUNDS):
            for name, run in variants.items():
                began = time.perf_counter()
                run()
                times[name].append((time.perf_counter() - began) * 1e6)
        print(f"paragraph of {len(body)} characters ({ROUNDS} rounds)")
        for name, values in times.items():
            values.sort()
            p95 = values[int(len(values) * 0.95) - 1]
            print(f"  {name:16} p50 {statistics.median(values):9.1f} µs   p95 {p95:9.1f} µs")


if __name__ == "__main__":
    main()
