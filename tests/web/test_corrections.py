"""Corrections, repeated forms and dates found by trying the service as each role: a
correction never undoes later progress nor skips the evidence rule, works after an
amendment; a form sent twice is saved once; a plan is not submitted before its inspection
ended; a withdrawal is not corrected; an import says nothing of plans one may not see."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from planwatch.web.access.models import Role
from planwatch.web.plans import services
from planwatch.web.plans.models import Action, Judgement, ProgressUpdate
from tests import builders
from tests.web.pagerules import PageRulesClient

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DAY = "2024-07-01"


@pytest.fixture
def held(db):
    plan = builders.plan()
    lead = builders.user(role=Role.LEAD, establishment=plan.establishment)
    return plan, lead


def signed_in(user) -> PageRulesClient:
    client = PageRulesClient()
    client.force_login(user)
    return client


def test_only_the_latest_update_can_be_corrected(held):
    plan, lead = held
    action = builders.action(plan, "2", 1)
    first = builders.update(action, lead, "in_progress", DAY, note="Started")
    builders.update(action, lead, "completed", "2024-07-02", note="Published")
    with pytest.raises(services.Refused) as refusal, builders.on("2024-07-03"):
        services.correct_update(first, lead, reason="Posted twice", status="in_progress")
    assert refusal.value.message == (
        "Only the latest update can be corrected: post a new update to change where the "
        "action stands"
    )
    action.refresh_from_db()
    assert action.status == "completed"
    with builders.on("2024-07-03"):
        page = signed_in(lead).get(f"/actions/{action.pk}/")
    assert page.content.decode().count("Correct this update") == 1


def test_a_correction_cannot_complete_a_priority_action_without_evidence(held):
    plan, lead = held
    action = builders.action(plan, "1", 1)  # under a priority concern
    update = builders.update(action, lead, "in_progress", DAY, note="Started")
    form = {"reason": "It was finished", "status": "completed", "note": "Done"}
    with builders.on("2024-07-02"):
        response = signed_in(lead).post(f"/updates/{update.pk}/correct/", form)
    assert response.status_code == 400
    assert "Attach evidence: actions under a priority concern need evidence" in (
        response.content.decode()
    )
    with builders.on("2024-07-02"):
        files = {"evidence_files": SimpleUploadedFile("audit.pdf", PDF)}
        response = signed_in(lead).post(f"/updates/{update.pk}/correct/", {**form, **files})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "completed"
    assert ProgressUpdate.objects.get(corrects=update).evidence.get().name == "audit.pdf"


def _started_then_amended(held):
    """Action 2.1 started on the first version, then the plan amended and the new version
    submitted: the old action, its update, the action carrying it on, and the lead."""
    plan, lead = held
    old_action = builders.action(plan, "2", 1)
    update = builders.update(old_action, lead, "in_progress", DAY, note="Started")
    with builders.on("2024-07-05"):
        draft = services.amend(plan, lead)
        services.submit(draft, datetime.date(2024, 7, 5))
    return old_action, update, builders.action(draft, "2", 1), lead


def test_an_update_made_on_an_earlier_version_is_corrected_on_the_version_in_force(held):
    old_action, update, new_action, lead = _started_then_amended(held)
    assert new_action.lineage == old_action.lineage
    with builders.on("2024-07-06"):
        correction = services.correct_update(
            update, lead, reason="Not started after all", status="not_started"
        )
    assert correction.action_id == new_action.pk
    new_action.refresh_from_db()
    assert new_action.status == "not_started"


def test_a_correction_through_the_page_lands_on_the_version_in_force(held):
    _, update, new_action, lead = _started_then_amended(held)
    form = {"reason": "Not started after all", "status": "not_started", "note": "Not yet"}
    with builders.on("2024-07-06"):
        response = signed_in(lead).post(f"/updates/{update.pk}/correct/", form)
    assert (response.status_code, response["Location"]) == (302, new_action.get_absolute_url())


def test_the_same_update_sent_twice_is_saved_once(held):
    plan, lead = held
    action = builders.action(plan, "2", 1)
    form = {"status": "in_progress", "note": "Booklet translated into Polish."}
    client = signed_in(lead)
    with builders.on(DAY):
        assert client.post(f"/actions/{action.pk}/update/", form).status_code == 302
        again = client.post(f"/actions/{action.pk}/update/", form)
    assert again.status_code == 400
    assert "This update is the same as the last one: it was already saved" in (
        again.content.decode()
    )
    assert ProgressUpdate.objects.filter(action=action).count() == 1


def test_a_plan_is_not_submitted_before_its_inspection_ended(db):
    establishment = builders.plan().establishment
    lead = builders.user(role=Role.LEAD, establishment=establishment)
    with builders.on("2026-04-01"):
        draft = services.start_draft(
            establishment, datetime.date(2026, 3, 2), datetime.date(2026, 3, 13), None, lead
        )
        services.save_concern(draft, {"ref": "1", "category": "key", "text": "Too few staff"})
        with pytest.raises(services.Refused) as refusal:
            services.submit(draft, datetime.date(2026, 3, 1))
    assert refusal.value.message == (
        "The plan cannot be submitted before the inspection ended (13 March 2026)"
    )
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_withdrawal_is_not_corrected(held):
    plan, _ = held
    inspector = builders.user(role=Role.INSPECTOR, establishment=plan.establishment)
    concern = builders.concern(plan, "1")
    judged = builders.judgement(concern, inspector, "good", "2024-08-01")
    withdrawal = builders.judgement(
        concern, inspector, "", "2024-08-01", reason="Wrong concern", corrects=judged
    )
    with pytest.raises(services.Refused) as refusal:
        builders.judgement(
            concern, inspector, "reasonable", "2024-08-01", reason="x", corrects=withdrawal
        )
    assert refusal.value.message == (
        "A withdrawal cannot be corrected: record a new judgement instead"
    )
    with builders.on("2024-08-02"):
        page = signed_in(inspector).get(f"/concerns/{concern.pk}/judgement/").content.decode()
    assert page.count("Correct or withdraw") == 0  # the good one was corrected, the other withdraws
    assert Judgement.objects.count() == 2


def test_importing_a_file_held_elsewhere_says_nothing_of_it(db):
    from tests.conftest import FIXTURES

    path = FIXTURES / "documents" / "hmp-oldbury-2019.docx"
    held = services.import_plan_bytes(path.read_bytes(), path.name).plan
    other = builders.plan()
    lead = builders.user(role=Role.LEAD, establishment=other.establishment)
    response = signed_in(lead).post(
        "/import/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert f"{path.name}: you cannot import plans for {held.establishment.name}" in text
    assert "already held as" not in text
    assert Action.objects.filter(plan__inspection__establishment=held.establishment).count() > 0


def test_a_corrected_evidence_date_is_the_day_the_action_was_delivered(held):
    """Delivered by the original target is counted from the completion's evidence date; a
    correction replaces the update, so its date counts, in every report alike."""
    from planwatch.web.plans import reports

    plan, lead = held
    action = builders.action(plan, "2", 1)  # target December 2024
    done = builders.update(
        action, lead, "completed", "2024-12-20", evidence_date=datetime.date(2024, 12, 15)
    )
    as_of = datetime.date(2025, 2, 1)

    def delivered() -> tuple[int, int]:
        [row] = reports.estate_report([plan.establishment], as_of)
        by_plan = Action.objects.filter(plan=plan).delivery_by_plan(as_of)[plan.pk]
        return row.delivered_on_time, by_plan["delivered_on_time"]

    assert delivered() == (1, 1)
    with builders.on("2025-01-10"):
        services.correct_update(
            done,
            lead,
            reason="The audit was signed off in January",
            status="completed",
            note="Regime published and reviewed",
            evidence_date=datetime.date(2025, 1, 8),
        )
    assert delivered() == (0, 0)
    state = reports.state_as_of(
        Action.objects.get(pk=action.pk),
        as_of,
        list(ProgressUpdate.objects.filter(lineage=action.lineage)),
    )
    assert state.completed_on == datetime.date(2025, 1, 8)
