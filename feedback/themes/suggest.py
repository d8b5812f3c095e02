"""Theme suggestions from comment texts: TF-IDF, LSA and k-means (scikit-learn).

Pure functions over ``(comment id, text)`` pairs, testable without the
database; ``feedback.themes.services.theme_suggestions_compute`` feeds them and stores
the result as pending ``ThemeSuggestion`` rows that a person accepts or
rejects.  Nothing here is ever applied to comments by itself.

The pipeline, and why:

1. TF-IDF over words and word pairs (English stop words, sublinear term
   frequency, terms in at least two comments once there are enough comments):
   comments are short, and a few shared content words are what a theme is.
2. LSA (``TruncatedSVD`` to at most 100 dimensions, rows normalised): k-means
   on sparse, very high-dimensional vectors splits on noise; a low-rank
   projection groups comments that share related words, and makes every
   later step cheap (10,000 comments cluster in seconds on one core).
3. k-means for every k from 2 to ``max_themes``; the k with the best cosine
   silhouette (on a fixed sample of at most 2,000 comments) wins.  No k to
   guess, and a fixed ``random_state``: the same comments in the same order
   always give the same suggestions.
4. Clusters whose mean TF-IDF vectors are close (cosine >= ``MERGE_SIMILARITY``)
   are merged, closest pair first: on a few hundred short comments the
   silhouette likes to cut one theme in two by a side word ("strong
   encryption" / "encryption"), and a person would rather split a suggestion
   by deselecting comments than stitch two together.
5. Each cluster's label is its top terms by mean TF-IDF weight inside the
   cluster; clusters smaller than ``min_size`` are dropped (they are not a
   theme yet).

Only English stop words are removed (the only list scikit-learn ships); in
other languages frequent function words weigh less through IDF alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

# Words of links and Markdown that say nothing about a comment's subject.
EXTRA_STOP_WORDS = frozenset({"http", "https", "www", "com", "org", "html"})
SEED = 0
SILHOUETTE_SAMPLE = 2000
LSA_DIMENSIONS = 100
MERGE_SIMILARITY = 0.2
# Words of two or more characters starting with a letter: no bare numbers.
WORD_PATTERN = r"(?u)\b[^\W\d_][^\W_]+\b"


@dataclass(frozen=True)
class SuggestedTheme:
    label: str
    terms: list[str]
    comment_ids: list[int]


def suggest_themes(
    documents: Iterable[tuple[int, str]],
    *,
    max_themes: int = 12,
    min_size: int = 2,
    n_terms: int = 6,
    label_terms: int = 3,
) -> list[SuggestedTheme]:
    """Group ``(comment_id, text)`` pairs into suggested themes, largest first.

    Returns an empty list when there is too little text to group (fewer than
    ``2 * min_size`` comments, or no shared vocabulary).  Deterministic for
    the same input order.
    """
    docs = [(comment_id, text) for comment_id, text in documents if text and text.strip()]
    if len(docs) < 2 * min_size:
        return []
    ids = [comment_id for comment_id, _ in docs]
    texts = [text for _, text in docs]
    # One thread: the worker shares the machine, and BLAS threads would only
    # make the result depend on scheduling.
    with threadpool_limits(limits=1):
        return _suggest(ids, texts, max_themes, min_size, n_terms, label_terms)


def _vectorise(texts: Sequence[str]):
    vectoriser = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS),
        ngram_range=(1, 2),
        sublinear_tf=True,
        # A term in one comment only cannot tie comments together; on a handful
        # of comments keep every term so there is something to compare.
        min_df=2 if len(texts) >= 10 else 1,
        max_df=0.9,
        token_pattern=WORD_PATTERN,
        dtype=np.float64,
    )
    try:
        matrix = vectoriser.fit_transform(texts)
    except ValueError:  # empty vocabulary: only stop words, or nothing shared
        return None, None
    return matrix, vectoriser.get_feature_names_out()


def _project(matrix):
    """LSA: a normalised low-rank projection (the TF-IDF rows themselves when tiny)."""
    n_docs, n_terms = matrix.shape
    dimensions = min(LSA_DIMENSIONS, n_terms - 1, n_docs - 1)
    if dimensions < 2:
        return matrix.toarray()
    reduced = TruncatedSVD(n_components=dimensions, random_state=SEED).fit_transform(matrix)
    return normalize(reduced)


def _best_labels(points, max_k: int) -> np.ndarray | None:
    best_score, best = -1.0, None
    sample = min(SILHOUETTE_SAMPLE, points.shape[0])
    for k in range(2, max_k + 1):
        labels = KMeans(n_clusters=k, random_state=SEED, n_init=4).fit_predict(points)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(
            points, labels, metric="cosine", sample_size=sample, random_state=SEED
        )
        # Strictly better only: on a tie the fewer, broader themes win.
        if score > best_score + 1e-9:
            best_score, best = score, labels
    return best


def _merge_close(matrix, labels: np.ndarray) -> np.ndarray:
    """Merge the closest pair of clusters while their centroids' cosine reaches the bar."""
    labels = labels.copy()
    while True:
        clusters = sorted(set(labels.tolist()))
        if len(clusters) < 2:
            return labels
        centroids = normalize(
            np.vstack([np.asarray(matrix[labels == c].mean(axis=0)) for c in clusters])
        )
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -1.0)
        i, j = np.unravel_index(np.argmax(similarity), similarity.shape)
        if similarity[i, j] < MERGE_SIMILARITY:
            return labels
        labels[labels == clusters[max(i, j)]] = clusters[min(i, j)]


