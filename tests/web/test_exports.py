"""Downloads from the plan page and `planwatch export`, including the open data dump."""

from __future__ import annotations

import csv
import io
import json

import pytest

from planwatch.cli import main
from planwatch.pipeline import read_plan_bytes
from planwatch.writers.data import COLUMNS
from tests import builders
from tests.conftest import FIXTURES


@pytest.mark.parametrize("fmt", ["docx", "odt", "pdf"])
def test_plan_page_downloads_read_back_as_the_same_plan(users, client_for, seed_plan, fmt):
    response = client_for(users["viewer"]).get(f"/plans/{seed_plan.pk}/export/{fmt}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="hmp-peterborough-men-2024-01-08-action-plan-v1.{fmt}"'
    )
    again = read_plan_bytes(response.content, f"x.{fmt}").to_dict()
    # The document prints the plan as printed: classified areas are not printed.
    held = seed_plan.to_model(as_printed=True).to_dict()
    assert {k: again[k] for k in ("establishment", "concerns")} == {
        k: held[k] for k in ("establishment", "concerns")
    }


def test_csv_download_carries_statuses(users, client_for, seed_plan):
    builders.update(builders.action(seed_plan, "2", 1), users["lead"], "in_progress", "2024-06-10")
    response = client_for(users["viewer"]).get(f"/plans/{seed_plan.pk}/export/csv/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline="")))
    assert len(rows) == 52
    row = next(r for r in rows if r["concern_ref"] == "2" and r["action_number"] == "1")
    assert (row["status"], row["overdue"], row["plan_version"], row["due_date"]) == (
        "in_progress",
        "true",
        "1",
        "2024-07-31",
    )
    assert row["last_update"].startswith("2024-06-10")
    completed = next(r for r in rows if r["concern_ref"] == "3" and r["action_number"] == "1")
    assert (completed["status"], completed["overdue"]) == ("completed", "false")


def test_unknown_format_is_not_found(users, client_for, seed_plan):
    assert client_for(users["viewer"]).get(f"/plans/{seed_plan.pk}/export/rtf/").status_code == 404


def test_cli_export_all_as_open_data(seed_plan, other_plan, tmp_path, capsys):
    target = tmp_path / "open.csv"
    assert main(["export", "--all", "--format", "csv", "--output", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"), newline="")))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 52 + 6
    assert {row["establishment"] for row in rows} == {"HMP Oldbury", "HMP Peterborough (Men)"}
    target = tmp_path / "open.json"
    assert main(["export", "--all", "--format", "json", "-o", str(target)]) == 0
    data = json.loads(target.read_text("utf-8"))
    assert [plan["establishment"] for plan in data["plans"]] == [
        "HMP Oldbury",
        "HMP Peterborough (Men)",
    ]
    first_action = data["plans"][1]["concerns"][0]["actions"][0]
    assert (first_action["status"], first_action["overdue"]) == ("not_started", True)


def test_cli_export_one_stored_plan_and_a_file(seed_plan, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(seed_plan.pk), "--format", "xlsx"]) == 0
    assert (tmp_path / "hmp-peterborough-men-2024-01-08-action-plan-v1.xlsx").stat().st_size > 1000
    source = FIXTURES / "documents" / "hmp-riverside-2025.pdf"
    assert main(["export", str(source), "--format", "docx"]) == 0
    again = read_plan_bytes((tmp_path / "hmp-riverside-2025.docx").read_bytes(), "x.docx")
    assert again.establishment == "HMP Riverside"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "999", "--format", "pdf"], "planwatch: no plan 999 is held"),
        (["export", "--all", "--format", "docx"], "planwatch: --all exports csv or json"),
        (["export", "--format", "csv"], "planwatch: give either a PLAN or --all"),
    ],
)
def test_cli_export_mistakes(db, capsys, argv, message):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(message)


def test_only_a_reissued_plan_is_printed_as_revised(users, client_for, seed_plan):
    import datetime

    from planwatch.pipeline import SAMPLE_PLAN
    from planwatch.web.plans import services
    from tests.writers.test_published_look import all_text

    client = client_for(users["viewer"])
    # The same plan read again with one date changed: a second version, submitted the same day.
    revised = SAMPLE_PLAN.read_text("utf-8").replace("June 2024", "July 2024", 1).encode()
    second = services.import_plan_bytes(revised, "revised.txt").plan
    assert second.version == 2
    text = all_text(client.get(f"/plans/{second.pk}/export/docx/").content, "docx")
    assert "Action Plan Submitted: 22nd May 2024\nA Response" in text
    assert "Revised" not in text and "version" not in text.lower()
    # Amended and submitted again later: a re-issue.
    draft = services.amend(second, users["lead"])
    services.submit(draft, datetime.date(2024, 9, 3), confirm_early_targets=True)
    data = client.get(f"/plans/{draft.pk}/export/docx/").content
    assert (
        "Action Plan Submitted: 22nd May 2024\nRevised: 3rd September 2024\nA Response"
        in all_text(data, "docx")
    )
    assert read_plan_bytes(data, "x.docx").plan_submitted == "2024-09-03"
