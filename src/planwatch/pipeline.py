"""The whole reading pipeline in one call: file -> cells (readers) -> plan (tables)."""

from __future__ import annotations

from pathlib import Path

from planwatch.model import Plan
from planwatch.readers import load_bytes, read_document
from planwatch.tables import build_plan

SAMPLE_PLAN = Path(__file__).parent / "samples" / "hmp-peterborough-2024.txt"


def read_plan_bytes(data: bytes, name: str) -> Plan:
    """Read a plan from a file's bytes; `name` is used in messages."""
    return build_plan(read_document(data, name), name)


def read_plan(path: str | Path) -> Plan:
    """Read a plan file of any supported format; raises PlanReadError with a one-line message."""
    path = Path(path)
    return read_plan_bytes(load_bytes(path), str(path))
