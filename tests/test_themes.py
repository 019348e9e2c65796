"""The area and topic classifier: its labelled set, its figures on the held-out part, and
what it says of plain concerns."""

from __future__ import annotations

import pytest

from planwatch import labels
from planwatch.themes import classifier


@pytest.fixture(scope="module")
def figures() -> classifier.Figures:
    return classifier.evaluate()


def test_the_labelled_set_covers_every_topic_and_area_several_times():
    examples = classifier.labelled()
    assert len(examples) >= 250
    for topic in labels.TOPICS:
        assert sum(topic in example.topics for example in examples) >= 8, topic
    for area in labels.AREAS:
        assert sum(example.area == area for example in examples) >= 40, area


def test_the_labelled_set_is_distinct_from_the_test_fixtures():
    import json

    from tests.conftest import FIXTURES

    fixture_texts = {
        concern["text"]
        for path in (FIXTURES / "plans").glob("*.json")
        for concern in json.loads(path.read_text("utf-8"))["concerns"]
    }
    assert not fixture_texts & {example.text for example in classifier.labelled()}


def test_every_topic_has_a_definition_terms_and_an_area():
    topics = classifier.topics()
    assert list(topics) == list(labels.TOPICS)
    assert set(labels.TOPIC_AREAS) == set(labels.TOPICS)
    assert set(labels.TOPIC_AREAS.values()) == set(labels.AREAS)
    for topic in topics.values():
        assert topic.definition.endswith(".")
        assert len(topic.terms) >= 8, topic.key


def test_the_split_is_fixed():
    examples = classifier.labelled()
    train, dev, test = classifier.split(examples)
    assert test == examples[::5]
    assert dev == examples[1::5]
    assert len(train) + len(dev) + len(test) == len(examples)


def test_held_out_figures_reach_the_targets(figures):
    # The floor: benchmarks/themes.py prints the figures (0.911 and 0.876 when written).
    assert figures.area_accuracy >= 0.9
    assert figures.topic_precision >= 0.85
    assert figures.topic_recall >= 0.75
    assert figures.tested_on >= 75


def test_training_is_deterministic():
    first = classifier.Classifier(classifier.labelled()[:120])
    second = classifier.Classifier(classifier.labelled()[:120])
    text = ["Prisoners waited weeks to see a dentist."]
    assert first.classify(text) == second.classify(text)


@pytest.mark.parametrize(
    ("text", "area", "topic"),
    [
        (
            "Many prisoners said it was easy to get illicit drugs, and positive mandatory drug "
            "tests had risen.",
            "safety",
            "drugs",
        ),
        (
            "Prisoners waited many weeks to see a GP or a dentist.",
            "respect",
            "health_care",
        ),
        (
            "Most prisoners were locked in their cells for 22 hours a day.",
            "purposeful_activity",
            "time_out_of_cell",
        ),
        (
            "Too many prisoners were released homeless.",
            "rehabilitation_release",
            "release_planning",
        ),
    ],
)
def test_plain_concerns_get_their_area_and_topic_with_scores(text, area, topic):
    (assignment,) = classifier.classify([text])
    assert assignment.area == area
    assert assignment.topics[0][0] == topic
    assert 0 < assignment.area_score <= 1
    assert all(0 < score <= 1 for _, score in assignment.topics)
    assert 1 <= len(assignment.topics) <= classifier.MAX_TOPICS


def test_a_concern_always_gets_at_least_one_topic():
    (assignment,) = classifier.classify(["The prison should do better."])
    assert len(assignment.topics) >= 1
    assert assignment.area in labels.AREAS


def test_nothing_to_classify_is_nothing():
    assert classifier.classify([]) == []


def test_a_bad_labelled_line_is_refused_with_its_line(tmp_path):
    path = tmp_path / "labelled.tsv"
    path.write_text("area\ttopics\ttext\nsafety\tnot_a_topic\tSomething.\n", "utf-8")
    with pytest.raises(ValueError, match=r"labelled\.tsv line 2: unknown area or topic"):
        classifier.labelled(path)


def test_docs_topics_defines_every_topic_and_is_linked_from_the_readme():
    from pathlib import Path

    root = Path(__file__).parents[1]
    text = (root / "docs" / "topics.md").read_text("utf-8")
    for key, topic in classifier.topics().items():
        assert f"### {labels.TOPICS[key]} (`{key}`)" in text
        assert topic.definition in text
    for key, name in labels.AREAS.items():
        assert f"| `{key}` | {name} |" in text
    assert "(docs/topics.md)" in (root / "README.md").read_text("utf-8")
