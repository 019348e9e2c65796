"""Exported DOCX, ODT and PDF read back with `planwatch parse` to the same plan."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from planwatch.model import CONTRACT_KEYS, Plan
from planwatch.pipeline import read_plan_bytes
from planwatch.writers import PlanExport, write
from tests.conftest import FIXTURES

PLANS = sorted((FIXTURES / "plans").glob("*.json"))


def contract(plan: Plan) -> dict:
    data = plan.to_dict()
    return {key: data[key] for key in CONTRACT_KEYS}


@pytest.mark.parametrize("fmt", ["docx", "odt", "pdf"])
@pytest.mark.parametrize("source", PLANS, ids=[path.stem for path in PLANS])
def test_round_trip(source, fmt):
    plan = Plan.from_dict(json.loads(source.read_text("utf-8")))
    data = write([PlanExport(plan)], fmt)
    again = read_plan_bytes(data, f"export.{fmt}")
    assert contract(again) == contract(plan)


def test_the_seed_round_trips_without_any_inference(seed_expected):
    plan = Plan.from_dict({k: v for k, v in seed_expected.items() if k != "owner_aliases"})
    for fmt in ("docx", "odt", "pdf"):
        again = read_plan_bytes(write([PlanExport(plan)], fmt), f"x.{fmt}")
        # A PDF notes how it was read (tags or layout); that is not an inference.
        expected = ["PDF read from its tags: cells and paragraphs as the document marks them"]
        assert again.warnings == (expected if fmt == "pdf" else []), fmt


def test_the_pdf_is_tagged_for_accessibility():
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    plan = Plan.from_dict(json.loads((FIXTURES / "plans" / "hmp-oldbury-2019.json").read_text()))
    pdf = pdfium.PdfDocument(write([PlanExport(plan)], "pdf"))
    assert pdfium_c.FPDFCatalog_IsTagged(pdf.raw)
    buffer = (ctypes.c_ushort * 32)()
    length = pdfium_c.FPDFCatalog_GetLanguage(pdf.raw, buffer, ctypes.sizeof(buffer))
    assert bytes(buffer)[: length - 2].decode("utf-16-le") == "en"
    assert pdf.get_metadata_dict()["Title"] == "HMP Oldbury action plan"


def test_documents_hold_one_plan_only():
    plan = Plan(establishment="HMP X")
    with pytest.raises(ValueError, match="docx holds one plan; use csv, xlsx or json"):
        write([PlanExport(plan), PlanExport(plan)], "docx")


def test_pdf_pages_render(tmp_path):
    """Every page of the exported PDF renders (pdftoppm, when the machine has it)."""
    pdftoppm = shutil.which("pdftoppm")
    if not pdftoppm:
        if os.environ.get("CI"):
            raise RuntimeError("pdftoppm is missing: .ci/run installs poppler-utils")
        pytest.skip("poppler-utils is not installed")
    plan = Plan.from_dict(
        json.loads((FIXTURES / "plans" / "hmp-peterborough-2024.json").read_text())
    )
    path = tmp_path / "plan.pdf"
    path.write_bytes(write([PlanExport(plan)], "pdf"))
    subprocess.run([pdftoppm, "-r", "20", "-png", str(path), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page-*.png"))) >= 5
