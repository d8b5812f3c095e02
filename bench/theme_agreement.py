"""How well theme suggestions agree with a labelled data set, beside a keyword baseline.

The data set is generated here, with a fixed seed and no network: 6 themes,
80 comments each (about a fifth of them also about a second theme), written in
four styles (formal submissions, short informal remarks, bullet lists,
questions), each theme's ideas said with synonyms and paraphrases, plus filler
every theme shares.  It is split, per theme, into:

- seed: 5 comments per theme, which the team "tagged by hand" (the examples the
  suggester reads, as in the product, where a theme's tagged comments are its
  examples);
- calibration: a third of the rest, on which ``ASSIGN_FLOOR``/``ASSIGN_RATIO``
  were chosen (``--calibrate`` prints the grid);
- test: the rest, never used to choose anything; the figures below are on it.

Three suggesters, on the same test comments in the same run:

- keyword baseline: a theme is suggested when one of its keywords (the words
  of its name and description) appears in the comment;
- before: the unsupervised suggester (``suggest_themes``: k-means clusters),
  each cluster mapped to the theme most of its seed comments carry (generous:
  it is told the answer through the seeds);
- after: ``assign_themes`` (theme profiles from keywords and seed examples).

Prints precision, recall, micro and macro F1 and the time of each.

    .venv/bin/python bench/theme_agreement.py [--calibrate]
"""

from __future__ import annotations

import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback.agreement.measures import Scores, macro_f1, micro, scores
from feedback.themes.suggest import ThemeSeed, assign_themes, suggest_themes

SEED = 23
PER_THEME = 80
SEEDS_PER_THEME = 5

# name, description (the keywords a secretariat would write), and the ideas a commenter
# expresses, each as several paraphrases.
THEMES: dict[str, tuple[str, list[list[str]]]] = {
    "Encryption": (
        "end-to-end encryption, backdoors and message scanning",
        [
            ["end-to-end encryption", "strong encryption", "encrypted messaging", "crypto"],
            ["backdoors", "exceptional access for the police", "a golden key", "weakened ciphers"],
            ["client-side scanning", "scanning private chats", "reading people's messages"],
            ["secure communications", "confidential messages", "private conversations"],
        ],
    ),
    "Data retention": (
        "how long data and logs are kept, and deleting them",
        [
            ["keeping logs for two years", "retention of metadata", "storing traffic records"],
            ["deletion after a fixed period", "erasing old records", "purging stored data"],
            ["how long providers hold call records", "storage periods", "archive duration"],
            ["bulk collection of connection data", "mass storage of browsing history"],
        ],
    ),
    "Accessibility": (
        "accessibility for disabled people: screen readers, plain language, captions",
        [
            ["screen reader users", "blind and partially sighted people", "assistive technology"],
            ["plain language", "easy-read versions", "simpler wording"],
            ["captions on videos", "sign language interpretation", "subtitles"],
            ["people with disabilities", "disabled citizens", "users with impairments"],
        ],
    ),
    "Open source": (
        "open source software, open standards and public procurement",
        [
            ["free software", "open-source code", "publishing the source code"],
            ["vendor lock-in", "dependence on one supplier", "proprietary licences"],
            ["tenders for software", "procurement rules", "public contracts for IT"],
            ["open standards", "interoperable formats", "open file formats"],
        ],
    ),
    "Child safety": (
        "protecting children online: age checks, grooming, harmful content",
        [
            ["age verification", "checking users' age", "age assurance"],
            ["grooming of minors", "predators contacting kids", "abuse of young people"],
            ["harmful content for teenagers", "material unsuitable for kids", "youth exposure"],
            ["parental controls", "help for parents", "family safety settings"],
        ],
    ),
    "Rural connectivity": (
        "broadband coverage in rural areas and villages",
        [
            ["broadband in villages", "fibre to remote farms", "internet in the countryside"],
            ["mobile coverage gaps", "no signal outside towns", "dead zones on the road"],
            ["subsidies for network rollout", "funding masts", "investment in towers"],
            ["satellite links for islands", "fixed wireless for hamlets", "last-mile access"],
        ],
    ),
}
FILLER = [
    "Thank you for the opportunity to comment.",
    "We broadly support the aims of the draft.",
    "This matters a great deal to our members.",
    "The ministry should think again here.",
    "Honestly this part worries me.",
    "Please reconsider before the final version.",
    "Our association has followed this closely.",
    "",
]
OPENINGS = ["We submit that", "It is our considered view that", "Our organisation notes that"]
VERBS = ["needs attention", "is not adequately addressed", "deserves a separate article"]


def _idea(rng: random.Random, theme: str) -> str:
    return rng.choice(rng.choice(THEMES[theme][1]))


def _write(rng: random.Random, themes: list[str]) -> str:
    ideas = [_idea(rng, t) for t in themes for _ in range(rng.randint(1, 2))]
    rng.shuffle(ideas)
    style = rng.choice(["formal", "informal", "bullets", "question"])
    filler = rng.choice(FILLER)
    if style == "formal":
        body = " ".join(f"{rng.choice(OPENINGS)} {i} {rng.choice(VERBS)}." for i in ideas)
        return f"{filler} {body} We remain available for further dialogue.".strip()
    if style == "informal":
        return f"{' and '.join(ideas)}?? seriously, sort this out. {filler}".strip()
    if style == "bullets":
        lines = "\n".join(f"- {i}" for i in ideas)
        return f"Our points:\n{lines}\n{filler}".strip()
    return f"{filler} What does the draft do about {' or '.join(ideas)}?".strip()


