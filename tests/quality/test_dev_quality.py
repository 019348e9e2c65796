"""On the development part of the labelled set, every action's findings match its hand labels
except the disagreements listed here, and no rule falls below the figures it reached."""

from __future__ import annotations

import importlib.util

import pytest

from planwatch.quality import RULE_SEVERITY
from planwatch.quality.evaluation import load_split, score_split, total
from tests.conftest import FIXTURES
from tests.quality.test_labelled_sets import ACTION_RULES

DEV = FIXTURES / "quality" / "dev"
# The rules every plan of the set is labelled for, action by action.
LABELLED_RULES = ACTION_RULES
# Where the rules and a governor's reading still disagree, kept visible.
KNOWN_FALSE_ALARMS = {
    # The Industries Manager works under the Head of Education, Skills and Work; the words
    # share nothing that shows it.
    "owner-mismatch": {
        "hmp-castlemere-2025:10.5",
        # "will review every ACCT", "will personally review every child": a senior post
        # reviewing is labelled oversight here, but "will review" is also the work itself in
        # other plans of the set.
        "hmp-yoi-ravensdene-2025:1.3",
        "hmyoi-whinmoor-2025:1.4",
        # "will attend each meeting and sign off": attending is labelled oversight here, and
        # doing ("will attend every serious assault … and complete a debrief") elsewhere.
        "hmp-brackwater-2018:4.12.2",
        # Industries under Education, Skills and Work: elsewhere Industries owns actions an
        # education provider's manager does.
        "hmp-kingsgate-2024:4.5",
    },
    # "Employer-led academies to be expanded": labelled countable (academies), read as a
    # vague expansion.
    "not-measurable": {"hmp-castlemere-2025:11.3"},
}
KNOWN_MISSES = {
    # "Forums to be held …": forums read as an output though nothing says how many or when.
    "not-measurable": {
        "hmp-castlemere-2025:7.2",
        # "at times that suit the regime where possible": the hedge is caught by
        # uncertain-delivery; nothing marks the rest as vague.
        "hmp-harrowden-2024:5.3",
        # "will ensure punctual starts to sessions": the sessions are named, not promised.
        "hmp-millbridge-2018:2.30.4",
        # Outputs named beside a vague aim: "with the aim of offering gym sessions", "as a
        # result of the strategy", "offering a … course".
        "hmp-brackwater-2018:1.14.2",
        "hmp-yoi-sedgecombe-2019:S42.2",
        "hmp-yoi-sedgecombe-2019:3.12.2",
        # "restored to pre-pandemic levels": a level named but not stated.
        "hmp-stonecross-2023:3.1",
    },
    # "The Head of Safer Custody will quality assure key work entries": an active checking
    # verb is read as oversight, not as the work itself.
    "owner-mismatch": {"hmp-ashcombe-2025:11.2"},
}
# The figures reached when the rules were reworked: a change that lowers one fails here.
FLOORS = {
    "owner-mismatch": (0.92, 0.98),
    "not-measurable": (0.99, 0.96),
    "uncertain-delivery": (1.0, 1.0),
    "completed-unevidenced": (1.0, 1.0),
}


@pytest.fixture(scope="module")
def plans():
    return load_split(DEV)


@pytest.fixture(scope="module")
def scores(plans):
    return score_split(plans)


def test_the_development_part_is_sixteen_plans_of_at_least_400_actions(plans):
    # Five written for it, and the first, second and third held-out parts (three, three and
    # five plans), each moved here once its misses had been seen
    # (tests/fixtures/quality/dev/README-from-*-heldout.md).
    assert len(plans) == 16
    assert sum(len(item.plan.actions) for item in plans) >= 400
    assert {item.labels["split"] for item in plans} == {"dev"}


def test_every_action_is_labelled_for_every_rule_with_a_reason(plans):
    for item in plans:
        keys = {
            f"{concern.ref}.{number}"
            for concern in item.plan.concerns
            for number in range(1, len(concern.actions) + 1)
        }
        assert set(item.labels["rules"]) == LABELLED_RULES, item.name
        for rule, by_action in item.labels["rules"].items():
            assert set(by_action) == keys, (item.name, rule)
            assert all(
                isinstance(label["label"], bool) and label["reason"].strip()
                for label in by_action.values()
            ), (item.name, rule)


def test_every_labelled_action_gets_its_expected_findings(scores):
    for rule, score in scores.items():
        assert score.false_positives == KNOWN_FALSE_ALARMS.get(rule, set()), rule
        assert score.false_negatives == KNOWN_MISSES.get(rule, set()), rule


@pytest.mark.parametrize(("rule", "floor"), sorted(FLOORS.items()))
def test_precision_and_recall_stay_at_least_where_they_are(scores, rule, floor):
    precision, recall = floor
    assert round(scores[rule].precision, 2) >= precision
    assert round(scores[rule].recall, 2) >= recall


def test_warning_rules_meet_the_precision_target_on_the_development_part(scores):
    for rule, score in scores.items():
        if RULE_SEVERITY[rule] == "warning":
            assert score.precision >= 0.9, rule
    assert round(total(scores).precision, 2) >= 0.99


def test_a_missing_held_out_folder_is_an_empty_split(tmp_path):
    assert load_split(tmp_path / "heldout") == []
    assert score_split([]) == {}


def test_the_benchmark_says_when_the_held_out_part_is_absent(capsys):
    spec = importlib.util.spec_from_file_location(
        "quality_precision", FIXTURES.parents[1] / "benchmarks" / "quality_precision.py"
    )
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    benchmark.report_split("held-out", [])
    benchmark.report_split("development", load_split(DEV)[:1])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "held-out: held-out set not present"
    assert printed[1] == "development: 1 plans, 55 labelled actions"
    assert printed[-1].startswith("  total ")
