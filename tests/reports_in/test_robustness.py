"""Damaged and hostile inputs: the report and review readers only ever raise their own error."""

from __future__ import annotations

import contextlib
import random

import pytest

from planwatch.reports_in import ReportReadError
from planwatch.reports_in.inspection_report import read_report_bytes
from planwatch.reports_in.irp import read_review_bytes
from tests.conftest import FIXTURES

SOURCES = [path.read_bytes() for path in sorted(FIXTURES.glob("re*/*.txt"))]
INSERTS = [
    b"\t",
    b"\n",
    b"1. ",
    b"(Area: ",
    b"Priority concerns\n",
    b"Key concerns\n",
    b"We judged that there had been good progress",
    b"9" * 50,
    b" inspection of ",
    b"Concern 3: ",
    "1²".encode(),
]


def _mutated(rng: random.Random) -> bytes:
    data = bytearray(rng.choice(SOURCES))
    for _ in range(rng.randint(1, 20)):
        where = rng.randrange(len(data)) if data else 0
        choice = rng.random()
        if choice < 0.4 and data:
            data[where] = rng.randrange(256)
        elif choice < 0.6:
            data[where:where] = rng.choice(INSERTS)
        elif choice < 0.8 and data:
            del data[where : where + rng.randint(1, 200)]
        else:
            data[where:where] = data[rng.randrange(len(data) or 1) :][: rng.randint(1, 500)]
    return bytes(data)


@pytest.mark.parametrize("read", [read_report_bytes, read_review_bytes])
def test_mutated_documents_are_read_or_refused_never_crash(read):
    rng = random.Random(2026)
    for _ in range(300):
        try:
            read(_mutated(rng), "mutated.txt")
        except ReportReadError as error:
            assert "\n" not in str(error)


@pytest.mark.parametrize("read", [read_report_bytes, read_review_bytes])
@pytest.mark.parametrize(
    "text",
    [
        "inspection of " + "1" * 100_000,
        "Priority concerns\n1. " + "a " * 100_000,
        "Concern 1: " + "9" * 100_000 + "\nWe judged that there had been good progress",
        "During our inspection, we identified 1² key concerns, of which 1² are priorities",
    ],
)
def test_long_and_odd_paragraphs(read, text):
    # Read or refused in one line: any other exception fails the test.
    with contextlib.suppress(ReportReadError):
        read(text.encode(), "odd.txt")
