"""Print the area and topic classifier's accuracy on the labelled set's held-out part, and
its speed on the estate's scale."""

from __future__ import annotations

import time

from planwatch.themes import classifier

TARGET_AREA_ACCURACY = 0.9
TARGET_TOPIC_PRECISION = 0.85
ESTATE_CONCERNS = 5000


def main() -> None:
    examples = classifier.labelled()
    started = time.perf_counter()
    figures = classifier.evaluate(examples)
    trained = time.perf_counter() - started
    print(
        f"labelled concerns: {len(examples)} (training {figures.trained_on}, development "
        f"{figures.dev}, held out {figures.tested_on}; every fifth held out, the next chooses "
        "the topic threshold)"
    )
    print(f"topic threshold chosen on the development part: {figures.threshold:.2f}")
    area_verdict = "meets" if figures.area_accuracy >= TARGET_AREA_ACCURACY else "misses"
    topic_verdict = "meets" if figures.topic_precision >= TARGET_TOPIC_PRECISION else "misses"
    print(
        f"area accuracy on the held-out part: {figures.area_accuracy:.3f} "
        f"({area_verdict} {TARGET_AREA_ACCURACY})"
    )
    print(
        f"topic precision on the held-out part: {figures.topic_precision:.3f} "
        f"({topic_verdict} {TARGET_TOPIC_PRECISION}), recall {figures.topic_recall:.3f}"
    )
    print(f"training and evaluating: {trained:.1f} s")
    model = classifier.classifier()
    texts = [example.text for example in examples]
    texts = (texts * (ESTATE_CONCERNS // len(texts) + 1))[:ESTATE_CONCERNS]
    started = time.perf_counter()
    model.classify(texts)
    print(f"classifying {ESTATE_CONCERNS:,} concerns: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
