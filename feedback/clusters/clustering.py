"""Campaign detection: group exact and near-duplicate comment texts.

Pure functions over ``(key, text)`` pairs, with no database, so the
algorithm can be tested and benchmarked on its own (``bench/clustering.py``);
``feedback.clusters.services`` feeds it a consultation's comments and writes
the result.

How it works, cheapest step first:

1. ``normalise``: lower case, Unicode compatibility form, punctuation and
   runs of whitespace folded to one space.  Texts that are equal after this
   are *exact duplicates*: grouped by a hash, and only one text per group
   goes on.
2. Every distinct text becomes a set of word shingles (``SHINGLE_WORDS``
   consecutive words) and a MinHash signature (datasketch, ``NUM_PERM``
   permutations): the share of equal positions in two signatures estimates
   the Jaccard similarity of the two shingle sets.
3. Locality-sensitive hashing: the signature is cut into ``b`` bands of
   ``r`` rows (datasketch's ``MinHashLSH`` picks ``b`` and ``r`` for
   ``THRESHOLD``); texts whose band is identical land in one bucket.  A
   bucket is checked against its first text only (a star, not all pairs), so
   a 5,000-strong campaign costs 5,000 comparisons per band, not 12.5
   million; the bucketing is done on the whole signature matrix with numpy
   rather than by querying the index once per text, for the same reason.
4. A candidate pair whose estimated similarity reaches ``THRESHOLD`` is
   joined (union-find); the connected groups of two comments or more are the
   clusters.  The representative is the earliest text (the caller's order),
   and each member's ``similarity`` is its estimated Jaccard similarity to
   the representative (1.0 for an exact copy).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

SHINGLE_WORDS = 3
NUM_PERM = 128
# The estimated Jaccard similarity (of word-shingle sets) from which two texts
# are one campaign.  Chosen with bench/clustering.py: campaign copies with a
# few edited words and an added personal sentence score 0.4-0.8 against each
# other; unrelated texts score near 0.
THRESHOLD = 0.4
SEED = 1

_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Cluster:
    """One group of duplicates: the representative's key and every member's.

    ``members`` holds ``(key, similarity)`` pairs in the caller's order,
    the representative first with similarity 1.0.
    """

    representative: Hashable
    members: tuple[tuple[Hashable, float], ...]

    @property
    def size(self) -> int:
        return len(self.members)


def normalise(text: str) -> str:
    """Case, width, punctuation and whitespace folded: what two copies of a text share."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCTUATION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def shingles(normalised: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """The set of ``size``-word shingles of a normalised text (the whole text if shorter)."""
    words = normalised.split(" ")
    if len(words) <= size:
        return {normalised.encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        root_i, root_j = self.find(i), self.find(j)
        if root_i != root_j:
            # The smaller index (the earlier text) stays the root.
            if root_j < root_i:
                root_i, root_j = root_j, root_i
            self.parent[root_j] = root_i


def signatures(texts: Sequence[str], *, num_perm: int = NUM_PERM) -> np.ndarray:
    """MinHash signatures of normalised texts: one row of ``num_perm`` uint32 per text."""
    if not texts:
        return np.zeros((0, num_perm), dtype=np.uint32)
    minhashes = MinHash.generator((shingles(text) for text in texts), num_perm=num_perm, seed=SEED)
    return np.vstack([minhash.hashvalues for minhash in minhashes])


def _band_pairs(
    sig: np.ndarray, *, bands: int, rows: int
) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """Per band, (anchors, others): each text paired with the first text of its bucket."""
    n = sig.shape[0]
    for band in range(bands):
        block = np.ascontiguousarray(sig[:, band * rows : (band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        anchors = first[inverse.ravel()]
        others = np.arange(n)
        paired = anchors != others
        yield anchors[paired], others[paired]


def cluster_texts(
    items: Iterable[tuple[Hashable, str]],
    *,
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
) -> list[Cluster]:
    """Group exact and near-duplicate texts; return the clusters of two or more, largest first.

    ``items`` are ``(key, text)`` pairs in priority order: the first text of
    a cluster is its representative (pass the oldest comment first).  Texts
    empty after normalisation are left out.
    """
    keys: list[Hashable] = []
    distinct_of: list[int] = []  # item index -> distinct-text index
    distinct: dict[bytes, int] = {}  # digest of the normalised text -> distinct-text index
    distinct_texts: list[str] = []
    for key, text in items:
        normalised = normalise(text)
        if not normalised:
            continue
        digest = hashlib.blake2b(normalised.encode(), digest_size=16).digest()
        index = distinct.setdefault(digest, len(distinct_texts))
        if index == len(distinct_texts):
            distinct_texts.append(normalised)
        keys.append(key)
        distinct_of.append(index)

    sig = signatures(distinct_texts, num_perm=num_perm)
    groups = _UnionFind(len(distinct_texts))
    if len(distinct_texts) > 1:
        # datasketch's LSH picks the bands and rows that balance misses against
        # false candidates for this threshold; candidates are then verified.
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        for anchors, others in _band_pairs(sig, bands=lsh.b, rows=lsh.r):
            agree = (sig[anchors] == sig[others]).mean(axis=1)
            for anchor, other in zip(
                anchors[agree >= threshold].tolist(),
                others[agree >= threshold].tolist(),
                strict=True,
            ):
                groups.union(anchor, other)

    by_root: dict[int, list[int]] = {}
    for item, index in enumerate(distinct_of):
        by_root.setdefault(groups.find(index), []).append(item)
    clusters = []
    for members in by_root.values():
        if len(members) < 2:
            continue
        first = distinct_of[members[0]]
        member_distinct = np.array([distinct_of[item] for item in members])
        similarity = (sig[member_distinct] == sig[first]).mean(axis=1)
        similarity[member_distinct == first] = 1.0
        clusters.append(
            Cluster(
                representative=keys[members[0]],
                members=tuple(
                    (keys[item], round(float(score), 3))
                    for item, score in zip(members, similarity.tolist(), strict=True)
                ),
            )
        )
    clusters.sort(key=lambda cluster: -cluster.size)
    return clusters
