"""Print precision and recall per rule against the hand-labelled seed actions (target: 0.9)."""

from __future__ import annotations

import json
from pathlib import Path

from planwatch.model import Plan
from planwatch.quality.evaluation import score_labels

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
TARGET_PRECISION = 0.9


def main() -> None:
    for labels_path in sorted((FIXTURES / "quality").glob("*.labels.json")):
        labels = json.loads(labels_path.read_text("utf-8"))
        plan_data = json.loads((FIXTURES / "plans" / f"{labels['plan']}.json").read_text("utf-8"))
        plan = Plan.from_dict(plan_data)
        print(f"{labels['plan']}: {len(plan.actions)} labelled actions")
        for score in score_labels(plan, labels):
            verdict = "meets" if score.precision >= TARGET_PRECISION else "misses"
            print(
                f"  {score.rule:16} precision {score.precision:.2f} ({verdict} {TARGET_PRECISION})"
                f"  recall {score.recall:.2f}  "
                f"[{len(score.true_positives)} right, {len(score.false_positives)} false alarms, "
                f"{len(score.false_negatives)} missed: {', '.join(sorted(score.false_negatives))}]"
            )


if __name__ == "__main__":
    main()
