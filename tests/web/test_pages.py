"""Pages and forms with Django's test client: what users see and what their posts change."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.plans import services
from planwatch.web.plans.models import (
    Action,
    Concern,
    Evidence,
    Judgement,
    Plan,
    ProgressUpdate,
    Status,
)
from tests import builders
from tests.conftest import FIXTURES
from tests.web.pagerules import huge_date_message
from tests.web.test_domain import table

# Drafts are measured as if submitted today: targets they set must be ahead of it.
NEXT_YEAR = datetime.date.today().year + 1


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed, for assertions on what users read."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def action(plan: Plan, ref: str, number: int) -> Action:
    return builders.action(plan, ref, number)


def update_url(target: Action) -> str:
    return f"/actions/{target.pk}/update/"


def open_actions(plan: Plan, owner: str) -> int:
    return (
        Action.objects.filter(plan=plan, owner_normalised=owner)
        .exclude(status=Status.COMPLETED)
        .count()
    )


def test_home_lists_establishments_with_counts(users, client_for):
    page = text_of(client_for(users["inspector"]).get("/"))
    assert "HMP Peterborough (Men) Version 1, submitted 22 May 2024 43 43 9" in page
    assert "HMP Oldbury Version 1, submitted 5 November 2019" in page


def test_signed_out_home_invites_sign_in(db, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Sign in to see the plans you work on." in text_of(response)


def test_plan_page_mirrors_the_published_table_with_findings(users, client_for, seed_plan):
    page = text_of(client_for(users["viewer"]).get(seed_plan.get_absolute_url()))
    assert "Inspection 8 January 2024 to 18 January 2024" in page
    assert "52 in all: 43 open, 43 overdue, 9 completed" in page
    assert "42 of 52 actions pass every check of the published standard" in page
    assert "Warning: “Director” is the responsible owner of 40 of 52 actions (77%)." in page
    assert "Priority concern 1" in page and "Key concern 11" in page
    assert (
        "The text says “The Head of Security will revise”: the Head of Security does this "
        "work, but the responsible owner is “Director”." in page
    )


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("", 52),
        ("?status=completed", 9),
        ("?owner=NHFT", 11),
        ("?category=key", 26),
        ("?status=overdue&owner=NHFT", 4),
    ],
)
def test_plan_page_filters(users, client_for, seed_plan, query, rows):
    html = client_for(users["viewer"]).get(seed_plan.get_absolute_url() + query).content.decode()
    assert html.count('href="/actions/') == rows


def test_overdue_as_of_a_chosen_date(users, client_for):
    client = client_for(users["viewer"])
    page = text_of(client.get("/overdue/?as_of=2024-07-01"))
    assert "19 actions not completed and past their due date on 1 July 2024" in page
    # An inspector sees every establishment: Oldbury's four 2019-20 actions too.
    page = text_of(client_for(users["inspector"]).get("/overdue/?as_of=2024-07-01"))
    assert "23 actions not completed and past their due date on 1 July 2024" in page
    client = client_for(users["viewer"])
    page = text_of(client.get("/overdue/?as_of=2024-06-15"))
    assert "0 actions not completed" in page
    response = client.get("/overdue/?as_of=31/07/2024")
    assert response.status_code == 400
    assert "Enter the date as year-month-day, for example 2024-07-31" in text_of(response)


def test_due_within_weeks(users, client_for, seed_plan):
    client = client_for(users["lead"])
    target = action(seed_plan, "2", 1)
    today = datetime.date.today()
    builders.update(
        target,
        users["lead"],
        "deferred",
        today,
        new_target_date=today + datetime.timedelta(days=10),
    )
    response = client.get("/due/?weeks=2")
    assert "1 open action due between today and" in text_of(response)
    deferred_to = today + datetime.timedelta(days=10)
    assert table(response.content.decode(), "Due by") == [
        [
            "Action 2.1",
            "HMP Peterborough (Men)",
            # Long text shortened at a word, never mid-word.
            "The Head of Security will revise the Drug Strategy and collaborate closely with "
            "Healthcare, Residence, and Safer Custody during the implementation stages to …",
            "Director",
            "July 2024",
            f"{deferred_to.day} {deferred_to:%B %Y} (deferred)",
            "Not overdue",
            "Deferred",
        ]
    ]
    response = client.get("/due/?weeks=lots")
    assert response.status_code == 400
    assert "Enter a number of weeks from 1 to 104" in text_of(response)


def test_my_actions_are_the_open_actions_of_the_owners_i_act_for(users, client_for, seed_plan):
    html = client_for(users["contributor"]).get("/my-actions/").content.decode()
    # NHFT owns 11 actions, 7 of them completed when the plan was submitted.
    assert Action.objects.filter(plan=seed_plan, owner_normalised="NHFT").count() == 11
    assert open_actions(seed_plan, "NHFT") == 4
    assert html.count('href="/actions/') == 4
    assert "You act for: NHFT at HMP Peterborough (Men)." in text_of_html(html)


def text_of_html(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_completing_needs_a_note_and_priority_concerns_need_evidence(users, client_for, seed_plan):
    client = client_for(users["lead"])
    target = action(seed_plan, "2", 1)  # a priority concern
    response = client.post(update_url(target), {"status": "completed"})
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem Say what was done to complete the action Attach evidence" in page
    assert 'href="#id_note"' in response.content.decode()
    assert 'href="#id_evidence_files"' in response.content.decode()
    assert ProgressUpdate.objects.count() == 0

    evidence = SimpleUploadedFile(
        "minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf"
    )
    response = client.post(
        update_url(target),
        {
            "status": "completed",
            "note": "Strategy published",
            "evidence_date-day": "3",
            "evidence_date-month": "7",
            "evidence_date-year": "2024",
            "evidence_files": [evidence],
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == Status.COMPLETED
    update = ProgressUpdate.objects.get()
    assert (update.note, update.evidence_date) == ("Strategy published", datetime.date(2024, 7, 3))
    stored = Evidence.objects.get()
    assert (stored.name, stored.size) == ("minutes.pdf", 16)
    download = client.get(f"/evidence/{stored.pk}/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 minutes"
    assert "minutes.pdf</a> (16 bytes)" in client.get(target.get_absolute_url()).content.decode()
    page = text_of(client.get(seed_plan.get_absolute_url() + "?status=completed"))
    assert "Strategy published" in page


def test_key_concern_can_be_completed_without_evidence(users, client_for, seed_plan):
    target = action(seed_plan, "9", 1)
    response = client_for(users["lead"]).post(
        update_url(target), {"status": "completed", "note": "Calendar in use"}
    )
    assert response.status_code == 302


def test_deferring_needs_a_new_date_and_a_reason_and_keeps_the_original(
    users, client_for, seed_plan
):
    client = client_for(users["lead"])
    target = action(seed_plan, "9", 1)
    response = client.post(update_url(target), {"status": "deferred"})
    assert response.status_code == 400
    page = text_of(response)
    assert (
        "Enter the new target date" in page and "Give the reason for deferring the action" in page
    )
    html = response.content.decode()
    assert 'href="#id_new_target_date-day"' in html
    # The reason has its own field: the error is there, not on "What has been done".
    assert '<a href="#id_deferral_reason">Give the reason for deferring the action</a>' in html
    assert 'id="id_deferral_reason-error"' in html
    assert 'id="id_note-error"' not in html

    response = client.post(
        update_url(target),
        {
            "status": "deferred",
            "deferral_reason": "Tutor recruitment delayed",
            "new_target_date-day": "31",
            "new_target_date-month": "2",
            "new_target_date-year": "2024",
        },
    )
    assert response.status_code == 400
    assert "New target date must be a real date" in text_of(response)

    next_year = datetime.date.today().year + 1
    response = client.post(
        update_url(target),
        {
            "status": "deferred",
            "deferral_reason": "Tutor recruitment delayed",
            "new_target_date-day": "31",
            "new_target_date-month": "3",
            "new_target_date-year": str(next_year),
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.deferred_to) == (Status.DEFERRED, datetime.date(next_year, 3, 31))
    assert target.target_text == "July 2024"
    assert target.display_status() == Status.DEFERRED
    assert target.deferral_reason == "Tutor recruitment delayed"
    update = ProgressUpdate.objects.get(action=target)
    assert (update.note, update.deferral_reason) == ("", "Tutor recruitment delayed")
    page = text_of(client.get(target.get_absolute_url()))
    assert f"31 March {next_year} Deferred; originally July 2024" in page
    assert "Reason for deferring: Tutor recruitment delayed" in page


def test_overdue_is_derived_and_never_stored(seed_plan):
    target = action(seed_plan, "1", 1)  # July 2024, not started
    assert target.status == Status.NOT_STARTED
    assert target.display_status(datetime.date(2024, 7, 31)) == Status.NOT_STARTED
    assert target.display_status(datetime.date(2024, 8, 1)) == "overdue"
    assert "overdue" not in {value for value, _ in Status.choices}


def test_upload_imports_by_content_and_refuses_whole(users, client_for, seed_plan):
    client = client_for(users["lead"])
    docx = (FIXTURES / "documents" / "hmp-peterborough-2024.docx").read_bytes()
    response = client.post("/import/", {"file": SimpleUploadedFile("plan.bin", docx)})
    assert response.status_code == 302
    assert Plan.objects.filter(inspection=seed_plan.inspection).count() == 1  # the same plan

    revised = SAMPLE_PLAN.read_text("utf-8").replace("June 2024", "July 2024", 1).encode()
    response = client.post("/import/", {"file": SimpleUploadedFile("revised.txt", revised)})
    assert response.status_code == 302
    newest = Plan.objects.filter(inspection=seed_plan.inspection).order_by("-version").first()
    assert newest.version == 2
    assert response["Location"] == newest.get_absolute_url()
    changes = text_of(client.get(f"/plans/{newest.pk}/changes/"))
    assert "Changed actions (1)" in changes and "Target June 2024 July 2024" in changes

    before = Plan.objects.count()
    response = client.post("/import/", {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 junk")})
    assert response.status_code == 400
    assert "x.pdf is a damaged or truncated PDF" in text_of(response)
    assert 'href="#id_file"' in response.content.decode()
    other = (FIXTURES / "documents" / "hmp-oldbury-2019.odt").read_bytes()
    response = client.post("/import/", {"file": SimpleUploadedFile("o.odt", other)})
    assert response.status_code == 400
    assert "o.odt: you cannot import plans for HMP Oldbury" in text_of(response)
    assert Plan.objects.count() == before


@override_settings(PLANWATCH_MAX_UPLOAD_BYTES=1000)
def test_upload_size_limit(users, client_for):
    response = client_for(users["lead"]).post(
        "/import/", {"file": SimpleUploadedFile("big.txt", b"x" * 5000)}
    )
    assert response.status_code == 400
    assert "big.txt is 0.0 MB; the limit is 0 MB" in text_of(response)


def test_drafting_a_plan_in_the_browser(users, client_for, seed_plan):
    client = client_for(users["lead"])
    establishment = seed_plan.establishment
    response = client.post(
        "/plans/new/",
        {
            "establishment": establishment.pk,
            "inspection_start-day": "3",
            "inspection_start-month": "3",
            "inspection_start-year": "2025",
            "inspection_end-day": "14",
            "inspection_end-month": "3",
            "inspection_end-year": "2025",
        },
    )
    draft = Plan.objects.get(state=Plan.State.DRAFT)
    assert response["Location"] == f"/plans/{draft.pk}/edit/"
    response = client.post(
        f"/plans/{draft.pk}/edit/",
        {"concern-ref": "1", "concern-category": "priority", "concern-text": "Too few staff."},
    )
    assert response.status_code == 302
    concern = Concern.objects.get(plan=draft)
    response = client.post(
        f"/concerns/{concern.pk}/actions/add/",
        {"text": "Recruit ten officers.", "owner": "Head of HR", "target_text": "soon"},
    )
    assert response.status_code == 400
    assert "Enter the target as a month (July 2025)" in text_of(response)
    client.post(
        f"/concerns/{concern.pk}/actions/add/",
        {
            "text": "Recruit ten officers by June.",
            "owner": "Head of HR",
            "target_text": "June 2025",
        },
    )
    added = Action.objects.get(concern=concern)
    assert (added.target, added.owner_normalised) == ("2025-06", "Head of HR")
    page = text_of(client.get(f"/plans/{draft.pk}/edit/"))
    # A draft is measured as if submitted today, so a target already past is flagged.
    assert "0 of 1 action pass every quality check" in page
    assert (
        f"The target “June 2025” is before today ({datetime.date.today():%-d %B %Y}), the "
        "earliest this draft can be submitted."
    ) in page
    next_year = datetime.date.today().year + 1
    client.post(
        f"/actions/{added.pk}/edit/",
        {"text": added.text, "owner": "Head of HR", "target_text": f"June {next_year}"},
    )
    page = text_of(client.get(f"/plans/{draft.pk}/edit/"))
    assert "1 of 1 action passes every quality check" in page
    client.post(
        f"/actions/{added.pk}/edit/",
        {"text": added.text, "owner": "Head of HR", "target_text": "June 2025"},
    )

    response = client.post(
        f"/plans/{draft.pk}/submit/",
        {"submitted_on-day": "1", "submitted_on-month": "5", "submitted_on-year": "2025"},
    )
    draft.refresh_from_db()
    assert draft.state == Plan.State.SUBMITTED
    # A submitted plan's drafting pages send people to the plan itself.
    response = client.get(f"/plans/{draft.pk}/edit/")
    assert (response.status_code, response["Location"]) == (302, draft.get_absolute_url())
    response = client.post(f"/plans/{draft.pk}/amend/")
    amended = Plan.objects.get(inspection=draft.inspection, state=Plan.State.DRAFT)
    assert amended.version == draft.version + 1
    assert Action.objects.get(concern__plan=amended).carried_from == added


def test_inspector_records_a_judgement(users, client_for, seed_plan):
    client = client_for(users["inspector"])
    concern = Concern.objects.get(plan=seed_plan, ref="2")
    response = client.post(f"/concerns/{concern.pk}/judgement/", {"reason": ""})
    assert response.status_code == 400
    assert "Select a judgement" in text_of(response)
    assert 'href="#id_rating"' in response.content.decode()
    response = client.post(
        f"/concerns/{concern.pk}/judgement/",
        {
            "rating": "insufficient",
            "reason": "Drug testing still 25% positive",
            "judged_on-day": "3",
            "judged_on-month": "2",
            "judged_on-year": "2025",
        },
    )
    assert response.status_code == 302
    judgement = Judgement.objects.get()
    assert (judgement.rating, judgement.judged_by) == ("insufficient", users["inspector"])
    assert "Judgement: Insufficient progress (3 February 2025)" in text_of(
        client.get(seed_plan.get_absolute_url())
    )


def test_every_change_is_recorded_with_who_and_when(users, client_for, seed_plan):
    target = action(seed_plan, "9", 1)
    client_for(users["lead"]).post(update_url(target), {"status": "in_progress", "note": "Started"})
    latest = target.history.first()
    assert (latest.status, latest.history_user) == ("in_progress", users["lead"])
    assert latest.history_type == "~"
    page = text_of(client_for(users["viewer"]).get(target.get_absolute_url()))
    assert "lead In progress Changed" in page


def test_updates_and_judgements_cannot_be_changed_or_deleted(users, seed_plan):
    update = builders.update(action(seed_plan, "9", 1), users["lead"], "in_progress", "2024-06-10")
    update.note = "rewritten"
    with pytest.raises(PermissionError, match="ProgressUpdate records cannot be changed"):
        update.save()
    with pytest.raises(PermissionError, match="ProgressUpdate records cannot be deleted"):
        update.delete()
    judgement = builders.judgement(
        builders.concern(seed_plan, "2"), users["inspector"], "reasonable", "2025-02-03"
    )
    judgement.reason = "rewritten"
    with pytest.raises(PermissionError, match="Judgement records cannot be changed"):
        judgement.save()
    with pytest.raises(PermissionError, match="Judgement records cannot be deleted"):
        judgement.delete()
    assert ProgressUpdate.objects.get().note == ""
    assert Judgement.objects.get().reason == "Inspectors found this at the review"


def test_history_is_not_editable_through_any_page():
    from django.contrib import admin

    registered = {model._meta.model_name for model in admin.site._registry}
    assert not any(name.startswith("historical") for name in registered)
    assert "progressupdate" not in registered and "judgement" not in registered


def test_drafting_pages_show_findings_beside_each_action(users, client_for, seed_plan):
    client = client_for(users["lead"])
    client.post(f"/plans/{seed_plan.pk}/amend/")
    draft = Plan.objects.get(state=Plan.State.DRAFT)
    concern = Concern.objects.get(plan=draft, ref="1")
    client.post(
        f"/concerns/{concern.pk}/actions/add/",
        {
            "text": "The Strategic Safety meeting will be evaluated.",
            "owner": "Director",
            "target_text": f"July {NEXT_YEAR}",
        },
    )
    page = text_of(client.get(f"/plans/{draft.pk}/edit/"))
    assert (
        "Action 1.5 The Strategic Safety meeting will be evaluated. Owner: Director. Target: "
        f"July {NEXT_YEAR}. Warning Nothing in “The Strategic Safety meeting will be evaluated.” can be "
        "checked: it says “evaluated” but gives no number, frequency, threshold, date, scope "
        "(every, each, all) or output to show it was done. Say what will change and how it "
        "will be seen: a number or rate, how often, for whom, by when, or what will be "
        "produced. Mark as considered the not measurable finding on action 1.5" in page
    )
    assert "Warning: “Director” is the responsible owner of 41 of 53 actions (77%)." in page


def test_leads_say_who_acts_for_each_owner(users, client_for, seed_plan):
    from planwatch.web.access.models import OwnerMapping

    url = f"/establishments/{seed_plan.establishment.slug}/owners/"
    page = text_of(client_for(users["viewer"]).get(url))
    assert "NHFT contributor" in page and "Director No one yet" in page
    assert client_for(users["viewer"]).post(url, {"owner": "Director"}).status_code == 403
    client = client_for(users["lead"])
    response = client.post(url, {"owner": "Director", "username": "nobody"})
    assert response.status_code == 400
    assert "There is no active user called nobody" in text_of(response)
    # Only people who can post progress there act for an owner.
    response = client.post(url, {"owner": "Director", "username": "viewer"})
    assert response.status_code == 400
    assert (
        "viewer cannot post progress at HMP Peterborough (Men): ask an administrator to make "
        "them a contributor or lead there first" in text_of(response)
    )
    assert not OwnerMapping.objects.filter(owner="Director").exists()
    response = client.post(url, {"owner": "Director", "username": "contributor"})
    assert response.status_code == 302
    assert OwnerMapping.objects.filter(owner="Director", user=users["contributor"]).exists()
    # The contributor now sees the Director's open actions as theirs, beside NHFT's.
    html = client_for(users["contributor"]).get("/my-actions/").content.decode()
    assert open_actions(seed_plan, "Director") > 0
    assert html.count('href="/actions/') == open_actions(seed_plan, "Director") + open_actions(
        seed_plan, "NHFT"
    )
    mapping = OwnerMapping.objects.get(owner="Director")
    client_for(users["lead"]).post(url, {"remove": mapping.pk})
    assert not OwnerMapping.objects.filter(owner="Director").exists()
    assert client_for(users["lead"]).get("/establishments/hmp-oldbury/owners/").status_code == 403


def test_long_lists_are_paged(users, client_for, monkeypatch):
    from planwatch.web.plans.views import common

    monkeypatch.setattr(common, "PAGE_SIZE", 20)
    client = client_for(users["viewer"])
    first = client.get("/overdue/?as_of=2030-01-01")
    page = text_of(first)
    assert "43 actions not completed and past their due date on 1 January 2030" in page
    assert "Showing 1 to 20." in page
    assert first.content.decode().count('href="/actions/') == 20
    assert 'href="?as_of=2030-01-01&amp;page=2"' in first.content.decode()
    last = text_of(client.get("/overdue/?as_of=2030-01-01&page=3"))
    assert "Showing 41 to 43." in last
    assert "Showing 41 to 43." in text_of(client.get("/overdue/?as_of=2030-01-01&page=99"))


def test_a_recommendations_agreement_can_be_set_back_to_not_applicable(
    users, client_for, seed_plan
):
    client = client_for(users["lead"])
    client.post(f"/plans/{seed_plan.pk}/amend/")
    concern = Concern.objects.get(plan__state=Plan.State.DRAFT, ref="1")
    data = {"ref": "1", "category": "recommendation", "text": "A concern.", "agreement": "agreed"}
    client.post(f"/concerns/{concern.pk}/edit/", data)
    concern.refresh_from_db()
    assert concern.agreement == "agreed"
    page = client.get(f"/concerns/{concern.pk}/edit/").content.decode()
    assert 'type="radio" value=""' in page and "Not applicable" in page
    client.post(f"/concerns/{concern.pk}/edit/", {**data, "agreement": ""})
    concern.refresh_from_db()
    assert concern.agreement == ""


# --- the page rules themselves ----------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        (
            "<html><head><title>Plans – planwatch</title></head><body><h1>Plans</h1>"
            "<h1>More</h1></body></html>",
            "the page has 2 h1 elements, not exactly one",
        ),
        (
            "<html><head><title>Other – planwatch</title></head><body><h1>Plans</h1></body></html>",
            "the title 'Other – planwatch' does not begin with the h1 'Plans'",
        ),
        (
            '<html><head><title>Plans</title></head><body><h1>Plans</h1><p id="a"></p>'
            '<p id="a"></p></body></html>',
            "ids used more than once: a",
        ),
        (
            "<html><head><title>Plans</title></head><body><h1>Plans</h1>{{ plan }}</body></html>",
            "raw template syntax in the output: 'Plans</title></head><body><h1>Plans</h1>{{ plan }}</body></html>'",
        ),
        (
            "<html><head><title>Plans</title></head><body><h1>Plans</h1></div></body></html>",
            "the HTML does not parse cleanly: line 1: Unexpected end tag : div",
        ),
    ],
)
def test_the_page_rules_catch_each_broken_rule(html, problem):
    from tests.web.pagerules import page_problems

    assert problem in page_problems(html)


def test_the_page_rules_allow_the_error_prefix_and_collapse_whitespace():
    from tests.web.pagerules import page_problems

    html = (
        "<html><head><title>Error: Import\n  a plan – planwatch</title></head>"
        "<body><h1>\n Import a\n plan </h1></body></html>"
    )
    assert page_problems(html) == []


# --- issue 10 regressions ---------------------------------------------------------------


def many_overdue_actions(count: int) -> Plan:
    """A plan whose `count` actions are all due at the end of July 2024."""
    return builders.plan(
        concerns=[
            (
                "1",
                "key",
                [
                    (f"Action number {n} will be done.", "Governor", "July 2024")
                    for n in range(count)
                ],
            )
        ]
    )


@pytest.mark.parametrize(
    ("url", "day", "title"),
    [
        ("/overdue/?as_of=2024-08-01", "2024-08-01", "Overdue actions – planwatch"),
        ("/due/?weeks=8", "2024-07-01", "Actions due soon – planwatch"),
    ],
)
def test_long_lists_keep_their_pagination_out_of_the_title(db, client, url, day, title):
    """Issue 10, item 9: past 50 rows, the pagination's HTML ended up in the <title>."""
    plan = many_overdue_actions(60)
    client.force_login(builders.user(role="viewer", establishment=plan.establishment))
    with builders.on(day):
        response = client.get(url)
    html = response.content.decode()
    assert re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1) == title
    assert html.count('href="/actions/') == 50
    assert 'class="govuk-pagination"' in html
    assert "Showing 1 to 50." in text_of(response)


