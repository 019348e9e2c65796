"""Each quality rule: cases that must fire and cases that must not."""

from __future__ import annotations

import pytest

from planwatch.model import Action, Concern, Plan
from planwatch.quality import QualityConfig, check_plan


def plan_with(*actions: Action, submitted="2024-05-22", published="2024-04-09", **extra) -> Plan:
    return Plan(
        establishment="HMP Test",
        plan_submitted=submitted,
        report_published=published,
        concerns=[Concern(ref="1", category="key", text="A concern.", actions=list(actions))],
        **extra,
    )


def act(
    text="The Head of Safety will publish a violence strategy.",
    owner="Head of Safety",
    target_text="July 2024",
    target="2024-07",
) -> Action:
    return Action(text=text, owner=owner, target_text=target_text, target=target)


def rules_fired(plan: Plan, rule: str, config: QualityConfig | None = None) -> list:
    return [f for f in check_plan(plan, config).findings if f.rule == rule]


def test_missing_owner_fires_and_names_the_action():
    [finding] = rules_fired(plan_with(act(owner="")), "missing-owner")
    assert (finding.severity, finding.concern_ref, finding.action_number) == ("error", "1", 1)
    assert finding.message.startswith("No responsible owner for “The Head of Safety will")


def test_missing_owner_does_not_fire_with_an_owner():
    assert rules_fired(plan_with(act()), "missing-owner") == []


def test_missing_and_unreadable_targets():
    plan = plan_with(act(target_text="", target=None), act(target_text="Q3 2024", target=None))
    assert [(f.rule, f.action_number) for f in check_plan(plan).findings if "target" in f.rule] == [
        ("missing-target", 1),
        ("unreadable-target", 2),
    ]
    assert rules_fired(plan_with(act()), "unreadable-target") == []


def test_target_before_submission():
    [finding] = rules_fired(
        plan_with(act(target_text="April 2024", target="2024-04")), "target-before-submission"
    )
    assert finding.message == (
        "The target “April 2024” is before the plan was submitted (2024-05-22)."
    )
    # The month of submission itself is not before it.
    assert (
        rules_fired(
            plan_with(act(target_text="May 2024", target="2024-05")), "target-before-submission"
        )
        == []
    )


def test_target_too_far_is_configurable():
    far = act(target_text="July 2025", target="2025-07")
    assert len(rules_fired(plan_with(far), "target-too-far")) == 1
    assert (
        rules_fired(plan_with(act(target_text="May 2025", target="2025-05")), "target-too-far")
        == []
    )
    config = QualityConfig(max_months_after_submission=18)
    assert rules_fired(plan_with(far), "target-too-far", config) == []


@pytest.mark.parametrize(
    ("text", "owner", "quoted"),
    [
        (
            "The Head of Security will revise the Drug Strategy.",
            "Director",
            "“The Head of Security will revise”",
        ),
        (
            "Progress will be monitored weekly by the Head of Safer Prisons.",
            "Governor",
            "“monitored weekly by the Head of Safer Prisons”",
        ),
        (
            "The Deputy Director will ensure vacancies are filled.",
            "Director",
            "“The Deputy Director will ensure”",
        ),
        (
            "Offender Management Unit (OMU) Managers will ensure checks are done.",
            "Director",
            "“Offender Management Unit (OMU) Managers will ensure”",
        ),
    ],
)
def test_owner_mismatch_fires(text, owner, quoted):
    [finding] = rules_fired(plan_with(act(text=text, owner=owner)), "owner-mismatch")
    assert finding.message == f"The text says {quoted}, but the responsible owner is “{owner}”."


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ("The Head of Security will revise the Drug Strategy.", "Head of Security"),
        ("The Head of Education will publish a plan.", "Head of Education, Skills and Work"),
        ("Lists are reviewed daily by the Clinical Managers.", "NHFT"),
        ("The Trust have reviewed the process.", "Northamptonshire Healthcare Foundation Trust"),
        ("The recruitment of two drug coordinators will focus on needs.", "Director"),
        ("Awareness sessions will be organised for Prison Offender Managers.", "Director"),
        ("Quality assured quarterly by managers.", "Director"),
    ],
)
def test_owner_mismatch_does_not_fire(text, owner):
    assert rules_fired(plan_with(act(text=text, owner=owner)), "owner-mismatch") == []


def test_owner_concentration_counts_spellings_of_one_body_as_one():
    actions = [
        act(owner="NHFT"),
        act(owner="Northamptonshire Healthcare Foundation Trust (NHFT)"),
        act(owner="Northamptonshire Healthcare Foundation Trust"),
        act(owner="Governor"),
    ]
    [finding] = rules_fired(plan_with(*actions), "owner-concentration")
    assert finding.message == "“NHFT” is the responsible owner of 3 of 4 actions (75%)."


