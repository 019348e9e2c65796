"""Progress and estate reports against figures counted by hand on a small plan."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from planwatch.web.access.models import Role
from planwatch.web.plans.models import Plan
from planwatch.web.plans.reports import estate_report, progress_report
from tests import builders

BROOKFIELD = [
    (
        "1",
        "priority",
        [
            ("Unlock every young person for ten hours a day.", "Governor", "September 2020"),
            ("Report time out of room to the board weekly.", "Head of Residence", "August 2020"),
        ],
    ),
    ("2", "key", [("Publish the education timetable.", "Head of Learning", "October 2020")]),
]


@pytest.fixture
def brookfield(db) -> Plan:
    """HMYOI Brookfield: 1.1 due Sept 2020, 1.2 due Aug 2020, 2.1 due Oct 2020; submitted
    29 July 2020. By hand: 1.2 completed on 19 Aug (on time); 1.1 in progress on 10 Aug and
    deferred on 25 Sept to 31 Dec; 2.1 untouched, so overdue from 1 Nov."""
    plan = builders.plan(
        "HMYOI Brookfield",
        inspection_start=datetime.date(2020, 2, 3),
        submitted=datetime.date(2020, 7, 29),
        stored_on=datetime.date(2020, 7, 29),
        concerns=BROOKFIELD,
    )
    author = builders.user("lead", Role.LEAD, plan.establishment)
    first, second = builders.action(plan, "1", 1), builders.action(plan, "1", 2)
    builders.update(
        second,
        author,
        "completed",
        "2020-08-20",
        note="Reports sent weekly",
        evidence_date=datetime.date(2020, 8, 19),
    )
    builders.update(first, author, "in_progress", "2020-08-10", note="Regime drafted")
    builders.update(
        first,
        author,
        "deferred",
        "2020-09-25",
        note="Staffing",
        new_target_date=datetime.date(2020, 12, 31),
    )
    inspector = builders.user("inspector", Role.INSPECTOR)
    builders.judgement(
        builders.concern(plan, "1"), inspector, "reasonable", "2020-11-01", "Time out of room up"
    )
    return plan


@pytest.fixture
def admin_client(client, db):
    client.force_login(builders.user("admin", Role.ADMINISTRATOR))
    return client


def test_progress_report_figures(brookfield):
    report = progress_report(brookfield.establishment, datetime.date(2020, 11, 15))
    assert report.counts == {
        "completed": 1,
        "in_progress": 0,
        "not_started": 0,
        "deferred": 1,
        "overdue": 1,
        "superseded": 0,
        "open": 2,
        "total": 3,
    }
    assert [(s.action.concern.ref, s.action.number) for s in report.overdue] == [("2", 1)]
    [deferred] = report.deferred
    assert (deferred.action.target_text, deferred.due) == (
        "September 2020",
        datetime.date(2020, 12, 31),
    )
    status_chart, targets_chart = report.charts
    assert status_chart.rows() == [
        ("Jul 20", [0, 0, 3, 0, 0], 3),
        ("Aug 20", [1, 1, 1, 0, 0], 3),
        ("Sep 20", [1, 0, 1, 1, 0], 3),
        ("Oct 20", [1, 0, 1, 1, 0], 3),
        ("Nov 20", [1, 0, 0, 1, 1], 3),
    ]
    assert targets_chart.rows() == [
        ("Aug 20", [1, 0, 0], 1),
        ("Sep 20", [0, 1, 0], 1),
        ("Oct 20", [0, 0, 1], 1),
    ]
    judged = {item["concern"].ref: item["judgement"] for item in report.concerns}
    assert judged["1"].get_rating_display() == "Reasonable progress"
    assert judged["2"] is None


def test_a_report_as_of_an_earlier_date_ignores_later_updates(brookfield):
    report = progress_report(brookfield.establishment, datetime.date(2020, 8, 15))
    assert report.counts == {
        "completed": 0,
        "in_progress": 1,
        "not_started": 2,
        "deferred": 0,
        "overdue": 0,
        "superseded": 0,
        "open": 3,
        "total": 3,
    }
    assert all(item["judgement"] is None for item in report.concerns)


def test_estate_report_figures(brookfield):
    [row] = estate_report([brookfield.establishment], datetime.date(2020, 11, 15))
    assert (row.open, row.overdue, row.completed, row.deferred) == (2, 1, 1, 1)
    assert (row.due_so_far, row.delivered_on_time) == (3, 1)
    assert row.on_time_share == pytest.approx(1 / 3)
    assert row.judgements == {"Reasonable progress": 1}


def test_estate_delivery_takes_the_day_of_completion_in_london(db):
    """Three actions due by 31 August 2020: 1.1 completed at 00:30 on 1 September, London
    time (23:30 on 31 August in UTC), is late; 1.2 completed at 23:30 on 31 August is on
    time; 1.3 recorded on 20 September with evidence dated 28 August is on time, once it
    is recorded. The estate report (counted in the database) agrees with each action's
    completion day as the progress report works it out."""
    plan = builders.plan(
        "HMP Eastwold",
        inspection_start=datetime.date(2020, 2, 3),
        submitted=datetime.date(2020, 7, 29),
        stored_on=datetime.date(2020, 7, 29),
        concerns=[
            (
                "1",
                "key",
                [
                    (f"Publish the regime for wing {wing}.", "Governor", "August 2020")
                    for wing in "ABC"
                ],
            )
        ],
    )
    author = builders.user("lead", Role.LEAD, plan.establishment)
    london = ZoneInfo("Europe/London")
    late, on_time, evidenced = (builders.action(plan, "1", number) for number in (1, 2, 3))
    builders.update(late, author, "completed", datetime.datetime(2020, 9, 1, 0, 30, tzinfo=london))
    builders.update(
        on_time, author, "completed", datetime.datetime(2020, 8, 31, 23, 30, tzinfo=london)
    )
    builders.update(
        evidenced, author, "completed", "2020-09-20", evidence_date=datetime.date(2020, 8, 28)
    )
    found = {}
    for day in ("2020-08-31", "2020-09-10", "2020-11-15"):
        as_of = datetime.date.fromisoformat(day)
        [row] = estate_report([plan.establishment], as_of)
        states = progress_report(plan.establishment, as_of).states
        assert [state.completed_on for state in states] == [
            datetime.date(2020, 9, 1) if as_of > datetime.date(2020, 8, 31) else None,
            datetime.date(2020, 8, 31),
            datetime.date(2020, 8, 28) if as_of >= datetime.date(2020, 9, 20) else None,
        ]
        by_rules = sum(
            bool(state.completed_on and state.completed_on <= state.action.target_due)
            for state in states
            if state.action.target_due < as_of
        )
        assert row.delivered_on_time == by_rules
        found[day] = (row.due_so_far, row.delivered_on_time, row.completed)
    assert found == {
        "2020-08-31": (0, 0, 1),
        "2020-09-10": (3, 1, 2),
        "2020-11-15": (3, 2, 3),
    }


def _charts_and_tables(html: str) -> tuple[dict, dict]:
    """From a report page: each chart's bars, and each figures table, as {category: [values]}."""
    drawn: dict[str, dict[str, dict[str, int]]] = {}
    for svg in re.findall(
        r'<svg xmlns="http://www.w3.org/2000/svg" role="img".*?</svg>', html, flags=re.S
    ):
        root = ET.fromstring(svg)
        chart = drawn.setdefault(root.get("id"), {})
        for rect in root.iter("{http://www.w3.org/2000/svg}rect"):
            if rect.get("data-value"):
                chart.setdefault(rect.get("data-category"), {})[rect.get("data-series")] = int(
                    rect.get("data-value")
                )
    tables: dict[str, dict[str, dict[str, int]]] = {}
    for chart_id, body in re.findall(r'data-chart="([^"]+)">(.*?)</table>', html, flags=re.S):
        headers = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', body)[1:]
        for category, cells in re.findall(
            r'<th scope="row"[^>]*>([^<]*)</th>(.*?)</tr>', body, flags=re.S
        ):
            values = [int(v) for v in re.findall(r"<td[^>]*>(\d+)</td>", cells)]
            tables.setdefault(chart_id, {})[category] = {
                header: value for header, value in zip(headers, values, strict=True) if value
            }
    return drawn, tables


