"""The real published seed plan reads to exactly its expected JSON."""

from __future__ import annotations

import jsonschema

from planwatch.pipeline import read_plan


def test_seed_reads_to_the_fixture_exactly(seed_path, seed_expected):
    got = read_plan(seed_path).to_dict()
    for key, expected in seed_expected.items():
        if key == "owner_aliases":
            continue
        assert got[key] == expected, key


def test_seed_counts(seed_path):
    plan = read_plan(seed_path)
    assert len(plan.concerns) == 11
    assert [c.category for c in plan.concerns].count("priority") == 6
    assert [c.category for c in plan.concerns].count("key") == 5
    assert len(plan.actions) == 52


def test_seed_warns_about_the_inferred_owner_naming_concern_8(seed_path):
    plan = read_plan(seed_path)
    assert plan.warnings == [
        "concern 8: 4 actions but 3 owners; read 'Northampton Healthcare Foundation Trust NHFT' "
        "as two owners, 'Northampton Healthcare Foundation Trust' and 'NHFT'"
    ]


def test_seed_json_validates_against_the_contract_schema(seed_path, plan_schema):
    jsonschema.validate(read_plan(seed_path).to_dict(), plan_schema)
