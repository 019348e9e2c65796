"""The plan model round-trips through the JSON contract."""

from __future__ import annotations

import json

import jsonschema
import pytest

from planwatch.model import Action, Concern, Plan


def test_plan_round_trips_through_json(seed_expected):
    data = {key: value for key, value in seed_expected.items() if key != "owner_aliases"}
    plan = Plan.from_dict(data)
    assert json.loads(plan.to_json()) == data
    assert Plan.from_json(plan.to_json()) == plan


def test_warnings_key_only_when_there_are_warnings(plan_schema):
    plan = Plan(establishment="HMP X", concerns=[Concern(ref="1", category="key", text="t")])
    assert "warnings" not in plan.to_dict()
    plan.warnings.append("header: no 'Report Published' date found")
    assert plan.to_dict()["warnings"] == ["header: no 'Report Published' date found"]
    jsonschema.validate(plan.to_dict(), plan_schema)


def test_actions_lists_every_action_in_document_order():
    first = Action(text="a")
    second = Action(text="b")
    third = Action(text="c")
    plan = Plan(
        establishment="HMP X",
        concerns=[
            Concern(ref="1", category="priority", text="", actions=[first, second]),
            Concern(ref="2", category="key", text="", actions=[third]),
        ],
    )
    assert plan.actions == [first, second, third]


def test_concern_refuses_an_unknown_category_or_agreement():
    with pytest.raises(ValueError, match="category must be one of"):
        Concern(ref="1", category="urgent", text="")
    with pytest.raises(ValueError, match="agreement must be one of"):
        Concern(ref="1", category="recommendation", text="", agreement="maybe")
