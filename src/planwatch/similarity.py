"""Which concerns raise the same matter: TF-IDF cosine similarity of their texts.

Why TF-IDF rather than PostgreSQL trigrams: it runs the same on SQLite and PostgreSQL, the
whole estate (about 4,000 concerns) is compared in a second or two with sparse matrices, and
the weight of each word comes from the estate itself, so words every report uses ("prisoners",
"staff") count for little while the matter's own words ("segregation", "OASys") count most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Chosen on the "tune" part of tests/fixtures/similar/pairs.json (benchmarks/similar.py
# prints precision and recall at it on the held-out part).
THRESHOLD = 0.19

# Words nearly every concern uses: they say nothing of the matter raised.
DOMAIN_STOP_WORDS = frozenset(
    [
        "prison",
        "prisons",
        "prisoner",
        "prisoners",
        "men",
        "man",
        "women",
        "woman",
        "people",
        "staff",
        "officers",
        "officer",
        "leaders",
        "many",
        "too",
        "few",
        "not",
        "no",
        "poor",
        "weak",
        "good",
        "enough",
        "often",
        "most",
        "some",
        "little",
        "long",
        "lack",
        "lacked",
        "were",
        "was",
        "had",
        "did",
        "could",
        "would",
        "should",
        "told",
        "us",
        "said",
        "there",
        "their",
        "they",
        "them",
        "this",
        "that",
        "which",
        "who",
        "what",
        "when",
        "also",
        "very",
        "well",
        "including",
        "including",
    ]
)
_WORD = re.compile(r"[a-z][a-z0-9]+")
# Longest first; stripped up to twice ("mentally" -> "mental" -> "ment").
_SUFFIXES = tuple(
    sorted(
        [
            "isations",
            "isation",
            "ations",
            "ation",
            "ments",
            "ment",
            "ness",
            "ities",
            "ity",
            "ively",
            "ive",
            "ingly",
            "ings",
            "ing",
            "ised",
            "ises",
            "ise",
            "ated",
            "ates",
            "ate",
            "ied",
            "ies",
            "ed",
            "es",
            "er",
            "ers",
            "ent",
            "ence",
            "ences",
            "ly",
            "al",
            "s",
        ],
        key=len,
        reverse=True,
    )
)


def _stem(word: str) -> str:
    """A light suffix strip, so that "violent" and "violence", "segregated" and
    "segregation" meet; a full stemmer would need another dependency for little gain."""
    for _ in range(2):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word.rstrip("e") if len(word) > 4 else word


def words(text: str) -> list[str]:
    """The words of a text that can say what matter it raises, stemmed."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    found = []
    for word in _WORD.findall(text.lower()):
        if word in ENGLISH_STOP_WORDS or word in DOMAIN_STOP_WORDS:
            continue
        found.append(_stem(word))
    return found


@dataclass(frozen=True)
class Pair:
    """Two texts (by their positions) and how alike they are, from 0 to 1."""

    first: int
    second: int
    score: float


def _joined(text: str) -> str:
    return " ".join(words(text))


def _vectors(corpus: Sequence[str]) -> Any:
    """Each text as the words it uses and the letter sequences within them (three to five
    letters), weighted half each: the letters catch forms the stemming misses ("violent",
    "violence"), the words keep the matter. The cosine of two rows is the mean of the two
    cosines."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(corpus)
    by_word = TfidfVectorizer(analyzer=words, sublinear_tf=True).fit_transform(texts)
    by_letters = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=_joined
    ).fit_transform(texts)
    half = 0.5**0.5
    return hstack([by_word * half, by_letters * half]).tocsr()


def similar_pairs(
    corpus: Sequence[str],
    threshold: float = THRESHOLD,
    among: Sequence[int] | None = None,
) -> list[Pair]:
    """Pairs of texts of `corpus` whose cosine similarity is at least `threshold`, each pair
    once (first < second). With `among`, only pairs with at least one text in it (the texts
    just stored), which is what storing a plan needs; the weights still come from the whole
    corpus."""
    if len(corpus) < 2:
        return []
    import numpy

    matrix = _vectors(corpus)
    rows = numpy.array(
        sorted(set(among)) if among is not None else range(len(corpus)), dtype=numpy.int64
    )
    if not len(rows):
        return []
    fresh = numpy.zeros(len(corpus), dtype=bool)
    fresh[rows] = True
    found: list[Pair] = []
    # In slices of rows, so that the products held at once stay small.
    for begin in range(0, len(rows), 500):
        chosen = rows[begin : begin + 500]
        scores = (matrix[chosen] @ matrix.T).tocoo()
        firsts = chosen[scores.row]
        seconds = scores.col.astype(numpy.int64)
        # Each pair once: from the lower position, unless the other text is not fresh.
        keep = (scores.data >= threshold) & (firsts != seconds)
        keep &= (firsts < seconds) | ~fresh[seconds]
        for first, second, value in zip(
            firsts[keep], seconds[keep], scores.data[keep], strict=True
        ):
            low, high = (int(first), int(second)) if first < second else (int(second), int(first))
            found.append(Pair(low, high, round(float(value), 4)))
    found.sort(key=lambda pair: (pair.first, pair.second))
    return found


def score(corpus: Sequence[str], first: int, second: int) -> float:
    """The similarity of two texts of `corpus`, weighted by the whole corpus."""
    matrix = _vectors(corpus)
    product = matrix[first] @ matrix[second].T
    return float(product.toarray()[0][0])
