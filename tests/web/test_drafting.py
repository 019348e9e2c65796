"""Drafting a plan in the browser: numbering, dates, submission checks and removals."""

from __future__ import annotations

import datetime
import html
import json
import re

import pytest

from planwatch.web.access.models import Role
from planwatch.web.plans.models import Action, Concern, Inspection, Plan, Status
from tests import builders
from tests.web.pagerules import huge_date_message

TODAY = datetime.date(2025, 6, 2)


def text_of(response) -> str:
    page = response.content.decode()
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def date_parts(name: str, day: datetime.date | str) -> dict[str, str]:
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


@pytest.fixture
def today():
    with builders.on(TODAY):
        yield TODAY


@pytest.fixture
def held(db):
    """A submitted plan (so that its establishment exists) and a lead there."""
    plan = builders.plan()
    lead = builders.user("lead", Role.LEAD, plan.establishment)
    return plan, lead


@pytest.fixture
def lead_client(held, client, today):
    client.force_login(held[1])
    return client


def start(client, establishment, published="2025-05-01") -> Plan:
    response = client.post(
        "/plans/new/",
        {
            "establishment": establishment.pk,
            **date_parts("inspection_start", "2025-03-03"),
            **date_parts("inspection_end", "2025-03-14"),
            **date_parts("report_published", published),
        },
    )
    draft = Plan.objects.get(state=Plan.State.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{draft.pk}/edit/"
    return draft


def add_concern(client, draft: Plan, ref: str = "1", text: str = "Too few staff."):
    return client.post(
        f"/plans/{draft.pk}/edit/",
        {"concern-ref": ref, "concern-category": "priority", "concern-text": text},
    )


def add_action(client, concern: Concern, text: str, owner: str, target: str):
    return client.post(
        f"/concerns/{concern.pk}/actions/add/",
        {"text": text, "owner": owner, "target_text": target},
    )


def submit(client, draft: Plan, day: datetime.date | str, confirm: bool = False):
    data = date_parts("submitted_on", day)
    if confirm:
        data["confirm"] = "on"
    return client.post(f"/plans/{draft.pk}/submit/", data)


def test_drafted_actions_are_numbered_in_order_and_keep_their_own_fields(held, lead_client):
    """Issue 10, defect 1: every drafted action was numbered 0."""
    client = lead_client
    draft = start(client, held[0].establishment)
    assert add_concern(client, draft).status_code == 302
    concern = Concern.objects.get(plan=draft)
    first = add_action(client, concern, "Recruit ten officers.", "Head of HR", "July 2025")
    second = add_action(
        client, concern, "Train every new officer.", "Head of Learning", "Completed"
    )
    assert (first.status_code, second.status_code) == (302, 302)
    assert [(a.number, a.label) for a in Action.objects.filter(plan=draft)] == [
        (1, "1.1"),
        (2, "1.2"),
    ]
    response = submit(client, draft, TODAY)
    assert (response.status_code, response["Location"]) == (302, draft.get_absolute_url())

    response = client.get(f"/plans/{draft.pk}/export/json/")
    assert response.status_code == 200
    data = json.loads(response.content)
    plan = data["plans"][0] if "plans" in data else data
    concern = plan["concerns"][0]
    assert [
        (f"{concern['ref']}.{number}", a["text"], a["owner"], a["target_text"], a["status"])
        for number, a in enumerate(concern["actions"], start=1)
    ] == [
        ("1.1", "Recruit ten officers.", "Head of HR", "July 2025", Status.NOT_STARTED),
        ("1.2", "Train every new officer.", "Head of Learning", "Completed", Status.COMPLETED),
    ]


def test_a_concern_number_is_used_once_in_a_draft(held, lead_client):
    """Issue 10, item 18: duplicate concern numbers."""
    client = lead_client
    draft = start(client, held[0].establishment)
    add_concern(client, draft, "1")
    response = add_concern(client, draft, "1", "Another concern with the same number.")
    assert response.status_code == 400
    assert "Concern 1 is already in the plan: give another number" in text_of(response)
    assert 'href="#id_concern-ref"' in response.content.decode()
    assert list(Concern.objects.filter(plan=draft).values_list("ref", flat=True)) == ["1"]
    # Changing another concern to that number is refused too.
    add_concern(client, draft, "2", "A second concern.")
    second = Concern.objects.get(plan=draft, ref="2")
    response = client.post(
        f"/concerns/{second.pk}/edit/",
        {"ref": "1", "category": "key", "text": "A second concern.", "agreement": ""},
    )
    assert response.status_code == 400
    assert "Concern 1 is already in the plan: give another number" in text_of(response)
    second.refresh_from_db()
    assert second.ref == "2"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            TODAY + datetime.timedelta(days=1),
            "The date the plan is submitted must be today or in the past",
        ),
        ("2025-04-30", "The plan cannot be submitted before the report was published (1 May 2025)"),
    ],
)
def test_a_plan_cannot_be_submitted_in_the_future_or_before_the_report(
    held, lead_client, day, message
):
    client = lead_client
    draft = start(client, held[0].establishment)
    add_concern(client, draft)
    concern = Concern.objects.get(plan=draft)
    add_action(client, concern, "Recruit ten officers.", "Head of HR", "July 2025")
    response = submit(client, draft, day)
    assert response.status_code == 400
    page = text_of(response)
    assert f"There is a problem {message}" in page
    assert 'href="#id_submitted_on-day"' in response.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.submitted_on) == (Plan.State.DRAFT, None)