def _suggest(ids, texts, max_themes, min_size, n_terms, label_terms) -> list[SuggestedTheme]:
    matrix, vocabulary = _vectorise(texts)
    if matrix is None or matrix.shape[1] < 2:
        return []
    points = _project(matrix)
    max_k = min(max_themes, len(ids) // min_size, len(ids) - 1)
    if max_k < 2:
        return []
    labels = _best_labels(points, max_k)
    if labels is None:
        return []
    labels = _merge_close(matrix, labels)
    suggestions = []
    for cluster in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == cluster)
        if len(rows) < min_size:
            continue
        weights = np.asarray(matrix[rows].mean(axis=0)).ravel()
        # Highest weight first; ties broken by the term itself, so the order is stable.
        order = sorted(np.flatnonzero(weights), key=lambda i: (-weights[i], vocabulary[i]))
        terms = [str(vocabulary[i]) for i in order[:n_terms]]
        if not terms:
            continue
        suggestions.append(
            SuggestedTheme(
                label=", ".join(terms[:label_terms])[:120],
                terms=terms,
                comment_ids=sorted(ids[i] for i in rows),
            )
        )
    suggestions.sort(key=lambda s: (-len(s.comment_ids), s.comment_ids[0]))
    return suggestions


# --- named themes: which of the team's themes each comment is about -------------------------
#
# Once the team has named its themes (a name, a description, a few comments tagged by
# hand), suggesting is no longer finding groups but telling, for each comment, which
# of those themes it is about.  Each theme becomes a profile: the mean TF-IDF vector
# of its example comments plus the vector of its name and description, normalised.
# A comment gets its closest theme when the cosine reaches ``ASSIGN_FLOOR``, and
# every other theme whose cosine reaches ``ASSIGN_RATIO`` times the best one (a
# comment may be about two themes).  Both constants were chosen on the calibration
# split of bench/theme_agreement.py, never on its test split.

ASSIGN_FLOOR = 0.05
ASSIGN_RATIO = 0.4
KEYWORD_WEIGHT = 1.0
SELF_TRAINING_ROUNDS = 3
MAX_SHARE = 0.08


@dataclass(frozen=True)
class ThemeSeed:
    """A named theme as the suggester sees it: its words and its hand-tagged examples."""

    key: int
    keywords: str
    examples: tuple[str, ...] = ()


