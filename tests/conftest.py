"""Shared test helpers: paths to bundled files and a writer for small text-form plans."""

from __future__ import annotations

import json
import os
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
    """The seed's expected reading; a concern without "area" (the shared fixture's form,
    written before areas were read) means no area printed."""
    data = json.loads((FIXTURES / "hmp-peterborough-2024.expected.json").read_text("utf-8"))
    for concern in data["concerns"]:
        concern.setdefault("area", None)
    return data


@pytest.fixture(scope="session")
def plan_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


_DATABASE_FIXTURES = ("db", "transactional_db", "live_server")


def _uses_database(item: pytest.Item) -> bool:
    """Whether a test touches the database: marked for it, asking for a database fixture
    (directly or through another fixture), or a Django TestCase."""
    from django.test import TransactionTestCase

    if item.get_closest_marker("django_db"):
        return True
    if set(_DATABASE_FIXTURES) & set(getattr(item, "fixturenames", ())):
        return True
    cls = getattr(item, "cls", None)
    return bool(cls and issubclass(cls, TransactionTestCase))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With PLANWATCH_TESTS=database only the tests that touch the database run: the second
    database's leg in .ci/run, where the rest (readers, rules, the wheel) would only repeat
    the first leg."""
    if os.environ.get("PLANWATCH_TESTS") != "database":
        return
    kept = [item for item in items if _uses_database(item)]
    dropped = [item for item in items if not _uses_database(item)]
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


@pytest.fixture(autouse=True)
def _append_only_on_sqlite(request):
    """On SQLite the append-only tables refuse DELETE unless the non-Django table
    planwatch_unlock holds a row. Django empties every table after a transactional test
    (flush, with DELETE), so such a test leaves a row there for its flush, and every test
    that uses the database starts by removing it: the triggers hold during every test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not set(_DATABASE_FIXTURES) & set(request.fixturenames):
        yield
        return
    transactional = (
        bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM planwatch_unlock")
    yield
    if sqlite and transactional:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO planwatch_unlock (reason) VALUES ('flush after a test')")


@pytest.fixture
def read_in_process(monkeypatch):
    """Read files in this process rather than in the budgeted child, for tests that replace
    a reader's internals (a replacement made here never reaches the child)."""
    monkeypatch.setenv("PLANWATCH_READ_IN_PROCESS", "1")
