"""Precision and recall of "same matter" links on labelled pairs of concern texts, and the time
to recompute links for an estate-sized set of concerns.

Reads tests/fixtures/similar/pairs.json; the texts' weights come from every text in the file
(unlabelled, as the estate's own concerns weight them in use). Prints precision and recall at
planwatch.similarity.THRESHOLD on the tuning part and on the held-out part, the threshold the
tuning part would choose, and a sweep. Target: precision >= 0.85 at recall >= 0.7 held out.

    python3 benchmarks/similar.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
PAIRS = ROOT / "tests" / "fixtures" / "similar" / "pairs.json"


def measure(pairs: list[dict], scores: list[float], threshold: float) -> tuple[float, float]:
    true_positive = false_positive = false_negative = 0
    for pair, value in zip(pairs, scores, strict=True):
        said = value >= threshold
        if said and pair["similar"]:
            true_positive += 1
        elif said:
            false_positive += 1
        elif pair["similar"]:
            false_negative += 1
    precision = true_positive / (true_positive + false_positive) if true_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive else 0.0
    return precision, recall


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from planwatch import similarity

    pairs = json.loads(PAIRS.read_text(encoding="utf-8"))["pairs"]
    texts = sorted({pair["a"] for pair in pairs} | {pair["b"] for pair in pairs})
    position = {text: index for index, text in enumerate(texts)}
    found = {
        (pair.first, pair.second): pair.score
        for pair in similarity.similar_pairs(texts, threshold=0.0)
    }

    def score_of(pair: dict) -> float:
        first, second = sorted((position[pair["a"]], position[pair["b"]]))
        return found.get((first, second), 0.0)

    parts = {part: [p for p in pairs if p["part"] == part] for part in ("tune", "held_out")}
    scores = {part: [score_of(p) for p in chosen] for part, chosen in parts.items()}
    print(
        f"{len(pairs)} labelled pairs ({len(parts['tune'])} tuning, {len(parts['held_out'])} "
        f"held out), {len(texts)} texts"
    )

    # The threshold the tuning part chooses: the one with the best F0.5 (precision weighs
    # twice recall: a wrong "raised before" misleads more than a missed one).
    def f_half(threshold: float) -> float:
        precision, recall = measure(parts["tune"], scores["tune"], threshold)
        if not precision + recall:
            return 0.0
        return 1.25 * precision * recall / (0.25 * precision + recall)

    chosen = max((step / 100 for step in range(5, 80)), key=f_half)
    print(f"threshold chosen on the tuning part: {chosen:.2f} (in use: {similarity.THRESHOLD})")
    print("threshold  tune P  tune R  held-out P  held-out R")
    for step in range(10, 45, 3):
        threshold = step / 100
        tune = measure(parts["tune"], scores["tune"], threshold)
        held = measure(parts["held_out"], scores["held_out"], threshold)
        print(
            f"  {threshold:.2f}     {tune[0]:.2f}    {tune[1]:.2f}     "
            f"{held[0]:.2f}       {held[1]:.2f}"
        )
    precision, recall = measure(parts["held_out"], scores["held_out"], similarity.THRESHOLD)
    verdict = "meets" if precision >= 0.85 and recall >= 0.7 else "misses"
    print(
        f"held out at {similarity.THRESHOLD}: precision {precision:.2f}, recall {recall:.2f} "
        f"({verdict} precision >= 0.85 at recall >= 0.7)"
    )
    # The estate: 130 establishments x 3 inspections x 10 concerns, from the labelled texts.
    estate = [f"{texts[index % len(texts)]} ({index // len(texts)})" for index in range(3900)]
    started = time.perf_counter()
    links = similarity.similar_pairs(estate)
    elapsed = time.perf_counter() - started
    print(f"whole estate, 3,900 concerns: {len(links):,} pairs in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
