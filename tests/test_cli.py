"""The `planwatch` command: output, exit codes and one-line messages for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from planwatch import readers
from planwatch.cli import main
from tests.conftest import plan_text


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_parse_json_prints_the_contract(capsys, seed_path, seed_expected):
    code, out, err = run(capsys, "parse", str(seed_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["concerns"] == seed_expected["concerns"]
    assert data["warnings"][0].startswith("concern 8: 4 actions but 3 owners")
    assert err == ""


def test_parse_prints_a_readable_table(capsys, seed_path):
    code, out, err = run(capsys, "parse", str(seed_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "HMP Peterborough (Men)"
    assert lines[1] == (
        "Inspection: 2024-01-08 to 2024-01-18   Report published: 2024-04-09   "
        "Plan submitted: 2024-05-22"
    )
    assert "Concern" in lines[3] and "Action" in lines[3] and "Owner" in lines[3]
    assert "Target" in lines[3]
    assert "11 concerns, 52 actions" in lines
    assert lines[-1].startswith("warning: concern 8: 4 actions but 3 owners")
    assert "SMG," in out
    assert err == ""


def test_demo_shows_the_bundled_sample(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert out.splitlines()[0] == "Reading the bundled sample plan: hmp-peterborough-2024.txt"
    assert "11 concerns, 52 actions" in out


def test_windows_1252_plan_reads_correctly(capsys, write_plan):
    text = plan_text(
        "\tKey concerns\t\t\t",
        "1\tStaff \u2018morale\u2019 was low.\tCaf\u00e9 opens.\tHead of Caf\u00e9\tJuly 2024",
    ).replace("HMP Testshire", "HMP Caf\u00e9")
    path = write_plan(text.encode("cp1252"))
    code, out, err = run(capsys, "parse", str(path), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["establishment"] == "HMP Caf\u00e9 (Men)"
    assert data["concerns"][0]["text"] == "Staff \u2018morale\u2019 was low."
    assert data["concerns"][0]["actions"][0]["owner"] == "Head of Caf\u00e9"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.txt", "{path} does not exist: check the path"),
        (lambda tmp: tmp, "{path} is a folder: give the path of one plan file"),
        (
            lambda tmp: _write(tmp / "empty.txt", b""),
            "{path} is empty: give a file that holds an action plan",
        ),
        (
            lambda tmp: _write(tmp / "garbage.bin", os.urandom(64) + b"\x00" + os.urandom(4000)),
            "{path} is not a text file, PDF, DOCX or ODT: give an action plan in one of those formats",
        ),
        (
            lambda tmp: _write(tmp / "controls.txt", b"\x01\x02\x03\x04\x05" * 400),
            "{path} is not a text file, PDF, DOCX or ODT: give an action plan in one of those formats",
        ),
        (
            lambda tmp: _write(tmp / "prose.txt", b"Action Plan: HMP X\n\nNo table here.\n"),
            "{path} has no action plan table: expected a table with the columns Concern No, "
            "Concerns, Response Action Taken/Planned, Responsible Owner, Target Date",
        ),
        (
            lambda tmp: _write(
                tmp / "other.txt", b"Action Plan: HMP X\n\nName\tRole\tPhone\nA\tB\tC\n"
            ),
            "{path}: the table's header row is not an action plan's (found columns 'Name', "
            "'Role', 'Phone'); expected Concern No, Concerns, Response Action Taken/Planned, "
            "Responsible Owner, Target Date",
        ),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(capsys, tmp_path, make, message):
    path = make(tmp_path)
    code, out, err = run(capsys, "parse", str(path))
    assert code == 2
    assert out == ""
    assert err == "planwatch: " + message.format(path=path) + "\n"


def test_a_file_over_the_size_limit_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 2_000_000)
    path = _write(tmp_path / "huge.txt", b"x" * 3_000_000)
    code, _out, err = run(capsys, "parse", str(path))
    assert code == 2
    assert err == (
        f"planwatch: {path} is 3.0 MB, over the 2.0 MB limit for one plan: check it is the right file\n"
    )


def test_installed_command_prints_no_traceback(tmp_path):
    path = _write(tmp_path / "garbage.bin", b"\x00" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "planwatch.cli", "parse", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_check_prints_a_readable_report_and_exits_0(capsys, seed_path):
    code, out, err = run(capsys, "check", str(seed_path))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "HMP Peterborough (Men): 11 concerns, 52 actions"
    assert lines[1] == (
        "42 of 52 actions (81%) pass every rule. Findings: 0 errors, 11 warnings, "
        "14 for information."
    )
    assert (
        "  WARNING [owner-concentration] “Director” is the responsible owner of 40 of 52 "
        "actions (77%)." in lines
    )
    assert "Concern 2 action 1" in lines
    assert "Actions per owner: Director 40, NHFT 11, SMG 1, Deputy Director 1" in lines


def test_check_json(capsys, seed_path):
    code, out, _ = run(capsys, "check", str(seed_path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["establishment"] == "HMP Peterborough (Men)"
    assert data["summary"]["by_severity"] == {"error": 0, "warning": 11, "info": 14}
    first = data["findings"][0]
    assert set(first) == {
        "rule",
        "severity",
        "message",
        "suggestion",
        "concern_ref",
        "action_number",
    }


@pytest.mark.parametrize(("level", "expected"), [("warning", 1), ("error", 0)])
def test_check_fail_on(capsys, seed_path, level, expected):
    code, _, _ = run(capsys, "check", str(seed_path), "--fail-on", level)
    assert code == expected


def test_check_settings_change_the_findings(capsys, seed_path):
    run(capsys, "check", str(seed_path), "--json", "--max-owner-share", "0.8")
    code, out, _ = run(capsys, "check", str(seed_path), "--json", "--max-owner-share", "0.8")
    assert code == 0
    assert "owner-concentration" not in json.loads(out)["summary"]["by_rule"]


def test_check_bad_input_is_as_for_parse(capsys, tmp_path):
    code, out, err = run(capsys, "check", str(tmp_path / "missing.pdf"))
    assert (code, out) == (2, "")
    assert err == f"planwatch: {tmp_path / 'missing.pdf'} does not exist: check the path\n"
