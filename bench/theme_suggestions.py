"""How long theme suggestions take, and how well they recover known topics.

Generates N short comments (default 5,000) from 8 topics, each comment a few
sentences drawn from its topic's phrases plus common filler, runs
``feedback.themes.suggest.suggest_themes`` (no database) and prints the wall time, the
number of suggestions, and purity / coverage against the known topics:
purity = share of suggested comments whose suggestion's majority topic is their
own; coverage = share of all comments placed in some suggestion.

    .venv/bin/python bench/theme_suggestions.py [N ...]
"""

import random
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback.themes.suggest import suggest_themes

TOPICS = {
    "encryption": "encryption backdoor keys escrow scanning cryptography secure messaging",
    "retention": "retention period delete metadata months storage archive logs",
    "budget": "budget funding money allocation portal costs finance grants",
    "licensing": "licence licensing reuse attribution copyright commercial terms",
    "accessibility": "accessibility disabled screen reader formats plain language braille",
    "privacy": "privacy personal anonymisation consent identifiable profiling",
    "procurement": "procurement vendors contracts tender suppliers lock-in open standards",
    "rural": "rural connectivity broadband villages coverage towers spectrum",
}
FILLER = (
    "we think the draft should be clearer about this point and the ministry must "
    "consider our view because it matters for everyone in the country"
).split()


def make(n: int, seed: int = 0) -> tuple[list[tuple[int, str]], dict[int, str]]:
    rng = random.Random(seed)
    names = list(TOPICS)
    documents, truth = [], {}
    for i in range(1, n + 1):
        topic = names[i % len(names)]
        words = TOPICS[topic].split()
        text = " ".join(
            rng.sample(words, k=rng.randint(2, 4)) + rng.sample(FILLER, k=rng.randint(5, 12))
        )
        rng.shuffle(parts := text.split())
        documents.append((i, " ".join(parts).capitalize() + "."))
        truth[i] = topic
    return documents, truth


def main(sizes: list[int]) -> None:
    for n in sizes:
        documents, truth = make(n)
        tracemalloc.start()
        started = time.perf_counter()
        suggestions = suggest_themes(documents)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        placed = sum(len(s.comment_ids) for s in suggestions)
        pure = sum(
            Counter(truth[i] for i in s.comment_ids).most_common(1)[0][1] for s in suggestions
        )
        print(
            f"{n:>7} comments: {elapsed:6.2f} s, {len(suggestions)} suggestions, "
            f"purity {pure / max(placed, 1):.3f}, coverage {placed / n:.3f}, "
            f"peak Python memory {peak / 2**20:.0f} MiB"
        )
        for s in suggestions:
            print(f"         {len(s.comment_ids):>6}  {s.label}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000, 20000])
