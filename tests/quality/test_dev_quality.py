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
    "owner-mismatch": {
        # The Industries Manager works under the Head of Education, Skills and Work; the words
        # share nothing that shows it (and elsewhere Industries owns an education provider's
        # work).
        "hmp-castlemere-2025:10.5",
        "hmp-kingsgate-2024:4.5",
        # A senior post reviewing, reading, tasting, attending or holding a meeting: labelled
        # oversight in these plans, the work itself in others ("will attend every serious
        # assault … and complete a debrief", "will complete the quality checks" is labelled
        # both ways). owner-mismatch is information for this reason.
        "hmp-yoi-ravensdene-2025:1.3",
        "hmyoi-whinmoor-2025:1.4",
        "hmp-brackwater-2018:4.12.2",
        "hmp-greyholme-2026:10.3",
        "hmp-greyholme-2026:12.4",
        "hmp-oakhollow-2017:2.33.2",
        "hmp-oakhollow-2017:3.9.4",
        "hmp-oakhollow-2017:4.35.3",
    },
    # "Employer-led academies to be expanded": labelled countable (academies), read as a
    # vague expansion.
    "not-measurable": {"hmp-castlemere-2025:11.3"},
}
KNOWN_MISSES = {
    "not-measurable": {
        # An output named beside a vague aim or inside a hedge counts as an output: "forums
        # to be held", "with the aim of offering gym sessions", "as a result of the strategy",
        # "offering a … course", "extended once the … bid is approved", "will be considered
        # as part of the … capital bid", "will try to shorten the wait", "options … to be
        # scoped", "will look at options", "asked to look at this", "looked into further".
        "hmp-castlemere-2025:7.2",
        "hmp-yoi-sedgecombe-2019:S42.2",
        "hmp-yoi-sedgecombe-2019:3.12.2",
        "hmp-greyholme-2026:5.4",
        "hmp-greyholme-2026:7.2",
        "hmp-haddon-fell-2025:9.3",
        "hmp-haddon-fell-2025:10.2",
        "hmp-haddon-fell-2025:12.3",
        "hmp-oakhollow-2017:1.34.2",
        "hmp-oakhollow-2017:2.58.1",
        "hmp-oakhollow-2017:S36.4",
        # "at times that suit the regime where possible", "extended where possible": the
        # hedge is caught by uncertain-delivery; nothing marks the rest as vague.
        "hmp-harrowden-2024:5.3",
        "hmp-oakhollow-2017:3.30.3",
        # "will ensure punctual starts to sessions": the sessions are named, not promised.
        "hmp-millbridge-2018:2.30.4",
        # "restored to pre-pandemic levels": a level named but not stated.
        "hmp-stonecross-2023:3.1",
        # "Links with families will be developed": "developed" is kept out of the vague
        # words because "a policy will be developed" is an output.
        "hmp-marshgate-2022:13.4",
        # "only … where other options have been considered and found unsuitable": a rule of
        # conduct with no measure.
        "hmp-oakhollow-2017:1.27.3",
    },
    # "The Head of Safer Custody will quality assure key work entries": an active checking
    # verb is read as oversight, not as the work itself.
    "owner-mismatch": {"hmp-ashcombe-2025:11.2"},
}
# The figures reached when the rules were reworked: a change that lowers one fails here.
FLOORS = {
    "owner-mismatch": (0.88, 0.99),
    "not-measurable": (1.0, 0.93),
    "uncertain-delivery": (1.0, 1.0),
    "completed-unevidenced": (1.0, 1.0),
}


@pytest.fixture(scope="module")
def plans():
    return load_split(DEV)


@pytest.fixture(scope="module")
def scores(plans):
    return score_split(plans)


def test_the_development_part_is_twenty_plans_of_at_least_400_actions(plans):
    # Five written for it, and the first four held-out parts (three, three, five and four
    # plans), each moved here once its misses had been seen
    # (tests/fixtures/quality/dev/README-from-*-heldout.md).
    assert len(plans) == 20
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
    assert round(total(scores).precision, 2) >= 0.98


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
