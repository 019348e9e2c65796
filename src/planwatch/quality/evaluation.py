"""Precision and recall of the rules against hand-labelled actions, per plan and per split."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
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

    @property
    def labelled_positive(self) -> int:
        return len(self.true_positives) + len(self.false_negatives)

    @property
    def fired(self) -> int:
        return len(self.true_positives) + len(self.false_positives)


@dataclass(frozen=True)
class LabelledPlan:
    """A plan and its hand labels: {"plan", "rules": {rule: {"<ref>.<n>": {"label", "reason"}}}}."""

    plan: Plan
    labels: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.labels["plan"])


def score_labels(plan: Plan, labels: dict[str, Any], prefix: str = "") -> list[RuleScore]:
    """Compare the rules' findings on `plan` with labels keyed "concern.action" per rule.

    `prefix` is put before every key, so that scores of several plans can be pooled."""
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
                true_positives=frozenset(prefix + key for key in fired & wanted),
                false_positives=frozenset(prefix + key for key in fired - wanted),
                false_negatives=frozenset(prefix + key for key in wanted - fired),
            )
        )
    return scores


def load_split(directory: Path) -> list[LabelledPlan]:
    """Every `<slug>.labels.json` in a folder with its plan `<slug>.json` beside it; none if the
    folder is absent."""
    plans = []
    for labels_path in sorted(directory.glob("*.labels.json")):
        labels = json.loads(labels_path.read_text("utf-8"))
        plan_path = directory / f"{labels['plan']}.json"
        plans.append(LabelledPlan(Plan.from_dict(json.loads(plan_path.read_text("utf-8"))), labels))
    return plans


def score_split(plans: list[LabelledPlan]) -> dict[str, RuleScore]:
    """Each rule's score pooled over the plans (keys "<plan>:<ref>.<n>"), in first-seen order."""
    pooled: dict[str, RuleScore] = {}
    for item in plans:
        for score in score_labels(item.plan, item.labels, prefix=f"{item.name}:"):
            before = pooled.get(score.rule)
            if before is not None:
                score = RuleScore(
                    score.rule,
                    before.true_positives | score.true_positives,
                    before.false_positives | score.false_positives,
                    before.false_negatives | score.false_negatives,
                )
            pooled[score.rule] = score
    return pooled


def total(scores: dict[str, RuleScore]) -> RuleScore:
    """All rules pooled into one score (each rule's keys kept apart)."""
    return RuleScore(
        "all rules",
        frozenset(f"{s.rule}/{key}" for s in scores.values() for key in s.true_positives),
        frozenset(f"{s.rule}/{key}" for s in scores.values() for key in s.false_positives),
        frozenset(f"{s.rule}/{key}" for s in scores.values() for key in s.false_negatives),
    )
