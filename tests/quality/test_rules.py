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
    ("text", "owner", "quoted", "post"),
    [
        (
            "The Head of Security will revise the Drug Strategy.",
            "Director",
            "“The Head of Security will revise”",
            "Head of Security",
        ),
        # The real mismatch: an active subject doing the work under another owner.
        (
            "The Deputy Governor will audit all cell searches each month.",
            "Head of Security",
            "“The Deputy Governor will audit”",
            "Deputy Governor",
        ),
        (
            "The Deputy Director will ensure vacancies are filled.",
            "Director",
            "“The Deputy Director will ensure”",
            "Deputy Director",
        ),
        (
            "Offender Management Unit (OMU) Managers will ensure checks are done.",
            "Director",
            "“Offender Management Unit (OMU) Managers will ensure”",
            "Offender Management Unit (OMU) Managers",
        ),
        # The terse style: a post "to" do something, at the start of a sentence.
        (
            "Deputy Governor to audit all CSIP documents each month.",
            "Governor",
            "“Deputy Governor to audit”",
            "Deputy Governor",
        ),
        # The "by" agent of the action itself is a doer.
        (
            "Outcomes will be analysed monthly, and any disparity will be investigated by the "
            "Deputy Governor.",
            "Equality Lead",
            "“will be investigated by the Deputy Governor”",
            "Deputy Governor",
        ),
        (
            "Training to be delivered to all officers by the Learning and Development Manager.",
            "Deputy Governor",
            "“to all officers by the Learning and Development Manager”",
            "Learning and Development Manager",
        ),
        (
            "Training will be delivered by the Head of Safer Custody and quality assured by the "
            "Deputy Governor.",
            "Governor",
            "“will be delivered by the Head of Safer Custody”",
            "Head of Safer Custody",
        ),
        # A healthcare provider owns the action, but a prison post does part of it.
        (
            "Every medication queue will be supervised, and the Head of Residence will ensure "
            "an officer is detailed to each queue.",
            "Tamar Valley Health CIC",
            "“the Head of Residence will ensure”",
            "Head of Residence",
        ),
    ],
)
def test_owner_mismatch_fires(text, owner, quoted, post):
    [finding] = rules_fired(plan_with(act(text=text, owner=owner)), "owner-mismatch")
    assert finding.message == (
        f"The text says {quoted}: the {post} does this work, but the responsible owner is "
        f"“{owner}”."
    )
    assert finding.suggestion == (
        f"Make the {post} the responsible owner, or say what the {owner} will do to hold the "
        f"{post} to account."
    )


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
        # Overseers named beside an owner who does the work (the counter-examples).
        (
            "The strategy will be checked by the Deputy Governor before publication.",
            "Head of Safety",
        ),
        (
            "Use of force paperwork will be scrutinised by the Prison Group Director.",
            "Head of Security",
        ),
        ("Waiting lists will be monitored monthly by the Head of Healthcare.", "Director"),
        ("The safety meeting will be held weekly and chaired by the Governor.", "Head of Safety"),
        ("Reports will go to the safety meeting chaired by the Governor.", "Head of Safety"),
        (
            "A sample of replies will be quality assured by the Deputy Governor.",
            "Business Hub Manager",
        ),
        ("Each plan will be signed off by the Governor.", "Head of Reducing Reoffending"),
        ("Curtailments will be reviewed by the Deputy Governor each week.", "Head of Residence"),
        ("Checks will be audited monthly by the Custodial Manager.", "Head of Residence"),
        ("The checklist is reported to the Deputy Governor monthly.", "Head of Residence"),
        (
            "Delivery monitored daily by the Duty Governor and weekly by the Governor.",
            "Deputy Governor",
        ),
        (
            "The hub will open, if agreed by the Prison Group Director.",
            "Head of Learning and Skills",
        ),
        # Oversight as an active verb is oversight too.
        ("The College Principal will sign off a new curriculum plan.", "Head of Education"),
        ("The Deputy Governor will chair a monthly review.", "Head of Safety"),
        ("The Duty Governor will check the regime log daily.", "Head of Residence"),
        ("Heads of function will be held to account by the Governor monthly.", "Deputy Governor"),
        ("The Deputy Governor will quality assure a sample of ten each month.", "Head of Safety"),
        (
            "Every transfer to the segregation unit will be authorised by the Duty Governor.",
            "Head of Residence",
        ),
        ("The Use of Force Coordinator will review footage weekly.", "Head of Security"),
        # A post in the owner's own function, and staff who are not accountable posts.
        ("The Safer Custody Manager will deliver ACCT training.", "Head of Safer Custody"),
        ("The Safer Custody Manager will deliver ACCT training.", "Head of Safety"),
        ("Prison Offender Managers will hold a session with each prisoner.", "Head of OMU"),
        ("The Family Support Worker will run a course twice a year.", "Head of Resettlement"),
        ("Officers will escort every patient.", "Director"),
        # A provider's own staff, when the provider owns the action.
        ("The Head of Healthcare will recruit four nurses.", "Orbis Health Ltd"),
        # Not the doer: "by the Head of X to ensure" is an agent phrase already judged.
        ("Progress is monitored weekly by the Head of Safer Prisons to ensure change.", "Director"),
        # Passive with the post as subject: the post is not the doer.
        ("The Governor will be informed of every incident.", "Head of Safety"),
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
    # Every completed action is listed; the one that only promises is warned about too.
    assert [(f.rule, f.severity, f.action_number) for f in findings] == [
        ("completed-at-submission", "info", 1),
        ("completed-at-submission", "info", 2),
        ("completed-unevidenced", "warning", 2),
    ]