def test_owner_concentration_does_not_fire_when_shared():
    actions = [act(owner="A Head"), act(owner="B Head"), act(owner="C Head"), act(owner="A Head")]
    assert rules_fired(plan_with(*actions), "owner-concentration") == []
    config = QualityConfig(max_owner_share=0.4)
    assert len(rules_fired(plan_with(*actions), "owner-concentration", config)) == 1


def test_completed_at_submission_is_listed_and_flagged_without_evidence():
    done = act(
        text="A new provider has been commissioned.", target_text="Completed", target="completed"
    )
    promised = act(
        text="Staff will offer every arrival a telephone call.",
        target_text="Completed",
        target="completed",
    )
    findings = [
        f for f in check_plan(plan_with(done, promised)).findings if f.rule.startswith("completed")
    ]
    assert [(f.rule, f.severity, f.action_number) for f in findings] == [
        ("completed-at-submission", "info", 1),
        ("completed-unevidenced", "warning", 2),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The Strategic Safety meeting will be evaluated, as it is too process driven.",
        "Terms of reference to be reviewed and attendance to be monitored.",
        "Leads are working closely with the police to ensure appropriate action.",
    ],
)
def test_not_measurable_fires(text):
    [finding] = rules_fired(plan_with(act(text=text)), "not-measurable")
    assert "gives no number, frequency, threshold, date or output" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "Attendance will be reviewed weekly.",
        "The policy will be reviewed to improve uptake to 85%.",
        "Ensure that two tutors are in post.",
        "A new audit system will be implemented.",
        "Cells will be painted.",  # no vague wording: not this rule's business
        "Leads are working with third-party businesses within the region to ensure twelve "
        "placements.",
    ],
)
def test_not_measurable_does_not_fire(text):
    assert rules_fired(plan_with(act(text=text)), "not-measurable") == []


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Funding to be sought for the renewal of Wayout TV.", "Funding to be sought"),
        ("New showers, subject to funding.", "subject to"),
        ("Evening classes where possible.", "where possible"),
        ("It is hoped that the gym reopens.", "It is hoped"),
        ("Funding for a second dog will be sought.", "will be sought"),
    ],
)
def test_uncertain_delivery_fires(text, quoted):
    [finding] = rules_fired(plan_with(act(text=text)), "uncertain-delivery")
    assert finding.message.startswith(f"Delivery is conditional: “{quoted}”")


def test_uncertain_delivery_does_not_fire_on_firm_actions():
    text = "The gym will reopen in July, considering local market information."
    assert rules_fired(plan_with(act(text=text)), "uncertain-delivery") == []


def test_concern_without_actions():
    plan = plan_with(act())
    plan.concerns.append(Concern(ref="2", category="key", text="Nothing planned."))
    [finding] = rules_fired(plan, "concern-without-actions")
    assert (finding.severity, finding.concern_ref) == ("error", "2")
    assert rules_fired(plan_with(act()), "concern-without-actions") == []


def test_duplicate_and_near_duplicate_actions():
    first = act(text="Training will be delivered to all officers on de-escalation.")
    same = act(text="Training will be delivered to all officers on de-escalation.")
    near = act(text="Training will be delivered to all officers on de-escalation!!")
    other = act(text="A new gym timetable will be published.")
    findings = rules_fired(plan_with(first, same, other, near), "duplicate-action")
    assert [(f.action_number, f.message.split(" is ")[1]) for f in findings] == [
        (2, "the same as concern 1 action 1."),
        (4, "the same as concern 1 action 1."),
    ]
    assert rules_fired(plan_with(first, other), "duplicate-action") == []


def test_plan_timeliness():
    [on_time] = rules_fired(plan_with(act()), "plan-timeliness")
    assert (on_time.severity, on_time.message) == (
        "info",
        "The plan was submitted 43 days after the report was published (2024-04-09 to 2024-05-22).",
    )
    [late] = rules_fired(plan_with(act(), submitted="2024-07-01"), "plan-timeliness")
    assert late.severity == "warning"
    assert late.message.endswith("more than the 60 days expected.")
    assert rules_fired(plan_with(act(), published=None), "plan-timeliness") == []


def test_summary_counts_and_share_passing():
    plan = plan_with(
        act(),
        act(text="The Head of Safety will run weekly drills.", owner=""),
        act(text="The Head of Safety will publish a rota.", target_text="ASAP", target=None),
    )
    summary = check_plan(plan).summary
    assert summary["actions"] == 3
    assert summary["actions_passing"] == 1
    assert summary["share_passing"] == 0.333
    assert summary["by_rule"] == {"missing-owner": 1, "plan-timeliness": 1, "unreadable-target": 1}
    assert summary["actions_per_owner"] == {"Head of Safety": 2, "(none)": 1}
    assert summary["targets_by_month"] == {"2024-07": 2, "unreadable": 1}
