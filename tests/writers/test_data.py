"""CSV, XLSX and JSON: exact content for the seed, one row per action."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from planwatch.model import Plan
from planwatch.writers import PlanExport, write
from planwatch.writers.data import COLUMNS
from planwatch.writers.layout import ActionProgress


def seed_plan(seed_expected) -> Plan:
    return Plan.from_dict({k: v for k, v in seed_expected.items() if k != "owner_aliases"})


def test_csv_for_the_seed(seed_expected):
    data = write([PlanExport(seed_plan(seed_expected), version=1)], "csv")
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 53
    assert rows[1] == [
        "HMP Peterborough (Men)",
        "2024-01-08",
        "2024-01-18",
        "2024-04-09",
        "2024-05-22",
        "1",
        "1",
        "priority",
        "",
        "About a third of officers were typically unavailable for duty. The regime was "
        "consequently often cancelled or curtailed, leading to too many prisoners being locked "
        "up during the core working day.",
        "",  # area: the seed prints none, and a plan read from a file is not classified
        "",  # topics
        "1",
        "The Deputy Director will ensure that vacancies, recruitment, and non-effectives within "
        "operational grades are managed efficiently and effectively, to ensure that staffing "
        "levels can reliably deliver a full regime.",
        "Director",
        "Director",
        "July 2024",
        "2024-07",
        "",
        "",
        "",
        "",
        "",
        "",
        # A plan read from a file has no links to other plans.
        "",
        "",
    ]
    nhft = next(row for row in rows[1:] if row[6] == "3" and row[12] == "1")
    assert nhft[14:18] == [
        "Northamptonshire Healthcare Foundation Trust (NHFT)",
        "NHFT",
        "Completed",
        "completed",
    ]
    assert text.endswith("\r\n")


def test_csv_carries_progress_when_held(seed_expected):
    import datetime

    progress = {
        ("2", 1): ActionProgress(
            status="deferred",
            overdue=False,
            owner_normalised="Director",
            due=datetime.date(2024, 10, 31),
            deferred_to=datetime.date(2024, 10, 31),
            last_update=datetime.date(2024, 7, 2),
        )
    }
    data = write([PlanExport(seed_plan(seed_expected), version=2, progress=progress)], "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    row = next(r for r in rows if r["concern_ref"] == "2" and r["action_number"] == "1")
    assert {
        key: row[key] for key in ("status", "overdue", "due_date", "deferred_to", "last_update")
    } == {
        "status": "deferred",
        "overdue": "false",
        "due_date": "2024-10-31",
        "deferred_to": "2024-10-31",
        "last_update": "2024-07-02",
    }


def test_xlsx_for_the_seed(seed_expected):
    data = write([PlanExport(seed_plan(seed_expected), version=1)], "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.values)
    assert sheet.title == "Actions"
    assert list(values[0]) == list(COLUMNS)
    assert len(values) == 53
    assert values[52][6] == "11" and values[52][12] == 5
    assert values[52][16:18] == ("June 2024", "2024-06")
    assert values[52][18:20] == (None, None)  # no progress held for a plan read from a file


def test_json_is_the_contract_plus_progress(seed_expected, plan_schema):
    import jsonschema

    data = json.loads(write([PlanExport(seed_plan(seed_expected), version=3)], "json"))
    jsonschema.validate(data, plan_schema)
    assert data["version"] == 3
    assert data["concerns"][2]["actions"][0]["owner_normalised"] == "NHFT"
    assert (
        data["concerns"][0]["actions"][0]["text"]
        == (seed_expected["concerns"][0]["actions"][0]["text"])
    )


def test_several_plans_as_json():
    plans = [PlanExport(Plan(establishment="HMP A")), PlanExport(Plan(establishment="HMP B"))]
    data = json.loads(write(plans, "json"))
    assert [plan["establishment"] for plan in data["plans"]] == ["HMP A", "HMP B"]


def test_plan_in_force_is_a_column_and_a_json_key(seed_expected):
    plan = seed_plan(seed_expected)
    progress = {
        ("1", 1): ActionProgress(status="in_progress", in_force=True),
        ("1", 2): ActionProgress(status="completed", in_force=False),
    }
    export = PlanExport(plan, version=2, progress=progress)
    rows = list(csv.DictReader(io.StringIO(write([export], "csv").decode("utf-8"), newline="")))
    assert [row["plan_in_force"] for row in rows[:3]] == ["true", "false", ""]
    actions = json.loads(write([export], "json"))["concerns"][0]["actions"]
    assert [action.get("plan_in_force") for action in actions[:3]] == [True, False, None]


CRAFTED = {
    "establishment": '=HYPERLINK("http://example.invalid","Click")',
    "plan_submitted": "2024-05-22",
    "concerns": [
        {
            "ref": "1",
            "category": "key",
            "text": "+SUM(1,2)",
            "actions": [
                {"text": "-2+3", "owner": "@Governor", "target_text": "\tJuly 2024"},
                {"text": "Ordinary text - with a dash", "owner": "Governor"},
            ],
        }
    ],
}


def test_csv_writes_formula_like_text_as_text():
    data = write([PlanExport(Plan.from_dict(CRAFTED), version=1)], "csv").decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows[0]["establishment"] == '\'=HYPERLINK("http://example.invalid","Click")'
    assert rows[0]["concern_text"] == "'+SUM(1,2)"
    assert rows[0]["action_text"] == "'-2+3"
    assert rows[0]["owner"] == "'@Governor"
    assert rows[0]["target_text"] == "'\tJuly 2024"
    # Text that does not begin with one of those characters is written as it is.
    assert rows[1]["action_text"] == "Ordinary text - with a dash"
    assert rows[1]["owner"] == "Governor"


def test_xlsx_keeps_formula_like_text_as_text_without_changing_it():
    data = write([PlanExport(Plan.from_dict(CRAFTED), version=1)], "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    first = {title: cell for title, cell in zip(COLUMNS, sheet[2], strict=True)}
    assert first["establishment"].value == '=HYPERLINK("http://example.invalid","Click")'
    assert first["establishment"].data_type == "s"
    assert first["concern_text"].value == "+SUM(1,2)"
    assert first["action_text"].data_type == "s"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_area_and_topics_columns_carry_the_concerns_own():
    plan = Plan.from_dict(
        {
            "establishment": "HMP Ashgrove",
            "concerns": [
                {
                    "ref": "S1",
                    "category": "recommendation",
                    "agreement": "agreed",
                    "area": "safety",
                    "topics": ["drugs", "security"],
                    "text": "Drugs were easy to get.",
                    "actions": [{"text": "Search more.", "owner": "Head of Security"}],
                }
            ],
        }
    )
    rows = list(csv.DictReader(io.StringIO(write([PlanExport(plan)], "csv").decode())))
    assert (rows[0]["area"], rows[0]["topics"]) == ("safety", "drugs; security")
    data = json.loads(write([PlanExport(plan)], "json"))
    assert (data["concerns"][0]["area"], data["concerns"][0]["topics"]) == (
        "safety",
        ["drugs", "security"],
    )