@pytest.mark.parametrize(
    ("text", "unevidenced"),
    [
        # "will have" is a future, and "have a" or "have access" a possession: not done.
        ("Each new arrival will have a welfare check on the first night.", True),
        ("Women will each have a named key worker.", True),
        ("Prisoners will have access to a telephone in reception.", True),
        # A perfect tense says what was done.
        ("Officers have completed the refresher course and will keep it current.", False),
        ("The unit has been repainted and will be inspected weekly.", False),
        ("Staff have now had the training, which will be repeated yearly.", False),
        # The terse style is a future too; a present tense inside "each time" is a rule.
        ("Reception staff to give each arrival a welfare pack.", True),
        ("Whenever a cell is found damaged, a repair will be logged the same day.", True),
        ("Each time a search is ordered, the reason will be recorded.", True),
    ],
)
def test_completed_unevidenced_reads_the_tense(text, unevidenced):
    plan = plan_with(act(text=text, target_text="Completed", target="completed"))
    assert bool(rules_fired(plan, "completed-unevidenced")) is unevidenced


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        (
            "The Strategic Safety meeting will be evaluated, as it is too process driven.",
            "evaluated",
        ),
        ("Terms of reference to be reviewed and attendance to be monitored.", "reviewed"),
        (
            "Leads are working closely with the police to ensure appropriate action.",
            "working closely with",
        ),
        # An output that is only the thing to be reviewed or improved is no check.
        ("The drug strategy will be reviewed.", "reviewed"),
        ("Induction to be more effective.", "more effective"),
        ("Links with local employers will be strengthened.", "strengthened"),
        ("Violence will be reduced.", "reduced"),
        ("Staff will be expected to treat women with respect at all times.", "expected to"),
        ("Translated information will be available where appropriate.", "appropriate"),
        # An output that is only the subject of a vague verb, with its whole noun phrase.
        ("The first night centre routine will be reviewed.", "reviewed"),
        ("A family day application will be supported.", "supported"),
        ("The range of gym equipment will be expanded.", "expanded"),
        ("Complaint forms will be made more accessible.", "made more accessible"),
        ("Interpreting will be arranged where it is needed.", "where it is needed"),
        ("Staff will be reminded of the complaints timescales.", "reminded of"),
        ("The Head of Healthcare will keep dental waiting lists under review.", "review"),
        ("Family services will be enhanced through a new partner.", "be enhanced"),
        ("The induction booklet is to be looked at again.", "looked at again"),
        ("Restraint will only be used as a last resort.", "as a last resort"),
        ("Assaults on staff will come down.", "come down"),
        ("Time out of cell for the unit will be more purposeful.", "more purposeful"),
    ],
)
def test_not_measurable_fires(text, vague):
    [finding] = rules_fired(plan_with(act(text=text)), "not-measurable")
    assert finding.message == (
        f"Nothing in “{text}” can be checked: it says “{vague}” but gives no number, "
        "frequency, threshold, date, scope (every, each, all) or output to show it was done."
    )


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
        # A countable scope makes an action measurable (the counter-examples).
        "Every use of force will be reviewed.",
        "Each prisoner over 70 will have a care plan, to improve their health.",
        "Prisoners over 70 will each have a care plan, reviewed to ensure it is followed.",
        "Refresher training will be delivered to all residential officers to improve practice.",
        "All discrimination incident reports will be reviewed by the Equalities Lead.",
        # A promised output with a vague purpose.
        "Policy and guidelines will be developed to ensure the quality of portfolios improves.",
        "The backlog of calls to be cleared and monitored effectively.",
    ],
)
def test_not_measurable_does_not_fire(text):
    assert rules_fired(plan_with(act(text=text)), "not-measurable") == []


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Funding to be sought for the renewal of Wayout TV.", "Funding to be sought"),
        ("Funding for a second dog will be sought.", "Funding for a second dog will be sought"),
        ("New showers, subject to funding.", "subject to"),
        ("Subject to approval, a second dog team will start.", "Subject to"),
        ("Approval will be sought from the Prison Group Director.", "will be sought"),
        ("Evening classes where possible.", "where possible"),
        ("The hub will open, if agreed by the Director.", "if agreed"),
        ("Two officers will be recruited, if HMPPS agrees to the funding.", "if HMPPS agrees"),
        ("Gym sessions will be increased, funding permitting.", "funding permitting"),
        (
            "A barbering academy will start if the bid is successful.",
            "if the bid is successful",
        ),
        (
            "A kitchen workshop will open once the business case is approved.",
            "once the business case is approved",
        ),
        ("Weekend gym will restart where staffing allows.", "where staffing allows"),
        ("Library hours will extend when staffing levels permit.", "when staffing levels permit"),
        ("A listener suite will open if a room can be found.", "if a room can be found"),
        (
            "Peer mentors will start where funding can be identified.",
            "where funding can be identified",
        ),
        ("Level 2 courses will start where places are available.", "where places are available"),
        # Any "if", "once" or "when" clause about money, consent, staff or success.
        (
            "A victim awareness course will run if the panel votes to pay for it.",
            "if the panel votes to pay for it",
        ),
        (
            "Weekend visits will return once the two vacancies are filled.",
            "once the two vacancies are filled",
        ),
        ("The regime will be improved when staffing allows.", "when staffing allows"),
    ],
)
def test_uncertain_delivery_fires_on_conditions(text, quoted):
    [finding] = rules_fired(plan_with(act(text=text)), "uncertain-delivery")
    assert finding.message == (
        f"Delivery depends on a condition: “{quoted}” in “{text}”; if the condition is not "
        "met, the action does not happen."
    )


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("It is hoped that the gym reopens.", "It is hoped"),
        ("We will seek to reduce the rate of self-harm.", "will seek to"),
        ("Aim to reduce assaults on staff by 20%.", "Aim to"),
        ("Links with domestic abuse services will be explored.", "be explored"),
        ("A support group may be introduced.", "may be introduced"),
        ("The Head of Reducing Reoffending will explore housing options.", "will explore"),
        ("A unit for older men will be considered.", "will be considered"),
        ("Clinics will be extended with the aim of cutting waits.", "with the aim of"),
        (
            "Ways to shorten the queue for showers will be investigated.",
            "Ways to shorten the queue for showers will be investigated",
        ),
        ("A second kitchen is intended for next year.", "is intended"),
        ("The regional team will be asked to look at transport.", "asked to look"),
    ],
)
def test_uncertain_delivery_fires_on_hedges(text, quoted):
    [finding] = rules_fired(plan_with(act(text=text)), "uncertain-delivery")
    assert finding.message == (
        f"Delivery is not promised: “{quoted}” in “{text}” says what will be tried, not what "
        "will be done."
    )


