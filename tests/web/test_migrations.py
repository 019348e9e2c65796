"""The models and their migrations agree: a change to a model needs its migration."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


def test_no_model_change_lacks_a_migration(db):
    output = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=output, stderr=output)
    except SystemExit as exit_:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"a migration is missing (exit {exit_.code}):\n{output.getvalue()}")
    assert output.getvalue().strip() == "No changes detected"


def test_each_app_has_one_initial_migration_and_numbered_ones_after_it():
    from pathlib import Path

    import planwatch.web as web

    root = Path(web.__file__).parent
    for app in ("plans", "access"):
        names = sorted(p.name for p in (root / app / "migrations").glob("0*.py"))
        # One initial migration; later ones (0002_…) change it.
        assert [name for name in names if name.startswith("0001_")] == ["0001_initial.py"], app