def test_a_stale_form_gets_a_page_saying_what_to_do(db):
    """Issue 10, item 10: a CSRF failure showed Django's bare page."""
    from tests.web.pagerules import PageRulesClient

    plan = builders.plan()
    lead = builders.user(role="lead", establishment=plan.establishment)
    client = PageRulesClient(enforce_csrf_checks=True)
    client.force_login(lead)
    target = builders.action(plan, "1", 1)
    response = client.post(update_url(target), {"status": "in_progress", "note": "Begun"})
    assert response.status_code == 403
    page = text_of(response)
    assert "Your form could not be sent This can happen when a page has been open" in page
    assert "Go back, copy anything you typed, reload the page, then send the form again." in page
    assert 'class="govuk-template' in response.content.decode()
    assert h1_of(response) == "Your form could not be sent"
    assert not ProgressUpdate.objects.exists()
    # The same for a visitor whose sign-in page was open too long.
    visitor = PageRulesClient(enforce_csrf_checks=True)
    response = visitor.post("/sign-in/", {"username": lead.username, "password": "x"})
    assert (response.status_code, h1_of(response)) == (403, "Your form could not be sent")


def h1_of(response) -> str:
    from lxml import html as lxml_html

    (heading,) = lxml_html.fromstring(response.content.decode()).findall(".//h1")
    return " ".join(heading.text_content().split())


