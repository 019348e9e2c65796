"""Shared test helpers: paths to bundled files and a writer for small text-form plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planwatch.pipeline import SAMPLE_PLAN

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA_PATH = Path(__file__).parents[1] / "src" / "planwatch" / "schema" / "plan.schema.json"

HEADER_BLOCK = """Action Plan: HMP Testshire (Men)

Action Plan Submitted: 22nd May 2024

A Response to the HMIP Inspection: 8th – 18th January 2024

Report Published: 9th April 2024

"""
TABLE_HEADER = (
    "1. Concern No\t2. Concerns\t3. Response Action Taken/Planned\t"
    "4. Responsible Owner\t5. Target Date"
)


def plan_text(*rows: str, header: str = HEADER_BLOCK, table_header: str = TABLE_HEADER) -> str:
    """A text-form plan: the header block, the table header row, then the given rows."""
    return header + table_header + "\n" + "\n".join(rows) + "\n"


@pytest.fixture
def write_plan(tmp_path: Path):
    """Write text (or bytes) to a file in a temporary folder and return its path."""

    def write(content: str | bytes, name: str = "plan.txt") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SAMPLE_PLAN


@pytest.fixture(scope="session")
def seed_expected() -> dict:
    return json.loads((FIXTURES / "hmp-peterborough-2024.expected.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def plan_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))