def test_each_charts_data_table_equals_the_data_drawn(brookfield, admin_client):
    response = admin_client.get(
        f"/establishments/{brookfield.establishment.slug}/report/?as_of=2020-11-15"
    )
    assert response.status_code == 200
    drawn, tables = _charts_and_tables(response.content.decode())
    # Each chart is drawn for wide screens and, again, for phones: both from the same figures.
    assert set(drawn) == {
        "status-over-time",
        "targets-by-month",
        "status-over-time-narrow",
        "targets-by-month-narrow",
    }
    for chart_id, bars in drawn.items():
        assert bars == {k: v for k, v in tables[chart_id.removesuffix("-narrow")].items() if v}
    assert drawn["targets-by-month"]["Oct 20"] == {"Overdue": 1}


def test_report_pdf(brookfield, admin_client):
    import pypdfium2 as pdfium

    response = admin_client.get(
        f"/establishments/{brookfield.establishment.slug}/report.pdf?as_of=2020-11-15"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="hmyoi-brookfield-progress-2020-11-15.pdf"'
    )
    pdf = pdfium.PdfDocument(response.content)
    text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    assert "Progress report on 15 November 2020" in " ".join(text.split())
    assert "Reasonable progress" in text


def test_estate_page_sorts_and_exports_csv(brookfield, admin_client):
    """Oldbury by hand on 15 Nov 2020: 1.1 completed when submitted; 1.2, 1.3 and 2.1 past
    their targets (overdue, none delivered on time); 2.2 not yet due."""
    builders.plan(
        "HMP Oldbury",
        inspection_start=datetime.date(2019, 6, 3),
        submitted=datetime.date(2019, 11, 5),
        stored_on=datetime.date(2019, 11, 5),
        concerns=[
            (
                "1",
                "key",
                [
                    ("Open the new visits hall.", "Governor", "Completed"),
                    ("Train every officer in key work.", "Head of Residence", "December 2019"),
                    ("Cut the waiting list for education.", "Head of Learning", "March 2020"),
                ],
            ),
            (
                "2",
                "key",
                [
                    ("Reopen the gym every evening.", "Head of Residence", "June 2020"),
                    ("Review the use of force every month.", "Governor", "December 2020"),
                ],
            ),
        ],
    )
    page = admin_client.get("/estate/?as_of=2020-11-15&sort=open&order=descending")
    text = page.content.decode()
    assert text.index("HMP Oldbury") < text.index("HMYOI Brookfield")
    text = admin_client.get("/estate/?as_of=2020-11-15&sort=open&order=ascending").content.decode()
    assert text.index("HMYOI Brookfield") < text.index("HMP Oldbury")
    csv_text = admin_client.get("/estate.csv?as_of=2020-11-15").content.decode()
    assert csv_text.splitlines() == [
        "establishment,as_of,plan_version,open,overdue,completed,deferred,due_so_far,"
        "delivered_on_time,on_time_share,judgements_no_meaningful_progress,"
        "judgements_insufficient_progress,judgements_reasonable_progress,judgements_good_progress,"
        "reported_complete,reported_complete_judged_not_met",
        "HMP Oldbury,2020-11-15,1,4,3,1,0,3,0,0.000,0,0,0,0,,",
        "HMYOI Brookfield,2020-11-15,1,2,1,1,1,3,1,0.333,0,0,1,0,0,0",
    ]


