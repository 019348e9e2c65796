"""Regression tests for the domain defects of issue 10: superseded plans (2), dates in the
future or before submission (5), empty and repeated updates (7), judgements across versions
(8) and out-of-range dates in plans (12). Concurrency (11, 14) is in test_concurrency.py;
evidence (6) and the append-only history (16) in test_integrity.py."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from planwatch.web.access.models import Role
from planwatch.web.plans import services
from planwatch.web.plans.models import Action, Plan
from planwatch.web.plans.reminders import digests
from planwatch.web.plans.reports import estate_report, progress_report
from tests import builders
from tests.conftest import plan_text

NURSE, GOVERNOR = "Head of Healthcare", "Governor"
TESTSHIRE = "HMP Testshire (Men)"
TODAY = datetime.date(2025, 6, 10)
OLD_SUBMITTED = datetime.date(2023, 5, 22)
NEW_SUBMITTED = datetime.date(2025, 5, 1)


# --- reading pages -------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of a page: its caption and its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table(html: str, caption_starts: str) -> list[list[str]]:
    """The body rows of the one table whose caption starts so (empty when none is shown)."""
    found = [t for t in tables(html) if t["caption"].startswith(caption_starts)]
    assert len(found) <= 1, [t["caption"] for t in found]
    return found[0]["rows"][1:] if found else []


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# --- 2: a newer inspection's plan supersedes the older one ----------------------------------


OLD_CONCERNS = [
    (
        "1",
        "key",
        [
            ("Old plan: see every arrival within two hours.", NURSE, "June 2025"),
            ("Old plan: audit first-night cells weekly.", NURSE, "March 2024"),
            ("Old plan: report to the board monthly.", GOVERNOR, "December 2023"),
        ],
    )
]
NEW_CONCERNS = [
    (
        "1",
        "key",
        [
            ("New plan: open the library every evening.", NURSE, "June 2025"),
            ("New plan: reopen the gym at weekends.", GOVERNOR, "May 2025"),
        ],
    )
]


@pytest.fixture
def superseded(db):
    """Testshire's plan for its 2023 inspection (1.3 completed, 1.2 overdue since March 2024,
    1.1 due June 2025), superseded on 1 May 2025 by the plan for its 2025 inspection (1.1 due
    June 2025, 1.2 overdue since May 2025)."""
    old = builders.plan(
        TESTSHIRE,
        inspection_start=datetime.date(2023, 1, 9),
        submitted=OLD_SUBMITTED,
        stored_on=OLD_SUBMITTED,
        concerns=OLD_CONCERNS,
    )
    where = old.establishment
    nurse = builders.user("nurse", Role.CONTRIBUTOR, where, acts_for=[NURSE])
    governor = builders.user("governor", Role.CONTRIBUTOR, where, acts_for=[GOVERNOR])
    builders.update(builders.action(old, "1", 3), governor, "completed", "2023-12-01")
    new = builders.plan(
        TESTSHIRE,
        inspection_start=datetime.date(2025, 1, 6),
        submitted=NEW_SUBMITTED,
        stored_on=NEW_SUBMITTED,
        concerns=NEW_CONCERNS,
    )
    admin = builders.user("admin", Role.ADMINISTRATOR)
    return {"old": old, "new": new, "nurse": nurse, "governor": governor, "admin": admin}


def test_after_a_newer_inspections_plan_every_figure_counts_only_it(superseded, client):
    new = superseded["new"]
    client.force_login(superseded["admin"])
    with builders.on(TODAY):
        home = table(get(client, "/"), "Establishments and their plans in force")
        assert home == [[TESTSHIRE, "Version 1, submitted 1 May 2025", "2", "1", "0"]]
        assert f'href="{new.get_absolute_url()}"' in get(client, "/")

        [estate] = table(get(client, "/estate/?as_of=2025-06-10"), "")
        assert estate[:4] == [TESTSHIRE, "2", "1", "0"]
        assert estate[5] == "0"  # deferred

        report = get(client, f"/establishments/{new.establishment.slug}/report/")
        # One row a status (completed, in progress, not started, deferred, overdue), then all.
        counts = [row[1] for row in table(report, "Number of actions at each status")]
        # Completed, in progress, not started, deferred, overdue, all actions.
        assert counts == ["0", "0", "1", "0", "1", "2"]

        overdue = table(get(client, "/overdue/?as_of=2025-06-10"), "Overdue actions on")
        assert [row[2] for row in overdue] == ["New plan: reopen the gym at weekends."]
        due = table(get(client, "/due/?weeks=4"), "")
        assert [row[2] for row in due] == ["New plan: open the library every evening."]

        for person, expected in (
            ("nurse", ["New plan: open the library every evening."]),
            ("governor", ["New plan: reopen the gym at weekends."]),
        ):
            client.force_login(superseded[person])
            mine = table(get(client, "/my-actions/"), "")
            assert [row[2] for row in mine] == expected, person

        assert [
            (d.user.username, [a.text for a in d.overdue], [a.text for a in d.due_soon])
            for d in digests(TODAY)
        ] == [
            ("governor", ["New plan: reopen the gym at weekends."], []),
            ("nurse", [], ["New plan: open the library every evening."]),
        ]


def test_the_superseded_plans_unfinished_actions_say_so_on_its_page(superseded, client):
    old = superseded["old"]
    client.force_login(superseded["admin"])
    with builders.on(TODAY):
        html = get(client, old.get_absolute_url())
    statuses = re.findall(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>', html)
    assert sorted(statuses) == [
        "Completed",
        "Not completed when superseded",
        "Not completed when superseded",
    ]
    assert "This plan was superseded by the plan for the inspection of 6 January 2025" in html
    # Nobody can post progress on it any more.
    with builders.on(TODAY), pytest.raises(services.Refused, match="superseded"):
        services.record_update(
            builders.action(old, "1", 1), superseded["nurse"], status="in_progress", note="x"
        )


def test_the_estate_report_as_of_a_day_uses_the_plan_in_force_that_day(superseded, client):
    """Before the newer plan's submission the older one counts; before the older one's
    submission, none does."""
    client.force_login(superseded["admin"])
    rows = {
        day: [
            (row.plan and row.plan.pk, row.open, row.overdue, row.completed)
            for row in estate_report([superseded["old"].establishment], day)
        ]
        for day in (
            OLD_SUBMITTED - datetime.timedelta(days=1),
            NEW_SUBMITTED - datetime.timedelta(days=1),
            NEW_SUBMITTED,
        )
    }
    old, new = superseded["old"].pk, superseded["new"].pk
    assert rows == {
        datetime.date(2023, 5, 21): [(None, 0, 0, 0)],
        datetime.date(2025, 4, 30): [(old, 2, 1, 1)],
        datetime.date(2025, 5, 1): [(new, 2, 0, 0)],
    }
    before_new = get(client, "/estate.csv?as_of=2025-04-30").splitlines()[1]
    assert before_new.startswith(f"{TESTSHIRE},2025-04-30,1,2,1,1,0,")
    before_any = get(client, "/estate.csv?as_of=2023-05-21").splitlines()[1]
    # No plan was in force: nothing was counted, which the CSV leaves empty, not zero.
    assert before_any == f"{TESTSHIRE},2023-05-21,,,,,,,,,,,,,,"


def test_a_newer_version_is_in_force_only_from_its_submission(db):
    first = builders.plan(
        submitted=datetime.date(2024, 5, 22), stored_on=datetime.date(2024, 5, 22)
    )
    second = builders.plan(
        submitted=datetime.date(2024, 9, 2),
        stored_on=datetime.date(2024, 9, 2),
        concerns=[("1", "key", [("Only one action now.", GOVERNOR, "December 2024")])],
    )
    assert second.version == 2
    establishment = first.establishment
    assert [
        (report.plan.pk, report.counts["total"])
        for report in (
            progress_report(establishment, datetime.date(2024, 9, 1)),
            progress_report(establishment, datetime.date(2024, 9, 2)),
        )
    ] == [(first.pk, 3), (second.pk, 1)]


def test_the_progress_report_can_be_asked_for_a_chosen_plan(superseded, client):
    old, new = superseded["old"], superseded["new"]
    client.force_login(superseded["admin"])
    url = f"/establishments/{old.establishment.slug}/report/"
    with builders.on(TODAY):
        chosen = get(client, f"{url}?plan={old.pk}")
        default = get(client, url)
        assert client.get(f"{url}?plan=999999").status_code == 404
    # The older plan: 1.3 completed, the two others not completed when it was superseded.
    counts = [row[1] for row in table(chosen, "Number of actions at each status")]
    assert counts == ["1", "0", "0", "0", "0", "2", "3"]
    assert chosen.count("Not completed when superseded") >= 2
    counts = [row[1] for row in table(default, "Number of actions at each status")]
    assert counts == ["0", "0", "1", "0", "1", "2"]
    report = progress_report(old.establishment, TODAY, old)
    assert (report.plan.pk, report.in_force, report.counts["superseded"]) == (old.pk, False, 2)
    assert progress_report(old.establishment, TODAY).plan.pk == new.pk


# --- 5: dates in the future or before the plan ------------------------------------------------


def test_a_judgement_dated_in_the_future_or_before_submission_is_refused(db):
    plan = builders.plan(submitted=datetime.date(2024, 5, 22))
    inspector = builders.user(role=Role.INSPECTOR)
    concern = builders.concern(plan, "1")
    with builders.on("2024-12-01"):
        with pytest.raises(services.Refused, match="today or in the past") as future:
            services.record_judgement(
                concern, inspector, rating="good", reason="r", judged_on=datetime.date(2024, 12, 2)
            )
        with pytest.raises(services.Refused, match="on or after the plan was submitted") as early:
            services.record_judgement(
                concern, inspector, rating="good", reason="r", judged_on=datetime.date(2024, 5, 21)
            )
    assert (future.value.field, early.value.field) == ("judged_on", "judged_on")
    assert early.value.message == (
        "The date of the judgement must be on or after the plan was submitted (22 May 2024)"
    )
    judged = builders.judgement(concern, inspector, "good", "2024-05-22")
    assert judged.judged_on == datetime.date(2024, 5, 22)


def test_a_plan_submitted_in_the_future_is_refused(db):
    lead = builders.user("lead", Role.ADMINISTRATOR)
    establishment = builders.plan().establishment
    with builders.on("2025-02-01"):
        draft = services.start_draft(
            establishment,
            datetime.date(2024, 10, 7),
            datetime.date(2024, 10, 18),
            datetime.date(2025, 1, 14),
            lead,
        )
        services.save_action(
            services.save_concern(draft, {"ref": "1", "category": "key", "text": "Concern."}),
            {"text": "Do it.", "owner": GOVERNOR, "target_text": "June 2025"},
        )
        with pytest.raises(services.Refused) as refused:
            services.submit(draft, datetime.date(2025, 2, 2))
        assert (refused.value.message, refused.value.field) == (
            "The date the plan is submitted must be today or in the past",
            "submitted_on",
        )
        services.submit(draft, datetime.date(2025, 2, 1))
    draft.refresh_from_db()
    assert (draft.state, draft.in_force_from) == ("submitted", datetime.date(2025, 2, 1))


# --- 7: empty and repeated updates ------------------------------------------------------------


def test_an_update_that_changes_nothing_is_refused(db):
    plan = builders.plan()
    lead = builders.user(role=Role.LEAD, establishment=plan.establishment)
    action = builders.action(plan, "1", 1)
    with pytest.raises(services.Refused) as refused:
        builders.update(action, lead, "not_started", "2024-06-10")
    assert (refused.value.message, refused.value.field) == (
        "Change the status, or add a note, a date or a file, to save an update",
        "status",
    )
    builders.update(action, lead, "in_progress", "2024-06-10")
    with pytest.raises(services.Refused, match="Change the status"):
        builders.update(action, lead, "in_progress", "2024-06-11")
    builders.update(action, lead, "in_progress", "2024-06-11", note="Nurses recruited")
    assert action.updates().count() == 2


def test_completing_a_completed_action_is_refused(db):
    plan = builders.plan()
    lead = builders.user(role=Role.LEAD, establishment=plan.establishment)
    action = builders.action(plan, "1", 1)
    builders.update(action, lead, "completed", "2024-06-10")
    with pytest.raises(services.Refused) as refused:
        builders.update(action, lead, "completed", "2024-06-11", note="Done again")
    assert (refused.value.message, refused.value.field) == (
        "This action is already completed",
        "status",
    )
    assert action.updates().count() == 1


# --- 8: judgements belong to the concern across versions -------------------------------------


def test_judgements_on_version_1_show_on_version_2_and_in_the_estate_report(db, client):
    first = builders.plan(
        submitted=datetime.date(2024, 5, 22), stored_on=datetime.date(2024, 5, 22)
    )
    inspector = builders.user("inspector", Role.INSPECTOR)
    lead = builders.user("lead", Role.LEAD, first.establishment)
    builders.judgement(builders.concern(first, "1"), inspector, "reasonable", "2025-02-03")
    with builders.on("2025-03-01"):
        second = services.amend(first, lead)
        services.submit(second, datetime.date(2025, 3, 1), confirm_early_targets=True)
    second.refresh_from_db()
    assert (second.version, second.state) == (2, "submitted")
    client.force_login(inspector)
    with builders.on("2025-03-10"):
        html = get(client, second.get_absolute_url())
        [row] = estate_report([first.establishment], datetime.date(2025, 3, 10))
        report = progress_report(first.establishment, datetime.date(2025, 3, 10))
    assert "Reasonable progress" in html
    assert (row.plan.pk, row.judgements) == (second.pk, {"Reasonable progress": 1})
    judged = {item["concern"].ref: item["judgement"] for item in report.concerns}
    assert (report.plan.pk, judged["1"].rating, judged["2"]) == (second.pk, "reasonable", None)


# --- 12: dates out of range in a plan ---------------------------------------------------------


def _import(client, text: str, name: str = "plan.txt"):
    admin = builders.user(role=Role.ADMINISTRATOR)
    client.force_login(admin)
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/plain")
    return client.post("/import/", {"file": upload})


def test_a_target_of_january_0000_imports_unreadable_with_a_warning(db, client):
    response = _import(
        client,
        plan_text(
            "\tKey concerns\t\t\t",
            "1\tStaff morale was low.\tHold a staff survey.\tGovernor\tJanuary 0000",
        ),
    )
    assert response.status_code == 302  # imported, not a server error
    [plan] = Plan.objects.all()
    assert get(client, plan.get_absolute_url())
    [action] = plan.all_actions.all()
    assert (action.target_text, action.target, action.target_due) == ("January 0000", "", None)
    assert any("January 0000" in warning for warning in plan.warnings)


def test_a_plan_submitted_31_12_9999_is_not_read_as_a_date(db, client):
    text = plan_text(
        "\tKey concerns\t\t\t",
        "1\tStaff morale was low.\tHold a staff survey.\tGovernor\tJuly 2024",
    ).replace("Action Plan Submitted: 22nd May 2024", "Action Plan Submitted: 31/12/9999")
    _import(client, text)
    plans = list(Plan.objects.all())
    assert all(plan.submitted_on is None for plan in plans)
    assert all(plan.in_force_from != datetime.date(9999, 12, 31) for plan in plans)


def test_progress_posted_while_an_amendment_is_drafted_carries_to_the_new_version(db):
    """The draft shares each action's lineage from the start; once submitted, its stored
    status (which home, lists and reminders count) must include the progress posted on the
    version in force meanwhile."""
    first = builders.plan(
        submitted=datetime.date(2024, 5, 22), stored_on=datetime.date(2024, 5, 22)
    )
    lead = builders.user("lead", Role.LEAD, first.establishment)
    with builders.on("2024-06-03"):
        draft = services.amend(first, lead)
    builders.update(builders.action(first, "1", 1), lead, "completed", "2024-06-04")
    builders.update(
        builders.action(first, "1", 2),
        lead,
        "deferred",
        "2024-06-05",
        new_target_date=datetime.date(2025, 3, 31),
    )
    with builders.on("2024-06-06"):
        services.submit(draft, datetime.date(2024, 6, 6))
    carried = [builders.action(draft, "1", 1), builders.action(draft, "1", 2)]
    assert [(a.status, a.deferred_to) for a in carried] == [
        ("completed", None),
        ("deferred", datetime.date(2025, 3, 31)),
    ]
    with builders.on("2024-06-10"):
        counts = Action.objects.current().counts(datetime.date(2024, 6, 10))
    assert (counts["total"], counts["completed"], counts["deferred"]) == (3, 1, 1)


# --- found by trying the service as each role ----------------------------------------------


def test_a_superseded_plans_export_does_not_call_its_unfinished_actions_overdue(superseded):
    from planwatch.web.plans.exporting import export_of

    with builders.on(TODAY):
        progress = export_of(superseded["old"]).progress
    assert sorted((key, p.status, p.overdue, p.in_force) for key, p in progress.items()) == [
        (("1", 1), "not_started", False, False),
        (("1", 2), "not_started", False, False),
        (("1", 3), "completed", False, False),
    ]


def test_a_report_on_a_day_before_its_plan_was_submitted_says_so(superseded, client):
    new = superseded["new"]
    client.force_login(superseded["admin"])
    url = f"/establishments/{new.establishment.slug}/report/?plan={new.pk}&as_of=2024-10-01"
    with builders.on(TODAY):
        text = get(client, url)
    assert (
        "Version 1 of the plan for the inspection of 6 January 2025 to 16 January 2025 was not "
        "submitted until 1 May 2025: there is nothing to report on 1 October 2024."
    ) in " ".join(text.split())


@pytest.mark.parametrize("path", ["/estate.csv", "/establishments/{slug}/report.pdf"])
@pytest.mark.parametrize("as_of", ["2024-02-30", "9999-12-31", "abc"])
def test_a_download_with_a_date_it_cannot_use_says_so(superseded, client, path, as_of):
    client.force_login(superseded["admin"])
    url = path.format(slug=superseded["old"].establishment.slug) + f"?as_of={as_of}"
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    message = response.content.decode()
    assert message.startswith("Enter the date as year-month-day, for example 2024-07-31 (")
    assert message.count("\n") == 1


def test_remind_refuses_a_window_it_cannot_use(capsys):
    from planwatch.cli import main

    assert main(["remind", "--dry-run", "--window", "-1"]) == 2
    assert capsys.readouterr().err == "planwatch: --window must be from 1 to 366 days\n"


@pytest.mark.django_db
def test_an_action_with_no_due_date_counts_under_its_status_everywhere(client):
    """An "Ongoing" action has no due date: it is never overdue, and it is counted (and
    filtered) under its own status, not dropped by SQL's NULL in "not overdue"."""
    from planwatch.web.plans.querysets import status_filters

    plan = builders.plan(
        concerns=[
            (
                "1",
                "key",
                [
                    ("Checks will continue on every landing.", "Governor", "Ongoing"),
                    ("A new rota will be published.", "Governor", "December 2099"),
                ],
            )
        ]
    )
    today = datetime.date.today()
    actions = Action.objects.filter(plan=plan).with_state(today)
    filters = status_filters(today)
    assert actions.filter(filters["not_started"]).count() == 2
    assert actions.filter(filters["overdue"]).count() == 0
    admin = builders.user("admin-ongoing", Role.ADMINISTRATOR)
    client.force_login(admin)
    shown = client.get(f"/plans/{plan.pk}/?status=not_started").content.decode()
    assert "Checks will continue on every landing." in shown
