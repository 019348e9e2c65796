"""Precision and recall of the rules against hand-labelled actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planwatch.model import Plan
from planwatch.quality import check_plan


@dataclass(frozen=True)
class RuleScore:
    rule: str
    true_positives: frozenset[str]
    false_positives: frozenset[str]
    false_negatives: frozenset[str]

    @property
    def precision(self) -> float:
        fired = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / fired if fired else 1.0

    @property
    def recall(self) -> float:
        wanted = len(self.true_positives) + len(self.false_negatives)
        return len(self.true_positives) / wanted if wanted else 1.0


def score_labels(plan: Plan, labels: dict[str, Any]) -> list[RuleScore]:
    """Compare the rules' findings on `plan` with labels keyed "concern.action" per rule."""
    report = check_plan(plan)
    scores = []
    for rule, by_action in labels["rules"].items():
        fired = {
            f"{finding.concern_ref}.{finding.action_number}"
            for finding in report.findings
            if finding.rule == rule and finding.action_number is not None
        }
        wanted = {key for key, label in by_action.items() if label["label"]}
        scores.append(
            RuleScore(
                rule=rule,
                true_positives=frozenset(fired & wanted),
                false_positives=frozenset(fired - wanted),
                false_negatives=frozenset(wanted - fired),
            )
        )
    return scores
