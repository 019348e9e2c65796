"""Classify a concern's healthy prison area and topics from its text and its actions' text.

A transparent method: TF-IDF features (words and word pairs, and character n-grams for
spelling variants) and linear models (logistic regression): one choosing among the four
areas, and one per topic saying how likely it applies. A concern gets every topic whose
probability reaches a threshold chosen on the labelled set's development part, and at least
its most likely topic. Trained on `labelled.tsv` (shipped with the package), once per
process, deterministically.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planwatch import labels

LABELLED = Path(__file__).with_name("labelled.tsv")
# Each topic's definition and the terms that name it (docs/topics.md prints them).
TOPIC_TERMS = Path(__file__).with_name("topics.tsv")
# A concern never gets more topics than this: more would say little.
MAX_TOPICS = 3
# The precision the topic threshold must reach on the development part, if any does.
TARGET_PRECISION = 0.85
# Topics about the whole prison, whatever the area: they say nothing of a concern's area.
CROSS_CUTTING = frozenset({"leadership", "staffing"})
_THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 19))


@dataclass(frozen=True)
class Example:
    """One labelled concern."""

    text: str
    area: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """What the classifier says of one concern: its area and topics, each with a score (the
    model's probability, 0 to 1)."""

    area: str
    area_score: float
    topics: tuple[tuple[str, float], ...]


def labelled(path: Path = LABELLED) -> list[Example]:
    """The labelled set: one concern a line (area, space-separated topics, text)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    examples = []
    for number, row in enumerate(rows, start=2):
        topics = tuple(row["topics"].split())
        unknown = [topic for topic in topics if topic not in labels.TOPICS]
        if row["area"] not in labels.AREAS or not topics or unknown:
            raise ValueError(f"{path.name} line {number}: unknown area or topic")
        examples.append(Example(" ".join(row["text"].split()), row["area"], topics))
    return examples


@dataclass(frozen=True)
class Topic:
    """A topic of the taxonomy: what it covers and the terms that name it."""

    key: str
    definition: str
    terms: tuple[str, ...]


@functools.cache
def topics() -> dict[str, Topic]:
    """The taxonomy's definitions and terms, in labels.TOPICS order."""
    with TOPIC_TERMS.open(encoding="utf-8", newline="") as handle:
        rows = {row["topic"]: row for row in csv.DictReader(handle, delimiter="\t")}
    return {
        key: Topic(
            key,
            rows[key]["definition"],
            tuple(term.strip() for term in rows[key]["terms"].split(";") if term.strip()),
        )
        for key in labels.TOPICS
    }


def term_examples() -> list[Example]:
    """The taxonomy as training examples: each term that names a topic, and each topic's
    definition, so that the models know every topic's vocabulary, not only the words of
    the labelled concerns."""
    examples = []
    for topic in topics().values():
        area = labels.TOPIC_AREAS[topic.key]
        examples.append(Example(topic.definition, area, (topic.key,)))
        examples += [Example(term, area, (topic.key,)) for term in topic.terms]
    return examples


def split(examples: Sequence[Example]) -> tuple[list[Example], list[Example], list[Example]]:
    """The fixed split: every fifth concern held out for testing, the next for choosing the
    topic threshold (development), the other three for training."""
    parts: tuple[list[Example], list[Example], list[Example]] = ([], [], [])
    for index, example in enumerate(examples):
        parts[{0: 2, 1: 1}.get(index % 5, 0)].append(example)
    return parts


def concern_text(text: str, actions: Sequence[str] = ()) -> str:
    """What the classifier reads of a concern: its text, then its actions' text."""
    return " ".join([text, *actions])


class Classifier:
    """The trained models. `threshold`: the topic probability to reach (chosen on the
    development part when not given)."""

    def __init__(self, examples: Sequence[Example], threshold: float = 0.3) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import FeatureUnion
        from sklearn.preprocessing import MultiLabelBinarizer

        self.threshold = threshold
        self.features = FeatureUnion(
            [
                (
                    "words",
                    TfidfVectorizer(
                        ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=1
                    ),
                ),
            ]
        )
        examples = [*examples, *term_examples()]
        matrix = self.features.fit_transform([example.text for example in examples])
        self.areas = LogisticRegression(C=20.0, solver="sag", max_iter=5000, random_state=0)
        self.areas.fit(matrix, [example.area for example in examples])
        self.binarizer = MultiLabelBinarizer(classes=sorted(labels.TOPICS))
        targets = self.binarizer.fit_transform([example.topics for example in examples])
        self.topics = OneVsRestClassifier(
            LogisticRegression(C=20.0, solver="liblinear", random_state=0, class_weight="balanced")
        )
        self.topics.fit(matrix, targets)

    def probabilities(self, texts: Sequence[str]) -> tuple[Any, Any]:
        matrix = self.features.transform(list(texts))
        return self.areas.predict_proba(matrix), self.topics.predict_proba(matrix)

    def classify(self, texts: Sequence[str]) -> list[Assignment]:
        """Area and topics of each text (a concern's text with its actions': concern_text)."""
        if not texts:
            return []
        area_probabilities, topic_probabilities = self.probabilities(texts)
        return [
            self._assignment(area_row, topic_row)
            for area_row, topic_row in zip(area_probabilities, topic_probabilities, strict=True)
        ]

    def area_scores(self, area_row: Any, topic_row: Any) -> dict[str, float]:
        """Each area's score: the area model's probability, averaged with the share of the
        topic model's probability on topics of that area (leadership and staffing, which
        concern every area, left out)."""
        mass = dict.fromkeys(labels.AREAS, 0.0)
        for name, score in zip(self.binarizer.classes_, topic_row, strict=True):
            if name not in CROSS_CUTTING:
                mass[labels.TOPIC_AREAS[str(name)]] += float(score)
        total = sum(mass.values()) or 1.0
        return {
            str(area): (float(probability) + mass[str(area)] / total) / 2
            for area, probability in zip(self.areas.classes_, area_row, strict=True)
        }

    def _assignment(self, area_row: Any, topic_row: Any) -> Assignment:
        scores = self.area_scores(area_row, topic_row)
        area = max(scores, key=lambda key: scores[key])
        return Assignment(
            area=area,
            area_score=round(scores[area], 3),
            topics=_chosen(list(self.binarizer.classes_), topic_row, self.threshold),
        )


def _chosen(names: list[str], row: Any, threshold: float) -> tuple[tuple[str, float], ...]:
    """Topics reaching the threshold, most likely first, at least one and at most MAX_TOPICS."""
    ranked = sorted(
        ((str(name), round(float(score), 3)) for name, score in zip(names, row, strict=True)),
        key=lambda item: -item[1],
    )
    kept = [item for item in ranked if item[1] >= threshold][:MAX_TOPICS]
    return tuple(kept or ranked[:1])


@dataclass(frozen=True)
class Figures:
    """How well the method does on the held-out part."""

    trained_on: int
    dev: int
    tested_on: int
    threshold: float
    area_accuracy: float
    topic_precision: float
    topic_recall: float


def _topic_counts(
    names: list[str], probabilities: Any, examples: Sequence[Example], threshold: float
) -> tuple[int, int, int]:
    """(true positives, predicted, actual) topic assignments over the examples."""
    hits = predicted = actual = 0
    for example, row in zip(examples, probabilities, strict=True):
        chosen = {name for name, _ in _chosen(names, row, threshold)}
        hits += len(chosen & set(example.topics))
        predicted += len(chosen)
        actual += len(example.topics)
    return hits, predicted, actual


def choose_threshold(classifier: Classifier, dev: Sequence[Example]) -> float:
    """The topic threshold with the best F1 among those reaching TARGET_PRECISION on the
    development part (the most precise one if none does)."""
    _, probabilities = classifier.probabilities([example.text for example in dev])
    names = [str(name) for name in classifier.binarizer.classes_]
    scored = []
    for threshold in _THRESHOLDS:
        hits, predicted, actual = _topic_counts(names, probabilities, dev, threshold)
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        reaches = precision >= TARGET_PRECISION
        scored.append((reaches, f1 if reaches else precision, -threshold))
    return -max(scored)[2]


def evaluate(examples: Sequence[Example] | None = None) -> Figures:
    """Train on the training part, choose the threshold on the development part and measure
    on the held-out part."""
    train, dev, test = split(examples if examples is not None else labelled())
    classifier = Classifier(train)
    threshold = choose_threshold(classifier, dev)
    assignments = classifier.classify([example.text for example in test])
    correct = sum(
        assignment.area == example.area
        for assignment, example in zip(assignments, test, strict=True)
    )
    _, probabilities = classifier.probabilities([example.text for example in test])
    names = [str(name) for name in classifier.binarizer.classes_]
    hits, predicted, actual = _topic_counts(names, probabilities, test, threshold)
    return Figures(
        trained_on=len(train),
        dev=len(dev),
        tested_on=len(test),
        threshold=threshold,
        area_accuracy=correct / len(test),
        topic_precision=hits / predicted if predicted else 0.0,
        topic_recall=hits / actual if actual else 0.0,
    )


@functools.cache
def classifier() -> Classifier:
    """The classifier in use, built at first use and kept: its threshold is chosen on the
    development part with a model trained on the training part, then it is trained on the
    whole labelled set."""
    examples = labelled()
    train, dev, _ = split(examples)
    threshold = choose_threshold(Classifier(train), dev)
    return Classifier(examples, threshold)


def classify(texts: Sequence[str]) -> list[Assignment]:
    """Area and topics of each text, by the classifier in use."""
    return classifier().classify(texts)