@pytest.mark.parametrize(
    "text",
    [
        "The gym will reopen in July, considering local market information.",
        # Seeking people's views is an action, not a condition (the counter-examples).
        "Feedback from families will be sought at visits.",
        "Views will be sought through the prisoner council.",
        "The IEP policy will be revised, and prisoner comments will be sought.",
        "A strategy informed by the views of women, which will be sought by peer listeners.",
        "Prisoners' feedback on release preparation to be sought through an exit survey.",
        # "Where appropriate" limits who or when, not whether.
        "Separation will only be used where appropriate.",
        # "Subject to" describing people, not a condition.
        "Restrictions reviewed for every prisoner subject to them, monthly.",
        "All young people subject to MAPPA will have a plan.",
        # Information gathered is an action too.
        "Assurance will be sought from the provider each month.",
        # "As … as possible" describes quality.
        "The regime will be delivered as effectively as possible.",
        # Looking into every case is an investigation; satisfaction sought is views gathered.
        "The Custodial Manager will look into each complaint of a missed meal.",
        "Learner satisfaction will be sought through a termly survey.",
        # Views named before a long list of whose views they are.
        "The experiences of Gypsy, Roma and Traveller women will be sought at a forum.",
        # "If" and "when" of a person, or of an event, say whom or when.
        "A family call will be offered if the prisoner agrees.",
        "When a woman arrives, she will see a nurse the same day.",
        "Each time force is used, footage will be reviewed within 72 hours.",
        # Eligibility, not a condition.
        "Perpetrators will be placed on a CSIP within 48 hours where the criteria are met.",
    ],
)
def test_uncertain_delivery_does_not_fire_on_firm_actions(text):
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