def assign_themes(
    themes: Sequence[ThemeSeed],
    documents: Iterable[tuple[int, str]],
    *,
    floor: float = ASSIGN_FLOOR,
    ratio: float = ASSIGN_RATIO,
) -> dict[int, set[int]]:
    """Suggest, for each ``(comment_id, text)``, the keys of the themes it is about.

    Every comment id appears in the result (with an empty set when no theme is
    close enough).  The TF-IDF vocabulary is fitted on the documents, the
    examples and the keywords together (no labels are read); deterministic.
    """
    docs = [(comment_id, text or "") for comment_id, text in documents]
    result: dict[int, set[int]] = {comment_id: set() for comment_id, _ in docs}
    if not docs or not themes:
        return result
    with threadpool_limits(limits=1):
        scores = _theme_scores(themes, [text for _, text in docs], floor)
    if scores is None:
        return result
    keys = [theme.key for theme in themes]
    for row, (comment_id, _) in enumerate(docs):
        best = float(scores[row].max())
        if best < floor:
            continue
        result[comment_id] = {
            keys[j] for j in np.flatnonzero(scores[row] >= max(floor, ratio * best))
        }
    return result


def _theme_scores(themes: Sequence[ThemeSeed], texts: Sequence[str], floor: float):
    """Cosine of each text (rows) to each theme's profile (columns), or None."""
    examples = [example for theme in themes for example in theme.examples]
    vectoriser = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | EXTRA_STOP_WORDS),
        ngram_range=(1, 2),
        sublinear_tf=True,
        # Words in more than MAX_SHARE of the comments are how people write (greetings,
        # "we submit that"), not what about: left out, or self-training follows style.
        max_df=MAX_SHARE if len(texts) >= 50 else 1.0,
        token_pattern=WORD_PATTERN,
        dtype=np.float64,
    )
    try:
        vectoriser.fit([*texts, *examples, *(theme.keywords for theme in themes)])
    except ValueError:  # empty vocabulary
        return None
    profiles = []
    for theme in themes:
        keyword_vector = vectoriser.transform([theme.keywords]).toarray()[0]
        profile = KEYWORD_WEIGHT * normalize(keyword_vector.reshape(1, -1))[0]
        if theme.examples:
            example_mean = np.asarray(vectoriser.transform(theme.examples).mean(axis=0)).ravel()
            profile = profile + normalize(example_mean.reshape(1, -1))[0]
        profiles.append(profile)
    documents = normalize(vectoriser.transform(texts))
    seeded = normalize(np.vstack(profiles))
    scores = np.asarray(documents @ seeded.T)
    # Self-training: each theme's profile also takes the mean of the comments that are
    # closest to it, so words the examples never used but their neighbours do (synonyms,
    # paraphrases) count too; the seeded profile keeps the theme anchored.
    # Only comments the seeded profiles reach at all take part: with a single theme every
    # comment would otherwise be "closest" to it and pull the profile everywhere.
    reached = scores.max(axis=1) >= floor
    for _round in range(SELF_TRAINING_ROUNDS):
        nearest = np.where(reached, scores.argmax(axis=1), -1)
        profiles = []
        for j in range(len(themes)):
            rows = np.flatnonzero(nearest == j)
            if len(rows) == 0:
                profiles.append(seeded[j])
                continue
            mean = normalize(np.asarray(documents[rows].mean(axis=0)).reshape(1, -1))[0]
            profiles.append(seeded[j] + mean)
        scores = np.asarray(documents @ normalize(np.vstack(profiles)).T)
    return scores


def text_similarities(text: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity of ``text`` to each of ``others``, over the same TF-IDF as the suggestions.

    One vocabulary is fitted on ``text`` and ``others`` together (words and word
    pairs, stop words left out), so two texts score high when they share the
    content words that are rare among the rest.  0.0 for every text when there
    is nothing to compare (no shared vocabulary, or ``text`` blank).
    Deterministic; cheap for a few hundred short texts.
    """
    if not others:
        return []
    if not (text or "").strip():
        return [0.0] * len(others)
    with threadpool_limits(limits=1):
        matrix, _terms = _vectorise([text, *(other or "" for other in others)])
    if matrix is None:
        return [0.0] * len(others)
    # TfidfVectorizer's rows are L2-normalised: a dot product is the cosine.
    scores = (matrix[1:] @ matrix[0].T).toarray().ravel()
    return [round(float(score), 3) for score in scores]