def test_a_target_before_the_submission_date_needs_the_leads_confirmation(held, lead_client):
    client = lead_client
    draft = start(client, held[0].establishment)
    add_concern(client, draft)
    concern = Concern.objects.get(plan=draft)
    add_action(client, concern, "Recruit ten officers.", "Head of HR", "May 2025")
    add_action(client, concern, "Train every new officer.", "Head of Learning", "July 2025")
    response = submit(client, draft, TODAY)
    assert response.status_code == 400
    assert (
        "1 action (1.1) has a target before the submission date: correct it, or confirm "
        "that the plan is to be submitted as it is" in text_of(response)
    )
    assert 'href="#id_confirm"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == Plan.State.DRAFT

    response = submit(client, draft, TODAY, confirm=True)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.submitted_on, draft.in_force_from) == (
        Plan.State.SUBMITTED,
        TODAY,
        TODAY,
    )


def test_a_drafts_dates_can_be_changed_on_the_draft(held, lead_client):
    client = lead_client
    draft = start(client, held[0].establishment)
    page = client.get(f"/plans/{draft.pk}/edit/").content.decode()
    assert f'href="/plans/{draft.pk}/dates/"' in page
    response = client.get(f"/plans/{draft.pk}/dates/")
    assert response.status_code == 200
    assert 'value="2025"' in response.content.decode()

    response = client.post(
        f"/plans/{draft.pk}/dates/",
        {
            **date_parts("inspection_start", "2025-03-10"),
            **date_parts("inspection_end", "2025-03-03"),
            **date_parts("report_published", "2025-05-01"),
        },
    )
    assert response.status_code == 400
    assert "The last day must be on or after the first day" in text_of(response)

    response = client.post(
        f"/plans/{draft.pk}/dates/",
        {
            **date_parts("inspection_start", "2025-03-10"),
            **date_parts("inspection_end", "2025-03-21"),
            **date_parts("report_published", "2025-05-12"),
        },
    )
    assert (response.status_code, response["Location"]) == (302, f"/plans/{draft.pk}/edit/")
    inspection = Inspection.objects.get(pk=draft.inspection_id)
    assert (inspection.start, inspection.end, inspection.report_published) == (
        datetime.date(2025, 3, 10),
        datetime.date(2025, 3, 21),
        datetime.date(2025, 5, 12),
    )
    assert "The inspection's dates were changed" in text_of(client.get(f"/plans/{draft.pk}/edit/"))


def test_removals_are_confirmed_on_a_page_of_their_own(held, lead_client):
    client = lead_client
    draft = start(client, held[0].establishment)
    add_concern(client, draft, "1")
    add_concern(client, draft, "2", "A second concern.")
    first, second = Concern.objects.filter(plan=draft).order_by("position")
    add_action(client, first, "Recruit ten officers.", "Head of HR", "July 2025")
    add_action(client, first, "Train every new officer.", "Head of Learning", "August 2025")
    removed, kept = Action.objects.filter(concern=first).order_by("position")

    response = client.get(f"/actions/{removed.pk}/delete/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Remove action 1.1? Recruit ten officers. Remove the action Cancel" in page
    assert Action.objects.filter(pk=removed.pk).exists()  # asking removes nothing

    response = client.post(f"/actions/{removed.pk}/delete/")
    assert response.status_code == 302
    assert not Action.objects.filter(pk=removed.pk).exists()
    kept.refresh_from_db()
    assert kept.label == "1.1"  # the next action closes the gap

    response = client.get(f"/concerns/{first.pk}/delete/")
    assert response.status_code == 200
    assert "Remove concern 1 and its actions? Too few staff." in text_of(response)
    assert Concern.objects.filter(pk=first.pk).exists()
    response = client.post(f"/concerns/{first.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, f"/plans/{draft.pk}/edit/")
    second.refresh_from_db()
    assert (second.ref, second.position) == ("2", 0)
    assert list(Concern.objects.filter(plan=draft).values_list("ref", flat=True)) == ["2"]
    assert not Action.objects.filter(plan=draft).exists()
    assert "Concern 1 removed" in text_of(client.get(f"/plans/{draft.pk}/edit/"))


def test_a_judged_concern_cannot_be_removed_from_a_new_draft(held, client):
    """Issue 10, item 15: removing a judged concern raised ProtectedError (a 500)."""
    plan, lead = held
    inspector = builders.user("inspector", Role.INSPECTOR)
    builders.judgement(builders.concern(plan, "2"), inspector, "reasonable", "2025-02-03")
    client.force_login(lead)
    with builders.on(TODAY):
        response = client.post(f"/plans/{plan.pk}/amend/")
        draft = Plan.objects.get(state=Plan.State.DRAFT)
        concern = builders.concern(draft, "2")
        response = client.post(f"/concerns/{concern.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "Concern 2 has been judged: it cannot be removed; change its text instead" in text_of(
        response
    )
    assert Concern.objects.filter(pk=concern.pk).exists()


HUGE = "9" * 20


@pytest.mark.parametrize("part", ["day", "month", "year"])
@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("new", "inspection_start"),
        ("new", "inspection_end"),
        ("new", "report_published"),
        ("dates", "inspection_start"),
        ("dates", "inspection_end"),
        ("dates", "report_published"),
        ("submit", "submitted_on"),
    ],
)
def test_a_twenty_digit_date_part_is_a_form_error_not_a_server_error(
    held, lead_client, form, field, part
):
    """Issue 10, item 15: a 20-digit year, month or day raised OverflowError (a 500)."""
    client = lead_client
    establishment = held[0].establishment
    dates = {
        **date_parts("inspection_start", "2025-03-03"),
        **date_parts("inspection_end", "2025-03-14"),
        **date_parts("report_published", "2025-05-01"),
    }
    if form == "new":
        url, data = "/plans/new/", {"establishment": establishment.pk, **dates}
    else:
        draft = start(client, establishment)
        add_concern(client, draft)
        if form == "dates":
            url, data = f"/plans/{draft.pk}/dates/", dates
        else:
            url, data = f"/plans/{draft.pk}/submit/", date_parts("submitted_on", TODAY)
    data[f"{field}-{part}"] = HUGE
    drafts = Plan.objects.filter(state=Plan.State.DRAFT).count()
    response = client.post(url, data)
    assert response.status_code == 400
    assert huge_date_message(part) in text_of(response)
    assert f'href="#id_{field}-{part}"' in response.content.decode()
    assert Plan.objects.filter(state=Plan.State.DRAFT).count() == drafts
    assert Inspection.objects.filter(start=datetime.date(2025, 3, 3)).count() == (
        0 if form == "new" else 1
    )


