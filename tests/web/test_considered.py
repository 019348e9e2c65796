"""Findings while drafting: each action's findings beside it once saved, and marking one as
considered, with the reason, recorded with the plan and carried to the submitted version."""

from __future__ import annotations

import datetime
import re

import pytest

from planwatch.web.plans import services
from planwatch.web.plans.models import Action, ConsideredFinding, Plan
from tests.web.test_drafting import date_parts, text_of

MISMATCH = (
    "The text says “The Head of Security will revise”: the Head of Security does this work, "
    "but the responsible owner is “Director”."
)
SUGGESTION = (
    "Make the Head of Security the responsible owner, or say what the Director will do to "
    "hold the Head of Security to account."
)
REASON = "The Director owns the drug strategy on purpose; the Head of Security writes it."


@pytest.fixture
def draft(users, client_for, seed_plan) -> Plan:
    client_for(users["lead"]).post(f"/plans/{seed_plan.pk}/amend/")
    return Plan.objects.get(state=Plan.State.DRAFT)


def action_of(plan: Plan, ref: str, number: int) -> Action:
    return Action.objects.get(plan=plan, concern__ref=ref, position=number - 1)


def test_saving_an_action_lands_beside_its_findings_with_the_suggestion(users, client_for, draft):
    client = client_for(users["lead"])
    action = action_of(draft, "2", 1)
    response = client.post(
        f"/actions/{action.pk}/edit/",
        {"text": action.text, "owner": "Director", "target_text": "July 2024"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{draft.pk}/edit/#action-{action.pk}"
    page = text_of(client.get(response["Location"]))
    assert "Action 2.1 changed" in page
    assert (
        f"Info {MISMATCH} {SUGGESTION} Mark as considered the owner mismatch finding on action 2.1"
        in (page)
    )
    added = client.post(
        f"/concerns/{action.concern_id}/actions/add/",
        {
            "text": "Funding will be sought for a second search dog.",
            "owner": "Head of Security",
            "target_text": "July 2025",
        },
    )
    new = action_of(draft, "2", action.concern.actions.count())
    assert added["Location"] == f"/plans/{draft.pk}/edit/#action-{new.pk}"
    page = text_of(client.get(added["Location"]))
    assert (
        "Warning Delivery depends on a condition: “Funding will be sought” in “Funding will be "
        "sought for a second search dog.”; if the condition is not met, the action does not "
        "happen. State what will be done if the condition is not met, or make the condition "
        "itself the action, with an owner and a date."
    ) in page


def test_marking_a_finding_considered_records_it_and_shows_the_reason_instead(
    users, client_for, draft
):
    lead = users["lead"]
    client = client_for(lead)
    action = action_of(draft, "2", 1)
    url = f"/actions/{action.pk}/consider/"
    form = client.get(f"{url}?rule=owner-mismatch")
    assert form.status_code == 200
    content = form.content.decode()
    assert 'value="owner-mismatch" checked' in content
    assert "Mark a finding on action 2.1 as considered" in text_of(form)
    before = text_of(client.get(f"/plans/{draft.pk}/edit/"))
    passing_before = int(re.search(r"(\d+) of 52 actions pass", before)[1])

    response = client.post(url, {"rule": "owner-mismatch", "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{draft.pk}/edit/#action-{action.pk}"
    [row] = ConsideredFinding.objects.all()
    assert (row.plan, row.lineage, row.rule, row.reason, row.considered_by) == (
        draft,
        action.lineage,
        "owner-mismatch",
        REASON,
        lead,
    )
    page = text_of(client.get(response["Location"]))
    assert "Finding on action 2.1 marked as considered" in page
    assert f"Considered: {REASON}" in page
    assert MISMATCH not in page
    assert "Mark as considered the owner mismatch finding on action 2.1" not in page
    # An information finding never kept the action from passing: the count stays.
    assert f"{passing_before} of 52 actions pass" in page
    # Not offered again for that action.
    again = client.post(url, {"rule": "owner-mismatch", "reason": "Twice."})
    assert again.status_code == 400
    assert "Select one of the findings shown" in text_of(again)
    assert ConsideredFinding.objects.count() == 1


def test_the_submitted_plan_reports_it_as_considered_not_open(users, client_for, draft):
    client = client_for(users["lead"])
    action = action_of(draft, "2", 1)
    client.post(f"/actions/{action.pk}/consider/", {"rule": "owner-mismatch", "reason": REASON})
    data = date_parts("submitted_on", datetime.date(2024, 5, 22))
    data["confirm"] = "on"
    submitted = client.post(f"/plans/{draft.pk}/submit/", data)
    assert submitted.status_code == 302, text_of(submitted)
    page = text_of(client.get(f"/plans/{draft.pk}/"))
    # The seed as published: 42 of 52 pass, 11 warnings (owner mismatch is information);
    # action 2.1's finding is considered, so it is counted apart, not as open.
    assert (
        "42 of 52 actions pass every check of the published standard (clear, measurable, "
        "owned, with a timescale). 0 errors, 11 warnings. 1 more finding was considered by the "
        "plan's lead and kept on purpose."
    ) in page
    assert f"Info: {MISMATCH} Considered: {REASON}" in page
    report = services.quality_report(Plan.objects.get(pk=draft.pk))
    [finding] = [f for f in report.for_action("2", 1) if f.rule == "owner-mismatch"]
    assert finding.considered == REASON
    assert report.summary["considered"] == 1
    assert report.summary["by_rule"]["owner-mismatch"] == 3
    # A later version of the plan carries it on: the same action, the same reason.
    client.post(f"/plans/{draft.pk}/amend/")
    later = Plan.objects.get(state=Plan.State.DRAFT)
    page = text_of(client.get(f"/plans/{later.pk}/edit/"))
    assert f"Considered: {REASON}" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": "owner-mismatch", "reason": "   "}, "Give the reason the action stays as it is"),
        ({"reason": REASON}, "Select the finding you have considered"),
        ({"rule": "uncertain-delivery", "reason": REASON}, "Select one of the findings shown"),
        (
            {"rule": "owner-mismatch", "reason": "x" * 501},
            "The reason must be 500 characters or fewer",
        ),
    ],
)
def test_a_bad_mark_says_what_is_wrong_and_changes_nothing(users, client_for, draft, data, message):
    client = client_for(users["lead"])
    action = action_of(draft, "2", 1)
    response = client.post(f"/actions/{action.pk}/consider/", data)
    assert response.status_code == 400
    page = text_of(response)
    assert page.startswith("Error: Mark a finding on action 2.1 as considered")
    assert f"There is a problem {message}" in page
    assert ConsideredFinding.objects.count() == 0


def test_an_action_without_open_findings_says_so(users, client_for, draft):
    client = client_for(users["lead"])
    action = action_of(draft, "2", 2)  # "The recruitment of two drug coordinators …"
    assert services.quality_report(draft).for_action("2", 2) == []
    page = text_of(client.get(f"/actions/{action.pk}/consider/"))
    assert "Action 2.2 has no open quality findings." in page
    # An information finding may be considered too (completed when submitted: 3.1).
    assert [f.rule for f in services.considerable_findings(action_of(draft, "3", 1))] == [
        "completed-at-submission"
    ]


def test_the_service_refuses_a_submitted_plan_and_errors(users, seed_plan, draft):
    lead = users["lead"]
    submitted_action = action_of(seed_plan, "2", 1)
    with pytest.raises(services.Refused, match="A submitted plan cannot be changed"):
        services.consider_finding(submitted_action, "owner-mismatch", REASON, lead)
    action = action_of(draft, "2", 1)
    services.save_action(
        action.concern, {"text": action.text, "owner": "", "target_text": "July 2024"}, action
    )
    with pytest.raises(services.Refused, match="has no open finding of that kind"):
        services.consider_finding(action, "missing-owner", REASON, lead)
    assert ConsideredFinding.objects.count() == 0


def test_two_marks_at_once_leave_one_and_a_message(users, draft, monkeypatch):
    lead = users["lead"]
    action = action_of(draft, "2", 1)
    seen = services.considerable_findings(action)
    # Another request marks it between this one's check and its write.
    ConsideredFinding.objects.create(
        plan=draft,
        lineage=action.lineage,
        rule="owner-mismatch",
        reason="First.",
        considered_by=lead,
    )
    monkeypatch.setattr(services, "considerable_findings", lambda action: seen)
    with pytest.raises(services.Refused, match="has just been marked considered"):
        services.consider_finding(action, "owner-mismatch", REASON, lead)
    assert list(ConsideredFinding.objects.values_list("reason", flat=True)) == ["First."]


def test_a_draft_is_measured_as_if_submitted_today(users, client_for, draft):
    """A draft has no submission date yet: an action added to it is checked against today, so
    a target already past is flagged while the lead can still change it. Actions carried over
    from the first version keep being measured against the day it was submitted."""
    client = client_for(users["lead"])
    carried = action_of(draft, "2", 1)  # target July 2024, submitted 22 May 2024
    last_year = datetime.date.today().year - 1
    client.post(
        f"/concerns/{carried.concern_id}/actions/add/",
        {
            "text": "Two more drug dogs will be bought.",
            "owner": "Head of Security",
            "target_text": f"March {last_year}",
        },
    )
    added = action_of(draft, "2", carried.concern.actions.count())

    def dated() -> set[tuple[str, str, int]]:
        return {
            (finding.rule, finding.concern_ref, finding.action_number)
            for finding in services.quality_report(draft).findings
            if finding.rule.startswith("target-")
        }

    position = added.position + 1
    assert ("target-before-submission", "2", position) in dated()
    assert not {key for key in dated() if key[1:] == ("2", 1)}
    page = text_of(client.get(f"/plans/{draft.pk}/edit/"))
    assert (
        f"The target “March {last_year}” is before today ({datetime.date.today():%-d %B %Y}), "
        "the earliest this draft can be submitted."
    ) in page
    client.post(
        f"/actions/{added.pk}/edit/",
        {"text": added.text, "owner": added.owner, "target_text": f"March {last_year + 2}"},
    )
    assert ("target-before-submission", "2", position) not in dated()