@pytest.mark.parametrize(
    "text",
    [
        "Staff will be encouraged to treat all prisoners fairly.",
        "Workshop instructors will be supported to deliver effective sessions.",
        "Staff will be made aware of the needs of older prisoners.",
        "Awareness of self-harm will be raised across the establishment.",
        "Release on temporary licence will be used more to help prisoners find accommodation.",
        "Regime curtailments will be kept to a minimum where possible.",
        "Access to landing telephones will be kept under review.",
        "Healthcare will work with the prison to improve access to appointments.",
        "Sentence plans will be more meaningful.",
        "Food comments books will be checked.",
    ],
)
def test_soft_aims_are_not_measured_by_a_scope_or_an_output(text):
    findings = check_plan(plan_with(act(text=text))).findings
    assert [f.rule for f in findings if f.rule == "not-measurable"] == ["not-measurable"], text


@pytest.mark.parametrize(
    "text",
    [
        "Staff will be encouraged to attend the monthly equality forum.",
        "Every reply to a complaint will be quality assured by the Head of Business Assurance.",
        "Two new appointments clinics a week will be added.",
        "Food comments books will be checked weekly and the results shared with the catering "
        "manager.",
    ],
)
def test_soft_aims_with_a_number_or_frequency_and_checks_with_a_scope_are_measurable(text):
    findings = check_plan(plan_with(act(text=text))).findings
    assert "not-measurable" not in [f.rule for f in findings], text