@pytest.mark.parametrize("value", ["abc", "", "1e3", "-1", "99999999999999999999999"])
def test_removing_an_owner_mapping_by_a_bad_id_changes_nothing(db, client, value):
    """Issue 10, item 15: remove=abc on the Owners page was a 500."""
    from planwatch.web.access.models import OwnerMapping

    plan = builders.plan()
    lead = builders.user(role="lead", establishment=plan.establishment)
    builders.user(role="contributor", establishment=plan.establishment, acts_for=["Governor"])
    client.force_login(lead)
    url = f"/establishments/{plan.establishment.slug}/owners/"
    response = client.post(url, {"remove": value}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "That person was not listed for the owner: nothing changed" in text_of(response)
    assert OwnerMapping.objects.count() == 1


HUGE = "9" * 20


@pytest.mark.parametrize("part", ["day", "month", "year"])
@pytest.mark.parametrize(
    ("status", "field"), [("in_progress", "evidence_date"), ("deferred", "new_target_date")]
)
def test_a_twenty_digit_date_part_in_an_update_is_a_form_error(db, client, status, field, part):
    """Issue 10, item 15: OverflowError (a 500) from a 20-digit year, month or day."""
    plan = builders.plan()
    client.force_login(builders.user(role="lead", establishment=plan.establishment))
    target = builders.action(plan, "1", 1)
    data = {"status": status, "note": "A note", f"{field}-day": "3", f"{field}-month": "7"}
    data[f"{field}-year"] = "2025"
    data[f"{field}-{part}"] = HUGE
    with builders.on("2024-07-01"):
        response = client.post(update_url(target), data)
    assert response.status_code == 400
    assert huge_date_message(part) in text_of(response)
    assert f'href="#id_{field}-{part}"' in response.content.decode()
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("part", ["day", "month", "year"])
def test_a_twenty_digit_date_part_in_a_judgement_is_a_form_error(db, client, part):
    plan = builders.plan()
    client.force_login(builders.user(role="inspector"))
    concern = builders.concern(plan, "1")
    data = {"rating": "reasonable", "reason": "Seen at the review"}
    data.update({"judged_on-day": "3", "judged_on-month": "2", "judged_on-year": "2025"})
    data[f"judged_on-{part}"] = HUGE
    with builders.on("2025-03-01"):
        response = client.post(f"/concerns/{concern.pk}/judgement/", data)
    assert response.status_code == 400
    assert huge_date_message(part) in text_of(response)
    assert f'href="#id_judged_on-{part}"' in response.content.decode()
    assert not Judgement.objects.exists()


def test_the_server_error_page_keeps_the_page_rules():
    from django.template.loader import render_to_string

    from tests.web.pagerules import page_problems

    html = render_to_string("errors/500.html")
    assert "Sorry, there is a problem with the service" in html
    assert page_problems(html) == []


def test_plans_of_different_inspections_export_under_different_names(db, client):
    """Issue 10, item 18: two inspections' plans were both '…-action-plan-v1'."""
    first = builders.plan(inspection_start=datetime.date(2024, 1, 8))
    second = builders.plan(inspection_start=datetime.date(2024, 1, 22), stored_on="2024-07-01")
    assert first.inspection_id != second.inspection_id
    assert (first.version, second.version) == (1, 1)
    client.force_login(builders.user(role="viewer", establishment=first.establishment))
    names = {
        client.get(f"/plans/{plan.pk}/export/csv/")["Content-Disposition"]
        for plan in (first, second)
    }
    assert names == {
        'attachment; filename="hmp-testshire-men-2024-01-08-action-plan-v1.csv"',
        'attachment; filename="hmp-testshire-men-2024-01-22-action-plan-v1.csv"',
    }


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("viewer", "post", "/actions/{action}/update/"),
        ("viewer", "get", "/plans/new/"),
        ("viewer", "get", "/import/"),
        ("contributor", "get", "/concerns/{concern}/judgement/"),
        ("viewer", "post", "/establishments/{slug}/owners/"),
        ("viewer", "post", "/plans/{plan}/amend/"),
    ],
)
def test_a_refusal_is_a_403_page_and_logs_nothing(db, client, caplog, role, method, path):
    """Issue 10, item 18: every 403 logged a traceback, as if it were an error."""
    plan = builders.plan()
    client.force_login(builders.user(role=role, establishment=plan.establishment))
    url = path.format(
        action=builders.action(plan, "1", 1).pk,
        concern=builders.concern(plan, "1").pk,
        slug=plan.establishment.slug,
        plan=plan.pk,
    )
    with caplog.at_level("DEBUG"):
        response = getattr(client, method)(url)
    assert response.status_code == 403
    assert "You cannot do this" in text_of(response)
    # A refusal is answered, not logged: no warning, no traceback.
    assert [
        r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ] == []
    assert "Traceback" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.name != "planwatch.requests"] == []


