"""Every hand-labelled set covers every action of its plan, for every rule it lists, with a reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from planwatch.model import Plan
from planwatch.quality.rules import RULE_IDS
from tests.conftest import FIXTURES

QUALITY = FIXTURES / "quality"
LABEL_FILES = sorted(QUALITY.rglob("*.labels.json"))

# The rules whose findings name one action (the others judge the plan or a concern).
ACTION_RULES = {
    "missing-owner",
    "missing-target",
    "unreadable-target",
    "target-before-submission",
    "target-too-far",
    "owner-mismatch",
    "completed-at-submission",
    "completed-unevidenced",
    "not-measurable",
    "uncertain-delivery",
    "duplicate-action",
}


def _plan_path(labels_path: Path, slug: str) -> Path:
    beside = labels_path.with_name(f"{slug}.json")
    return beside if beside.exists() else FIXTURES / "plans" / f"{slug}.json"


def _load(labels_path: Path) -> tuple[dict[str, Any], Plan]:
    labels = json.loads(labels_path.read_text("utf-8"))
    plan_data = json.loads(_plan_path(labels_path, labels["plan"]).read_text("utf-8"))
    return labels, Plan.from_dict(plan_data)


def test_the_held_out_part_has_three_plans_and_150_actions():
    held = [path for path in LABEL_FILES if path.parent.name == "heldout"]
    assert len(held) >= 3
    assert sum(len(_load(path)[1].actions) for path in held) >= 150


@pytest.mark.parametrize("labels_path", LABEL_FILES, ids=lambda path: path.name)
def test_labels_cover_every_action_for_every_rule(labels_path, plan_schema):
    labels, plan = _load(labels_path)
    jsonschema.validate(
        json.loads(_plan_path(labels_path, labels["plan"]).read_text("utf-8")), plan_schema
    )
    assert labels_path.name == f"{labels['plan']}.labels.json"
    keys = [
        f"{concern.ref}.{number}"
        for concern in plan.concerns
        for number, _ in enumerate(concern.actions, start=1)
    ]
    assert len(set(keys)) == len(keys) == len(plan.actions) > 0
    assert labels["rules"], "a labels file must label at least one rule"
    for rule, by_action in labels["rules"].items():
        assert rule in RULE_IDS
        assert sorted(by_action) == sorted(keys), rule
        for key, label in by_action.items():
            assert isinstance(label["label"], bool), (rule, key)
            reason = label["reason"]
            assert isinstance(reason, str) and reason.strip(), (rule, key)
            assert "\n" not in reason and "\r" not in reason, (rule, key)


@pytest.mark.parametrize(
    "labels_path",
    [path for path in LABEL_FILES if path.parent.name == "heldout"],
    ids=lambda path: path.name,
)
def test_held_out_sets_label_every_action_rule(labels_path):
    labels, _ = _load(labels_path)
    assert labels["split"] == "heldout"
    assert set(labels["rules"]) == ACTION_RULES
    assert labels["notes"].strip()