EIGHT_ACTIONS = [
    (
        "1",
        "priority",
        [
            (
                "Recruit and train enough officers to deliver the published regime every day, "
                "and report staffing against the regime to the senior leadership team monthly.",
                "Deputy Governor",
                "September 2024",
            ),
            (
                "Review the regime management meeting and publish its terms.",
                "Governor",
                "July 2024",
            ),
            (
                "Audit first-night cells weekly and report the results monthly.",
                "Head of Safety",
                "August 2024",
            ),
        ],
    ),
    (
        "2",
        "priority",
        [
            (
                "Revise the drug strategy with the healthcare provider.",
                "Head of Security",
                "October 2024",
            ),
            ("Start a daily audit of overnight clinical observations.", "NHFT", "December 2024"),
        ],
    ),
    (
        "3",
        "key",
        [
            ("Publish the education timetable on every wing.", "Head of Learning", "November 2024"),
            (
                "Offer every prisoner a key worker session each week.",
                "Head of Residence",
                "January 2025",
            ),
            ("Repair the showers on the houseblocks.", "Head of Estates", "March 2025"),
        ],
    ),
]


def eight_action_plan() -> Plan:
    """Eight actions submitted May 2024, with a year of progress by 31 May 2025."""
    plan = builders.plan(
        "HMP Eightfold",
        inspection_start=datetime.date(2024, 1, 8),
        submitted=datetime.date(2024, 5, 22),
        stored_on=datetime.date(2024, 5, 22),
        concerns=EIGHT_ACTIONS,
    )
    lead = builders.user("eightlead", Role.LEAD, plan.establishment)
    builders.update(builders.action(plan, "1", 2), lead, "completed", "2024-07-15")
    builders.update(
        builders.action(plan, "1", 1),
        lead,
        "in_progress",
        "2024-08-01",
        note="12 officers in training",
    )
    builders.update(
        builders.action(plan, "2", 1),
        lead,
        "deferred",
        "2024-10-20",
        note="Waiting for the new provider",
        new_target_date=datetime.date(2025, 6, 30),
    )
    builders.update(builders.action(plan, "3", 1), lead, "completed", "2024-11-10")
    builders.update(
        builders.action(plan, "1", 3),
        lead,
        "in_progress",
        "2024-08-05",
        note="Audits weekly since July",
    )
    return plan


