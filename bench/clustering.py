"""Benchmark of campaign detection (feedback.clusters.clustering.cluster_texts).

    .venv/bin/python bench/clustering.py [--comments 100000] [--campaigns 20] [--db 2000]

Generates comments in memory: 90 % from ``--campaigns`` campaign texts, each
copy with small edits (words swapped, inserted or deleted, case and
punctuation changed, often a personal sentence added), and 10 % unique texts
drawn from the same vocabulary.  Runs the clustering and prints its time,
the peak resident memory of the process, and *pairwise* precision and recall
against the known campaigns: a pair of comments is a true pair when both
come from the same campaign; precision is the share of pairs put in one
cluster that are true pairs, recall the share of true pairs put in one
cluster.  Unique texts are singletons of the truth, so a unique text wrongly
joined to a campaign costs precision.

``--db N`` also times ``feedback.clusters.services.clusters_rebuild`` on N
comments in a throw-away SQLite database (writes included).  Prints figures;
never asserts on time.
"""

import argparse
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback.clusters.clustering import cluster_texts

SYLLABLES = "ka to ri sen mo la pe du vi an or ex ti qua bel mar son cor fi ne".split()


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    vocab = sorted(words)
    rng.shuffle(vocab)
    return vocab


def sentence(rng: random.Random, vocab: list[str], weights: list[float], n: int) -> list[str]:
    return rng.choices(vocab, weights=weights, k=n)


def campaign_copy(rng: random.Random, template: list[str], vocab, weights) -> str:
    words = list(template)
    for _ in range(rng.randint(1, 4)):
        edit = rng.choice(("swap", "insert", "delete", "case", "punctuation"))
        i = rng.randrange(len(words) - 1)
        if edit == "swap":
            words[i], words[i + 1] = words[i + 1], words[i]
        elif edit == "insert":
            words.insert(i, rng.choice(vocab))
        elif edit == "delete":
            del words[i]
        elif edit == "case":
            words[i] = words[i].upper()
        else:
            words[i] += rng.choice(",.;!?")
    if rng.random() < 0.6:
        personal = sentence(rng, vocab, weights, rng.randint(6, 20))
        personal[0] = personal[0].capitalize()
        if rng.random() < 0.5:
            words = [*personal, ".", *words]
        else:
            words = [*words, ".", *personal]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = text.lower()
    return text


def generate(n: int, campaigns: int, seed: int = 5):
    """``n`` (text, campaign or None) pairs, shuffled."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    # Zipf-like word frequencies, so that unrelated texts share common words.
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    templates = [sentence(rng, vocab, weights, rng.randint(40, 140)) for _ in range(campaigns)]
    n_campaign = n * 9 // 10
    comments = [
        (campaign_copy(rng, templates[i % campaigns], vocab, weights), i % campaigns)
        for i in range(n_campaign)
    ]
    comments += [
        (" ".join(sentence(rng, vocab, weights, rng.randint(8, 160))), None)
        for _ in range(n - n_campaign)
    ]
    rng.shuffle(comments)
    return comments


def pairs(sizes) -> int:
    return sum(size * (size - 1) // 2 for size in sizes)


def score(comments, clusters) -> tuple[float, float]:
    predicted_of = {}
    for number, cluster in enumerate(clusters):
        for key, _similarity in cluster.members:
            predicted_of[key] = number
    truth = Counter(campaign for _text, campaign in comments if campaign is not None)
    both = Counter(
        (predicted_of[i], campaign)
        for i, (_text, campaign) in enumerate(comments)
        if campaign is not None and i in predicted_of
    )
    true_positive = pairs(both.values())
    predicted = pairs(cluster.size for cluster in clusters)
    actual = pairs(truth.values())
    return true_positive / predicted if predicted else 1.0, true_positive / actual


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def db_run(n: int, comments) -> None:
    """Time clusters_rebuild on ``n`` comments in a throw-away SQLite database."""
    import tempfile

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plenary.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from comments.models import Comment
        from comments.threads.receipts import new_receipt
        from feedback.clusters.services import clusters_rebuild
        from feedback.models import CampaignCluster
        from tests.consult.factories import open_consultation
        from tests.stakeholders.factories import ParticipantFactory, convenor

        consultation = open_consultation(secretariat=convenor(email="bench@example.org"))
        author = ParticipantFactory().user
        section = consultation.versions.get().sections.first()
        round_ = consultation.rounds.get()
        Comment.objects.bulk_create(
            Comment(
                receipt=new_receipt(),
                consultation=consultation,
                round=round_,
                section=section,
                author=author,
                body=text,
                body_html=text,
            )
            for text, _campaign in comments[:n]
        )
        for run in (1, 2):
            started, cpu_started = time.perf_counter(), time.process_time()
            made = clusters_rebuild(consultation_id=consultation.pk)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            print(
                f"db run {run}: {n} comments, {made} clusters written in {elapsed:.2f} s "
                f"({cpu:.2f} s CPU in this process) "
                f"({CampaignCluster.objects.count()} clusters in the table)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--db", type=int, default=0, help="also time a database run on N comments")
    args = parser.parse_args()

    started = time.perf_counter()
    comments = generate(args.comments, args.campaigns)
    print(f"generated {len(comments)} comments in {time.perf_counter() - started:.1f} s")
    before = peak_mib()
    started, cpu_started = time.perf_counter(), time.process_time()
    clusters = cluster_texts((i, text) for i, (text, _campaign) in enumerate(comments))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    precision, recall = score(comments, clusters)
    print(f"clustering: {elapsed:.1f} s ({cpu:.1f} s CPU), {len(clusters)} clusters (size >= 2)")
    print(f"pairwise precision {precision:.4f}, pairwise recall {recall:.4f}")
    print(f"peak RSS {peak_mib():.0f} MiB (before clustering {before:.0f} MiB)")
    if args.db:
        db_run(args.db, comments)


if __name__ == "__main__":
    main()
