"""The core stays mypy strict clean: the settings are in pyproject.toml ([tool.mypy])."""

from __future__ import annotations

import os

from mypy import api

from tests.test_lint import ROOT


def test_mypy_is_clean():
    cwd = os.getcwd()
    os.chdir(ROOT)  # mypy reads its settings, and the files to check, from pyproject.toml
    try:
        stdout, stderr, status = api.run([])
    finally:
        os.chdir(cwd)
    assert status == 0, stdout + stderr
