"""The code stays ruff clean: lint and formatting are part of the test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_ruff_check_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_parsing_code_does_not_import_the_web_framework():
    source = ROOT / "src" / "planwatch"
    offenders = [
        str(path.relative_to(ROOT))
        for path in source.rglob("*.py")
        if "web" not in path.relative_to(source).parts
        and any(
            line.lstrip().startswith(("import django", "from django"))
            for line in path.read_text("utf-8").splitlines()
        )
    ]
    assert offenders == []
