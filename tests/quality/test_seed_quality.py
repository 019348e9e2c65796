"""On the real seed plan, the findings the standard calls for appear, and agree with hand labels."""

from __future__ import annotations

import json

import pytest

from planwatch.model import Plan
from planwatch.pipeline import read_plan
from planwatch.quality import check_plan
from planwatch.quality.evaluation import score_labels
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def report(seed_path):
    return check_plan(read_plan(seed_path))


def test_named_owner_mismatches_appear(report):
    found = {
        (f.concern_ref, f.action_number): f.message
        for f in report.findings
        if f.rule == "owner-mismatch"
    }
    assert found[("1", 1)] == (
        "The text says “The Deputy Director will ensure”: the Deputy Director does this work, "
        "but the responsible owner is “Director”."
    )
    assert found[("2", 1)] == (
        "The text says “The Head of Security will revise”: the Head of Security does this "
        "work, but the responsible owner is “Director”."
    )
    assert found[("10", 4)] == (
        "The text says “The Deputy Head of Education, Skills & Work will undertake”: the "
        "Deputy Head of Education, Skills & Work does this work, but the responsible owner is "
        "“Director”."
    )
    # Overseers are not doers: "monitored weekly by the Head of Safer Prisons" (7.1), "will
    # monitor progress and quality assure" (9.5), "Assurance will be completed … by" (9.8).
    assert sorted(found) == [("1", 1), ("10", 4), ("11", 2), ("2", 1)]


def test_director_holds_40_of_52(report):
    [finding] = [f for f in report.findings if f.rule == "owner-concentration"]
    assert finding.message == "“Director” is the responsible owner of 40 of 52 actions (77%)."


def test_nhft_spellings_are_one_owner(report):
    assert report.summary["actions_per_owner"] == {
        "Director": 40,
        "NHFT": 11,
        "SMG": 1,
        "Deputy Director": 1,
    }
    assert report.summary["owner_aliases"] == {
        "NHFT": [
            "Northampton Healthcare Foundation Trust",
            "Northamptonshire Healthcare Foundation Trust",
            "Northamptonshire Healthcare Foundation Trust (NHFT)",
        ]
    }


def test_completed_actions_listed(report):
    completed = [
        (f.concern_ref, f.action_number)
        for f in report.findings
        if f.rule == "completed-at-submission"
    ]
    assert completed == [
        ("1", 2),
        ("3", 1),
        ("3", 2),
        ("3", 3),
        ("3", 4),
        ("4", 1),
        ("4", 2),
        ("7", 1),
        ("8", 4),
    ]


def test_timeliness_43_days_and_funding_to_be_sought(report):
    [timeliness] = [f for f in report.findings if f.rule == "plan-timeliness"]
    assert "43 days" in timeliness.message
    uncertain = [f for f in report.findings if f.rule == "uncertain-delivery"]
    # 10.3: "funding to be sought"; 5.2: "once roles are filled, this will increase available
    # places", a condition by the rule's reading, though the hand label calls it firm (the
    # posts were already being recruited to): the one disagreement with the seed's labels.
    assert [(f.concern_ref, f.action_number) for f in uncertain] == [("5", 2), ("10", 3)]


def test_targets_by_month(report):
    assert report.summary["targets_by_month"] == {
        "2024-06": 19,
        "2024-07": 17,
        "2024-08": 6,
        "2024-09": 1,
        "completed": 9,
    }


def test_rules_agree_with_the_hand_labels():
    labels = json.loads(
        (FIXTURES / "quality" / "hmp-peterborough-2024.labels.json").read_text("utf-8")
    )
    plan = Plan.from_dict(
        json.loads((FIXTURES / "plans" / "hmp-peterborough-2024.json").read_text("utf-8"))
    )
    assert all(len(by_action) == 52 for by_action in labels["rules"].values())
    assert all(
        label["reason"] for by_action in labels["rules"].values() for label in by_action.values()
    )
    scores = {score.rule: score for score in score_labels(plan, labels)}
    for score in scores.values():
        known = {"5.2"} if score.rule == "uncertain-delivery" else set()
        assert score.false_positives == known, score.rule
        assert score.precision >= 0.9 or score.rule == "uncertain-delivery"
    # Known misses, kept visible: the rules are tuned for precision over recall.
    assert scores["owner-mismatch"].false_negatives == {"6.3"}
    assert scores["not-measurable"].false_negatives == {"8.3", "9.9"}
