"""The exported plan looks published: the HMPPS wordmark as text, and "Revised" only on a
re-issue, never a version number."""

from __future__ import annotations

import io
import json

import pytest

from planwatch.model import Plan
from planwatch.pipeline import read_plan_bytes
from planwatch.writers import PlanExport, write
from tests.conftest import FIXTURES

PLAN = FIXTURES / "plans" / "hmp-peterborough-2024.json"


def seed() -> Plan:
    return Plan.from_dict(json.loads(PLAN.read_text("utf-8")))


def header_text(data: bytes, fmt: str) -> list[str]:
    """The document's lines before the plan table, as a reader of it sees them."""
    if fmt == "docx":
        from docx import Document

        lines = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    elif fmt == "odt":
        from odfdo import Document as OdfDocument

        body = OdfDocument(io.BytesIO(data)).body
        lines = [str(p) for p in body.get_paragraphs() if p.parent.tag == "office:text"]
    else:
        import pypdfium2 as pdfium

        page = pdfium.PdfDocument(data)[0]
        lines = page.get_textpage().get_text_range().replace("\r\n", "\n").split("\n")
    text = "\n".join(lines)
    return text[: text.index("ACTION PLAN: HMIP REPORT")].split("\n")


def all_text(data: bytes, fmt: str) -> str:
    if fmt == "docx":
        from docx import Document

        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "odt":
        from odfdo import Document as OdfDocument

        return str(OdfDocument(io.BytesIO(data)).get_formatted_text())
    import pypdfium2 as pdfium

    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(data))


@pytest.mark.parametrize("fmt", ["docx", "odt", "pdf"])
def test_the_wordmark_heads_the_header_block_and_no_version_is_printed(fmt):
    data = write([PlanExport(seed(), version=2, first_submitted="2024-05-22")], fmt)
    lines = [line.strip() for line in header_text(data, fmt) if line.strip()]
    assert lines[:6] == [
        "HM Prison &",
        "Probation Service",
        "Action Plan: HMP Peterborough (Men)",
        "Action Plan Submitted: 22nd May 2024",
        "A Response to the HMIP Inspection: 8th January 2024 – 18th January 2024",
        "Report Published: 9th April 2024",
    ]
    assert read_plan_bytes(data, f"x.{fmt}").plan_submitted == "2024-05-22"
    assert "version" not in all_text(data, fmt).lower()


@pytest.mark.parametrize("fmt", ["docx", "odt", "pdf"])
def test_a_reissued_plan_says_revised_with_the_date(fmt):
    plan = seed()
    plan.plan_submitted = "2024-09-03"
    data = write([PlanExport(plan, version=3, first_submitted="2024-05-22")], fmt)
    lines = [line.strip() for line in header_text(data, fmt) if line.strip()]
    assert lines[3:5] == ["Action Plan Submitted: 22nd May 2024", "Revised: 3rd September 2024"]
    # Read back, the version in hand is the one submitted when it was revised.
    assert read_plan_bytes(data, f"x.{fmt}").plan_submitted == "2024-09-03"


def test_the_pdf_wordmark_is_bold_text_in_the_tagged_structure():
    from planwatch.writers.html import plan_html

    html = plan_html(PlanExport(seed()))
    assert '<p class="wordmark">HM Prison &amp;<br>Probation Service</p>' in html
    assert "font-weight: bold" in html[html.index(".wordmark") : html.index("col.ref")]
    assert "Revised" not in html