def test_the_progress_report_pdf_of_an_eight_action_plan_fits_on_two_pages(admin_client, tmp_path):
    import pypdfium2 as pdfium

    plan = eight_action_plan()
    response = admin_client.get(
        f"/establishments/{plan.establishment.slug}/report.pdf?as_of=2025-05-31"
    )
    assert response.status_code == 200
    pdf = pdfium.PdfDocument(response.content)
    assert len(pdf) == 2
    text = " ".join(" ".join(page.get_textpage().get_text_range() for page in pdf).split())
    # The figures of both charts are printed in full (the details element is open in print).
    assert "May 25 2 0 0 1 5" in text  # the last row of the status chart's figures
    assert "Mar 25 0 0 1" in text  # and of the targets chart's
    assert "Months: May 24 to May 25" in text
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # .ci/run installs poppler-utils; the pages must render
        path = tmp_path / "report.pdf"
        path.write_bytes(response.content)
        subprocess.run(
            [pdftoppm, "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True
        )
        assert len(list(tmp_path.glob("page-*.png"))) == 2


def test_the_estate_csv_writes_a_formula_like_establishment_name_as_text(admin_client):
    builders.plan('=HYPERLINK("http://example.invalid","Click")')
    csv_text = admin_client.get("/estate.csv?as_of=2024-07-01").content.decode()
    assert csv_text.splitlines()[1].startswith(
        '"\'=HYPERLINK(""http://example.invalid"",""Click"")",2024-07-01,1,'
    )
