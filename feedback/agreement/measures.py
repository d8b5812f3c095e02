"""Agreement measures in plain Python: Cohen's kappa, precision, recall and F1.

No database and no scikit-learn, so the web process can compute them on a
sample's codings (``tests/feedback/agreement`` cross-checks them against
scikit-learn's ``cohen_kappa_score`` and ``precision_recall_fscore_support``).

A theme is a binary label over a sample: each comment carries it or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> float | None:
    """Cohen's kappa of two coders' binary labels over the same items.

    With ``n`` items, ``p_o`` the share on which the coders agree, and
    ``p1``, ``p2`` the shares each coder marked present::

        p_e   = p1 * p2 + (1 - p1) * (1 - p2)     (agreement expected by chance)
        kappa = (p_o - p_e) / (1 - p_e)

    1 is perfect agreement, 0 what chance gives, below 0 worse than chance.
    ``None`` when undefined: no items, or ``p_e == 1`` (both coders gave the
    same single answer to every item, so chance explains everything).
    """
    if len(first) != len(second):
        raise ValueError("both codings must label the same items")
    n = len(first)
    if n == 0:
        return None
    agree = sum(1 for a, b in zip(first, second, strict=True) if bool(a) == bool(b))
    p_o = agree / n
    p1 = sum(1 for a in first if a) / n
    p2 = sum(1 for b in second if b) / n
    p_e = p1 * p2 + (1 - p1) * (1 - p2)
    if p_e >= 1.0:
        return None
    return (p_o - p_e) / (1 - p_e)


@dataclass(frozen=True)
class Scores:
    """Counts and scores of predicted labels against true ones.

    ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
    ``f1 = 2 * precision * recall / (precision + recall) = 2tp / (2tp + fp + fn)``;
    each is ``None`` when its denominator is 0 (nothing predicted, nothing true).
    """

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None


def scores(truth: Iterable[bool], predicted: Iterable[bool]) -> Scores:
    """Count true positives, false positives and false negatives over paired labels."""
    tp = fp = fn = 0
    for t, p in zip(truth, predicted, strict=True):
        if p and t:
            tp += 1
        elif p:
            fp += 1
        elif t:
            fn += 1
    return Scores(tp, fp, fn)


def micro(per_label: Iterable[Scores]) -> Scores:
    """Micro-average: the counts of every label summed, then scored once."""
    tp = fp = fn = 0
    for s in per_label:
        tp, fp, fn = tp + s.tp, fp + s.fp, fn + s.fn
    return Scores(tp, fp, fn)


def macro_f1(per_label: Iterable[Scores]) -> float | None:
    """Macro-average F1: the mean of the labels' F1, over labels where it is defined."""
    values = [s.f1 for s in per_label if s.f1 is not None]
    return sum(values) / len(values) if values else None
