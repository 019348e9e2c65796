"""Duplicate detection on large plans: it still finds near-copies and flags nothing else."""

from __future__ import annotations

from difflib import SequenceMatcher

from planwatch.model import Action, Concern, Plan
from planwatch.quality import QualityConfig, check_plan
from planwatch.quality.rules import _words, duplicate_actions
from planwatch.quality.synthetic import synthetic_plan


def all_pairs_duplicates(plan: Plan, ratio: float) -> list[tuple[str, int, str, int]]:
    """The rule as it was, comparing every pair: (concern, action, earlier concern, action)."""
    seen: list[tuple[str, int, str]] = []
    found = []
    for concern in plan.concerns:
        for number, action in enumerate(concern.actions, start=1):
            words = _words(action.text)
            for other_ref, other_number, other_words in seen:
                matcher = SequenceMatcher(None, words, other_words, autojunk=False)
                # The standard library's own upper bounds first, to keep the test quick.
                if (
                    matcher.real_quick_ratio() >= ratio
                    and matcher.quick_ratio() >= ratio
                    and matcher.ratio() >= ratio
                ):
                    found.append((concern.ref, number, other_ref, other_number))
                    break
            seen.append((concern.ref, number, words))
    return found


def pairs(findings) -> list[tuple[str, int, str, int]]:
    result = []
    for finding in findings:
        earlier = finding.message.rsplit(" concern ", 1)[1].rstrip(".")
        other_ref, other_number = earlier.split(" action ")
        result.append((finding.concern_ref, finding.action_number, other_ref, int(other_number)))
    return result


def test_large_plan_flags_exactly_the_planted_near_copies():
    synthetic = synthetic_plan(1000, seed=1, near_copy_share=0.05)
    findings = duplicate_actions(synthetic.plan, QualityConfig())
    assert len(synthetic.plan.actions) == 1000
    assert len(synthetic.near_copies) == 55
    assert {(f.concern_ref, f.action_number) for f in findings} == synthetic.near_copies


def test_same_findings_as_comparing_every_pair():
    # Many near-copies (changed, dropped and misspelt words) of a varied plan.
    synthetic = synthetic_plan(70, seed=3, near_copy_share=0.4)
    expected = all_pairs_duplicates(synthetic.plan, 0.9)
    assert len(expected) == 25
    assert pairs(duplicate_actions(synthetic.plan, QualityConfig())) == expected
    # A lower threshold makes more pairs near-duplicates; still the same as every pair.
    expected = all_pairs_duplicates(synthetic.plan, 0.8)
    assert pairs(duplicate_actions(synthetic.plan, QualityConfig(near_duplicate_ratio=0.8))) == (
        expected
    )


def test_typos_spread_through_a_long_action_are_still_a_near_duplicate():
    text = (
        "The Head of Safety will introduce a weekly violence reduction meeting, chaired by "
        "the Deputy Governor, to review every incident and the support plans that follow it."
    )
    # A letter swapped in five words: a ratio of about 0.94.
    typos = text
    for word in ("introduce", "violence", "chaired", "incident", "support"):
        typos = typos.replace(word, word[0] + word[2] + word[1] + word[3:], 1)
    plan = Plan(
        establishment="HMP Test",
        concerns=[
            Concern("1", "key", "A concern.", actions=[Action(text, "Head of Safety")]),
            Concern("2", "key", "Another.", actions=[Action(typos, "Head of Safety")]),
        ],
    )
    [finding] = [f for f in check_plan(plan).findings if f.rule == "duplicate-action"]
    assert finding.message == (
        "“The Head of Safety will itnroduce a weekly voilence reducti…” is nearly the same "
        "as concern 1 action 1."
    )
    assert (finding.concern_ref, finding.action_number) == ("2", 1)


def test_empty_and_one_word_actions_are_compared_too():
    plan = Plan(
        establishment="HMP Test",
        concerns=[
            Concern(
                "1",
                "key",
                "A concern.",
                actions=[Action(""), Action("TBC"), Action("..."), Action("tbc"), Action("TBA")],
            )
        ],
    )
    assert pairs(duplicate_actions(plan, QualityConfig())) == [("1", 3, "1", 1), ("1", 4, "1", 2)]
