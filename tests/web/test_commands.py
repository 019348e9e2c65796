"""The main job's set-up step: the sample plan and a demo administrator, once each."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from rich.console import Console

from planwatch.web.commands import plan_files, prepare_demo, remind
from planwatch.web.plans.models import Plan


def test_prepare_demo_imports_the_sample_and_creates_an_administrator_once(db):
    output = io.StringIO()
    console = Console(file=output, width=200)
    prepare_demo(console)
    lines = output.getvalue().splitlines()
    assert lines[0] == (
        "Sample plan imported: hmp-peterborough-2024.txt: imported as HMP Peterborough (Men) "
        "action plan, version 1 (11 concerns, 52 actions, 1 warning)"
    )
    assert lines[1].startswith("Demo administrator created. Sign in as 'admin' with the password ")
    password = lines[1].split("password ")[1].split(" ")[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    output.truncate(0)
    output.seek(0)
    prepare_demo(console)
    assert output.getvalue() == ""
    assert Plan.objects.count() == 1


def test_plan_files_finds_plans_in_folders_and_reports_missing_paths(tmp_path):
    folder = tmp_path / "plans"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "a.pdf").write_bytes(b"%PDF")
    (folder / "b.DOCX").write_bytes(b"PK")
    (folder / "notes.md").write_text("no")
    (folder / ".hidden.pdf").write_bytes(b"%PDF")
    files, problems = plan_files([str(folder), str(tmp_path / "missing.odt")])
    assert [path.relative_to(folder).as_posix() for path in files] == ["2024/a.pdf", "b.DOCX"]
    assert problems == [f"{tmp_path / 'missing.odt'} does not exist: check the path"]


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("9999-12-31", "'9999-12-31': the year must be between 1990 and 2100"),
        ("12345678901234567890", "'12345678901234567890' is not a date in the form YYYY-MM-DD"),
        ("2024-02-30", "'2024-02-30' is not a real date"),
    ],
)
def test_remind_refuses_a_date_it_cannot_accept_in_one_line(as_of, message):
    output = io.StringIO()
    assert remind(as_of, 14, True, Console(file=output, width=200)) == 2
    assert output.getvalue() == f"planwatch: --as-of: {message}\n"


def test_serve_collects_the_assets_only_when_their_files_changed(tmp_path, settings):
    """Compressing every asset at each start cost about 25 s: collected once, then again only
    when a source file changes."""
    import os

    from planwatch.web.commands import collect_assets

    source = tmp_path / "source"
    source.mkdir()
    (source / "site.css").write_text("body { margin: 0 }\n" * 100)
    settings.STATICFILES_DIRS = [source, ("govuk", source)]
    settings.STATIC_ROOT = tmp_path / "collected"
    assert collect_assets() is True
    collected = tmp_path / "collected" / "govuk" / "site.css"
    assert collected.read_text() == (source / "site.css").read_text()
    assert collect_assets() is False
    (source / "site.css").write_text("body { margin: 1px }\n")
    later = int((tmp_path / "collected" / "govuk" / "site.css").stat().st_mtime) + 10
    os.utime(source / "site.css", (later, later))  # changed after it was collected
    assert collect_assets() is True
    assert collected.read_text() == "body { margin: 1px }\n"
    assert collect_assets() is False