def dataset(seed: int = SEED) -> tuple[list[tuple[int, str]], dict[int, set[str]]]:
    """(comment id, text) pairs and each comment's true themes; the same for the same seed."""
    rng = random.Random(seed)
    names = list(THEMES)
    documents, truth = [], {}
    comment_id = 0
    for theme in names:
        for _ in range(PER_THEME):
            comment_id += 1
            labels = [theme]
            if rng.random() < 0.2:
                labels.append(rng.choice([n for n in names if n != theme]))
            documents.append((comment_id, _write(rng, labels)))
            truth[comment_id] = set(labels)
    return documents, truth


def split(documents, truth, seed: int = SEED):
    """Seed examples per theme (by first theme), then calibration and test, fixed."""
    rng = random.Random(seed + 1)
    shuffled = documents[:]
    rng.shuffle(shuffled)
    seeds: dict[str, list[tuple[int, str]]] = {name: [] for name in THEMES}
    rest = []
    for doc in shuffled:
        (first, *_others) = sorted(truth[doc[0]])
        if len(truth[doc[0]]) == 1 and len(seeds[first]) < SEEDS_PER_THEME:
            seeds[first].append(doc)
        else:
            rest.append(doc)
    cut = len(rest) // 3
    return seeds, rest[:cut], rest[cut:]


def evaluate(predicted: dict[int, set[str]], truth: dict[int, set[str]], ids) -> list[Scores]:
    return [
        scores([name in truth[i] for i in ids], [name in predicted.get(i, set()) for i in ids])
        for name in THEMES
    ]


def keyword_baseline(docs) -> dict[int, set[str]]:
    stop = {"and", "the", "for", "in", "of", "how", "are", "them", "people", "a", "to"}
    words = {
        name: {w for w in re.findall(r"[a-z-]+", f"{name} {desc}".lower()) if w not in stop}
        for name, (desc, _ideas) in THEMES.items()
    }
    out = {}
    for i, text in docs:
        present = set(re.findall(r"[a-z-]+", text.lower()))
        out[i] = {name for name, keys in words.items() if keys & present}
    return out


def seeds_for(seeds) -> list[ThemeSeed]:
    return [
        ThemeSeed(
            key=k, keywords=f"{name} {THEMES[name][0]}", examples=tuple(t for _, t in seeds[name])
        )
        for k, name in enumerate(THEMES)
    ]


def named(docs, seeds, **kwargs) -> dict[int, set[str]]:
    names = list(THEMES)
    found = assign_themes(seeds_for(seeds), docs, **kwargs)
    return {i: {names[k] for k in keys} for i, keys in found.items()}


def clusters(docs, seeds, truth) -> dict[int, set[str]]:
    """The unsupervised suggester on seeds + docs; a cluster is named by its seeds' majority."""
    seed_docs = [d for ds in seeds.values() for d in ds]
    out: dict[int, set[str]] = {i: set() for i, _ in docs}
    for s in suggest_themes([*seed_docs, *docs], max_themes=12):
        members = set(s.comment_ids)
        votes = Counter(next(iter(truth[i])) for i, _ in seed_docs if i in members)
        if not votes:
            continue
        name = votes.most_common(1)[0][0]
        for i in members & out.keys():
            out[i].add(name)
    return out


def line(label: str, per_theme: list[Scores], elapsed: float) -> str:
    m = micro(per_theme)
    return (
        f"{label:<34} P {m.precision or 0:.3f}  R {m.recall or 0:.3f}  "
        f"micro F1 {m.f1 or 0:.3f}  macro F1 {macro_f1(per_theme) or 0:.3f}  "
        f"{elapsed * 1000:7.0f} ms"
    )


def main(argv: list[str]) -> None:
    documents, truth = dataset()
    seeds, calibration, test = split(documents, truth)
    multi = sum(1 for labels in truth.values() if len(labels) > 1)
    print(
        f"{len(documents)} comments, {len(THEMES)} themes, {multi} with two themes; "
        f"seed {sum(map(len, seeds.values()))}, calibration {len(calibration)}, test {len(test)}"
    )
    if "--calibrate" in argv:
        ids = [i for i, _ in calibration]
        for floor in (0.0, 0.05, 0.1, 0.15):
            for ratio in (0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
                f1 = micro(
                    evaluate(named(calibration, seeds, floor=floor, ratio=ratio), truth, ids)
                ).f1
                print(f"  calibration floor {floor:.2f} ratio {ratio:.1f}: micro F1 {f1:.3f}")
        return
    ids = [i for i, _ in test]
    runs = [
        ("keyword baseline", lambda: keyword_baseline(test)),
        ("before: clusters (suggest_themes)", lambda: clusters(test, seeds, truth)),
        ("after: named themes (assign_themes)", lambda: named(test, seeds)),
    ]
    print(f"test split, {len(ids)} comments:")
    for label, run in runs:
        started = time.perf_counter()
        predicted = run()
        elapsed = time.perf_counter() - started
        per_theme = evaluate(predicted, truth, ids)
        print(line(label, per_theme, elapsed))
        for name, s in zip(THEMES, per_theme, strict=True):
            print(
                f"    {name:<20} P {s.precision or 0:.3f} R {s.recall or 0:.3f} F1 {s.f1 or 0:.3f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