def test_several_early_targets_are_named_together(held, lead_client):
    client = lead_client
    draft = start(client, held[0].establishment)
    add_concern(client, draft)
    concern = Concern.objects.get(plan=draft)
    add_action(client, concern, "Recruit ten officers.", "Head of HR", "May 2025")
    add_action(client, concern, "Train every new officer.", "Head of Learning", "1 June 2025")
    response = submit(client, draft, TODAY)
    assert response.status_code == 400
    assert (
        "2 actions (1.1, 1.2) have targets before the submission date: correct them, or "
        "confirm that the plan is to be submitted as it is" in text_of(response)
    )


def test_a_plan_without_actions_cannot_be_submitted(held, lead_client):
    draft = start(lead_client, held[0].establishment)
    add_concern(lead_client, draft)
    response = submit(lead_client, draft, TODAY)
    assert response.status_code == 400
    assert "There is a problem Add at least one action before submitting the plan" in text_of(
        response
    )
    draft.refresh_from_db()
    assert draft.state == Plan.State.DRAFT


def test_a_new_version_cannot_be_dated_before_the_version_it_replaces(held, lead_client):
    plan = held[0]  # submitted on 22 May 2024
    response = lead_client.post(f"/plans/{plan.pk}/amend/")
    draft = Plan.objects.get(state=Plan.State.DRAFT)
    assert response["Location"] == f"/plans/{draft.pk}/edit/"
    refused = submit(lead_client, draft, "2024-05-01")
    assert refused.status_code == 400
    assert "A new version cannot be submitted before version 1 was (22 May 2024)" in text_of(
        refused
    )
    draft.refresh_from_db()
    assert (draft.state, draft.submitted_on) == (Plan.State.DRAFT, None)
    accepted = submit(lead_client, draft, "2024-05-22", confirm=True)
    assert accepted.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.submitted_on) == (Plan.State.SUBMITTED, datetime.date(2024, 5, 22))


def test_a_carried_action_whose_target_is_no_longer_completed_counts_as_open_everywhere(db):
    """Found trying the service: an action printed "Completed", re-targeted to a date in a new
    version, kept its stored status "completed" while the reports worked it out as open."""
    from planwatch.web.plans import reports, services

    plan = builders.plan(
        concerns=[("1", "key", [("New visits hall opened.", "Governor", "Completed")])],
    )
    lead = builders.user("lead", Role.LEAD, plan.establishment)
    with builders.on("2024-07-01"):
        draft = services.amend(plan, lead)
        action = Action.objects.get(plan=draft)
        services.save_action(
            action.concern,
            {"text": action.text, "owner": action.owner, "target_text": "March 2027"},
            action,
        )
        services.submit(draft, datetime.date(2024, 7, 1))
    action.refresh_from_db()
    assert action.status == Status.NOT_STARTED
    with builders.on("2024-08-01"):
        day = datetime.date(2024, 8, 1)
        counts = Action.objects.filter(plan=draft).counts(day)
        tallied = reports.tally(reports.plan_states(draft, day))
    assert (counts["completed"], counts["open"]) == (0, 1)
    assert (tallied["completed"], tallied["open"]) == (0, 1)