def test_import_messages_count_warnings_and_mark_what_is_already_held(db, client):
    """Issue 10, item 18: "1 warnings", and "already held" in the green success banner."""
    client.force_login(builders.user(role="administrator"))
    data = SAMPLE_PLAN.read_bytes()
    response = client.post("/import/", {"file": SimpleUploadedFile("a.txt", data)}, follow=True)
    banner = banners(response)
    assert banner == [
        (
            "success",
            "Success a.txt: imported as HMP Peterborough (Men) action plan, version 1 "
            "(11 concerns, 52 actions, 1 warning)",
        )
    ]
    response = client.post("/import/", {"file": SimpleUploadedFile("b.txt", data)}, follow=True)
    assert banners(response) == [
        ("", "Important b.txt: already held as HMP Peterborough (Men) action plan, version 1")
    ]
    assert Plan.objects.count() == 1


def banners(response) -> list[tuple[str, str]]:
    """Each notification banner on a page: ("success" or "", its text)."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(response.content.decode())
    return [
        (
            "success" if "govuk-notification-banner--success" in banner.get("class") else "",
            " ".join(banner.text_content().split()),
        )
        for banner in root.find_class("govuk-notification-banner")
    ]


def test_a_superseded_versions_action_page_says_so(db, client):
    """Issue 10, item 18: an old version's action page read as if it were current."""
    first = builders.plan()
    second = builders.plan(stored_on="2024-07-01")
    assert (first.inspection_id, second.version) == (second.inspection_id, 2)
    client.force_login(builders.user(role="lead", establishment=first.establishment))
    with builders.on("2024-08-01"):
        old = text_of(client.get(builders.action(first, "1", 1).get_absolute_url()))
        new = text_of(client.get(builders.action(second, "1", 1).get_absolute_url()))
    superseded = (
        "Version 1 was superseded by version 2: its figures and progress are now shown there"
    )
    assert superseded in old
    assert "Save update" not in old  # progress goes on the version in force
    assert "superseded" not in new.lower() and "Save update" in new


