"""Importing plan files: one transaction per file, duplicates, versions and carried-over progress."""

from __future__ import annotations

import pytest

from planwatch.cli import main
from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Inspection,
    Plan,
    Status,
)
from planwatch.web.plans.services import import_plan_bytes
from tests import builders
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Establishment, Inspection, Plan, Concern, Action)
    )


@pytest.mark.django_db
def test_import_stores_the_whole_plan():
    result = import_plan_bytes(SAMPLE_PLAN.read_bytes(), "peterborough.txt")
    assert result.outcome == "imported"
    assert result.message == (
        "peterborough.txt: imported as HMP Peterborough (Men) action plan, version 1 "
        "(11 concerns, 52 actions, 1 warning)"
    )
    plan = result.plan
    assert plan.inspection.start.isoformat() == "2024-01-08"
    assert plan.inspection.report_published.isoformat() == "2024-04-09"
    assert plan.submitted_on.isoformat() == "2024-05-22"
    assert len(plan.source_sha256) == 64
    assert plan.source_file.read() == SAMPLE_PLAN.read_bytes()
    assert counts() == (1, 1, 1, 11, 52)
    assert plan.to_model(as_printed=True).to_dict()["concerns"] == read_expected_concerns()
    nhft = Action.objects.filter(owner="Northamptonshire Healthcare Foundation Trust (NHFT)").get()
    assert nhft.owner_normalised == "NHFT"
    # "Completed" at submission is stored as completed.
    assert Action.objects.filter(status=Status.COMPLETED).count() == 9


def read_expected_concerns():
    import json

    return json.loads((FIXTURES / "hmp-peterborough-2024.expected.json").read_text())["concerns"]


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing():
    import_plan_bytes(SAMPLE_PLAN.read_bytes(), "a.txt")
    before = counts()
    result = import_plan_bytes(SAMPLE_PLAN.read_bytes(), "b.txt")
    assert result.outcome == "skipped"
    assert result.message == "b.txt: already held as HMP Peterborough (Men) action plan, version 1"
    assert counts() == before


@pytest.mark.django_db
def test_the_same_plan_in_another_format_is_not_a_new_version():
    import_plan_bytes((DOCUMENTS / "hmp-oldbury-2019.docx").read_bytes(), "oldbury.docx")
    result = import_plan_bytes((DOCUMENTS / "hmp-oldbury-2019.pdf").read_bytes(), "oldbury.pdf")
    assert result.outcome == "skipped"
    assert result.message == (
        "oldbury.pdf: the same plan as HMP Oldbury action plan, version 1, already held"
    )
    assert Plan.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\x00\x01garbage",
            "bad.bin is not a text file, PDF, DOCX or ODT: give an action plan in one of those formats",
        ),
        (
            (FIXTURES / "bad" / "encrypted.pdf").read_bytes(),
            "bad.bin is a password-protected PDF: save an unprotected copy and read that",
        ),
    ],
)
def test_a_failed_import_changes_nothing(data, message):
    import_plan_bytes(SAMPLE_PLAN.read_bytes(), "a.txt")
    before = counts()
    result = import_plan_bytes(data, "bad.bin")
    assert (result.outcome, result.message) == ("refused", message)
    assert counts() == before


@pytest.mark.django_db
def test_a_database_failure_mid_import_rolls_back(monkeypatch):
    from planwatch.web.plans import services

    calls = {"n": 0}
    original = Action.objects.create

    def failing_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 30:
            from django.db import DatabaseError

            raise DatabaseError("simulated failure")
        return original(**kwargs)

    monkeypatch.setattr(Action.objects, "create", failing_create)
    result = services.import_plan_bytes(SAMPLE_PLAN.read_bytes(), "a.txt")
    assert result.outcome == "refused"
    assert result.message == "a.txt: could not be stored (simulated failure); nothing was changed"
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_a_revised_plan_is_a_new_version_and_progress_carries_over(tmp_path):
    first = import_plan_bytes(SAMPLE_PLAN.read_bytes(), "v1.txt").plan
    author = builders.user("lead")
    old_action = builders.action(first, "2", 1)
    builders.update(old_action, author, Status.IN_PROGRESS, "2024-06-10", note="Strategy drafted")

    revised = SAMPLE_PLAN.read_text("utf-8")
    revised = revised.replace(
        "Report Published: 9th April 2024", "Report Published: 9th April 2024"
    )
    revised = revised.replace(
        "The Head of Security will revise the Drug Strategy",
        "The Head of Security will revise and publish the Drug Strategy",
    ).replace(
        "Formally highlight and feedback to HMPPS Digital team towards digital development of "
        "enhanced interface between nDelius and DPS (e.g., MAPPA alerts) and the reporting "
        "functionality.",
        "A new action replacing the old one entirely, about weekly data checks.",
    )
    second = import_plan_bytes(revised.encode(), "v2.txt")
    assert second.outcome == "imported"
    plan = second.plan
    assert (plan.version, plan.inspection_id) == (2, first.inspection_id)
    carried = Action.objects.get(concern__plan=plan, concern__ref="2", position=0)
    assert carried.carried_from == old_action
    assert carried.status == Status.IN_PROGRESS
    assert [update.note for update in carried.updates()] == ["Strategy drafted"]
    replaced = Action.objects.get(concern__plan=plan, concern__ref="11", position=4)
    assert replaced.carried_from is None


@pytest.mark.django_db
def test_cli_import_of_a_folder_reports_imported_skipped_and_refused(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "plans"
    folder.mkdir()
    for name in ("hmp-oldbury-2019.docx", "hmp-oldbury-2019.pdf", "hmyoi-brookfield-2020.odt"):
        (folder / name).write_bytes((DOCUMENTS / name).read_bytes())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 broken")
    (folder / "notes.md").write_text("not a plan")
    code = main(["import", str(folder)])
    out = capsys.readouterr().out.splitlines()
    assert code == 2
    assert out[-1] == "2 imported, 1 skipped (already held), 1 refused"
    assert (
        "refused: broken.pdf is a damaged or truncated PDF: download it again, or give the Word version"
        in out
    )
    assert Plan.objects.count() == 2


@pytest.mark.django_db
def test_cli_import_of_a_missing_path(capsys, tmp_path):
    code = main(["import", str(tmp_path / "nope.pdf")])
    out = capsys.readouterr().out.splitlines()
    assert code == 2
    assert out == [
        f"refused: {tmp_path / 'nope.pdf'} does not exist: check the path",
        "0 imported, 0 skipped (already held), 1 refused",
    ]


@pytest.mark.django_db
def test_cli_import_as_a_user_records_who_in_the_history(capsys):
    lead = builders.user("lead")
    assert main(["import", str(SAMPLE_PLAN), "--as", "lead"]) == 0
    plan = Plan.objects.get()
    assert plan.created_by == lead
    action = Action.objects.filter(concern__plan=plan).first()
    assert action.history.first().history_user == lead
    assert main(["import", str(SAMPLE_PLAN), "--as", "nobody"]) == 2
    assert capsys.readouterr().out.splitlines()[-1] == (
        "planwatch: there is no user called nobody: check the name, or create one with "
        "'planwatch manage createsuperuser'"
    )