def test_a_note_over_five_thousand_characters_is_refused(db, client):
    """Issue 10, item 18: notes of any length were stored."""
    plan = builders.plan()
    client.force_login(builders.user(role="lead", establishment=plan.establishment))
    target = builders.action(plan, "1", 1)
    with builders.on("2024-07-01"):
        response = client.post(update_url(target), {"status": "in_progress", "note": "x" * 5001})
        assert response.status_code == 400
        assert "The note must be 5,000 characters or fewer" in text_of(response)
        assert 'href="#id_note"' in response.content.decode()
        assert not ProgressUpdate.objects.exists()
        response = client.post(update_url(target), {"status": "in_progress", "note": "x" * 5000})
    assert response.status_code == 302
    assert len(ProgressUpdate.objects.get().note) == 5000


def test_every_page_keeps_the_page_rules(db, client):
    """Each page once, as an administrator, with a draft, an update and a judgement held: the
    client checks every page it fetches (one h1, the title, unique ids, no template syntax)."""
    first = builders.plan()
    second = builders.plan(stored_on="2024-07-01")
    administrator = builders.user(role="administrator")
    target = builders.action(second, "1", 1)
    update = builders.update(target, administrator, "in_progress", "2024-07-02", note="Begun")
    judgement = builders.judgement(
        builders.concern(second, "1"), administrator, "reasonable", "2025-02-03"
    )
    with builders.on("2025-03-01"):
        draft = services.amend(second, administrator)
    concern, action = builders.concern(draft, "1"), builders.action(draft, "1", 1)
    slug = first.establishment.slug
    pages = [
        "/",
        f"/establishments/{slug}/",
        f"/establishments/{slug}/report/?as_of=2024-09-30",
        f"/establishments/{slug}/owners/",
        "/estate/",
        f"/plans/{first.pk}/",
        f"/plans/{second.pk}/",
        f"/plans/{second.pk}/changes/",
        f"/plans/{draft.pk}/",
        f"/plans/{draft.pk}/edit/",
        f"/plans/{draft.pk}/dates/",
        "/plans/new/",
        f"/concerns/{concern.pk}/edit/",
        f"/concerns/{concern.pk}/actions/add/",
        f"/concerns/{concern.pk}/delete/",
        f"/actions/{action.pk}/edit/",
        f"/actions/{action.pk}/delete/",
        f"/actions/{target.pk}/",
        f"/updates/{update.pk}/correct/",
        f"/concerns/{builders.concern(second, '1').pk}/judgement/",
        f"/judgements/{judgement.pk}/correct/",
        "/overdue/",
        "/due/",
        "/my-actions/",
        "/import/",
        "/nowhere/",
    ]
    client.force_login(administrator)
    statuses = {url: client.get(url).status_code for url in pages}
    assert statuses == {url: 404 if url == "/nowhere/" else 200 for url in pages}
    client.logout()
    assert client.get("/sign-in/").status_code == 200
    assert client.get("/").status_code == 200


def test_an_update_is_corrected_on_its_own_page(db, client):
    """The correction page was a 500: its permission check took the update for an action."""
    plan = builders.plan()
    lead = builders.user(role="lead", establishment=plan.establishment)
    viewer = builders.user(role="viewer", establishment=plan.establishment)
    target = builders.action(plan, "1", 1)
    wrong = builders.update(target, lead, "in_progress", "2024-07-02", note="Begun on C wing")
    url = f"/updates/{wrong.pk}/correct/"
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    with builders.on("2024-07-03"):
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"status": "in_progress", "note": "Begun on B wing", "reason": "Wrong wing"}
        )
    assert (response.status_code, response["Location"]) == (302, target.get_absolute_url())
    correction = ProgressUpdate.objects.get(corrects=wrong)
    assert (correction.note, correction.author) == ("Correction: Wrong wing\nBegun on B wing", lead)
    assert ProgressUpdate.objects.count() == 2
