"""Plan -> DOCX in the published layout (python-docx)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from planwatch.writers.layout import (
    INTRODUCTION,
    WORDMARK,
    PlanExport,
    header_lines,
    table_rows,
)

CONCERN_WIDTHS = (Cm(2.0), Cm(6.0), Cm(10.5), Cm(3.5), Cm(2.7))
RECOMMENDATION_WIDTHS = (Cm(1.8), Cm(5.2), Cm(2.7), Cm(9.0), Cm(3.3), Cm(2.7))


def add_page_number(paragraph: Paragraph) -> None:
    """A PAGE field, so that every page says which it is."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def repeat_as_header(row: _Row) -> None:
    """Print this row again at the top of every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def fill_cell(cell: _Cell, paragraphs: list[str], bold: bool = False) -> None:
    """Write paragraphs into a table cell, one Word paragraph each."""
    cell.text = ""
    first = cell.paragraphs[0]
    for index, text in enumerate(paragraphs):
        paragraph = first if index == 0 else cell.add_paragraph()
        paragraph.add_run(text).bold = bold


def set_widths(table: Table, widths: Sequence[Length]) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def add_wordmark(document: WordDocument) -> None:
    """The HMPPS wordmark as text: bold, one name a line, ruled on its left as printed."""
    paragraph = document.add_paragraph()
    for index, line in enumerate(WORDMARK):
        run = paragraph.add_run(line)
        run.bold = True
        run.font.size = Pt(15)
        if index < len(WORDMARK) - 1:
            run.add_break()
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for name, value in (("val", "single"), ("sz", "24"), ("space", "6"), ("color", "0B0C0C")):
        left.set(qn(f"w:{name}"), value)
    borders.append(left)
    paragraph._p.get_or_add_pPr().append(borders)
    paragraph.paragraph_format.space_after = Pt(14)


def new_document(landscape: bool, margin: Length) -> WordDocument:
    """An A4 Word document in the plans' house style: Arial 10pt, 6pt after paragraphs."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    style.paragraph_format.space_after = Pt(6)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long_side, short_side = Cm(29.7), Cm(21)
    section.page_width, section.page_height = (
        (long_side, short_side) if landscape else (short_side, long_side)
    )
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, margin)
    return document


def write_docx(export: PlanExport) -> bytes:
    plan = export.plan
    # Landscape A4, as the published plans are, to give the action column room.
    document = new_document(landscape=True, margin=Cm(1.5))
    section = document.sections[0]
    footer = section.footer.paragraphs[0]
    footer.text = f"{plan.establishment} action plan – page "
    add_page_number(footer)

    add_wordmark(document)
    for line in header_lines(export):
        document.add_paragraph(line)
    document.add_heading("INTRODUCTION", level=2)
    document.add_paragraph(INTRODUCTION)
    document.add_paragraph("ACTION PLAN: HMIP REPORT")
    document.add_paragraph(f"ESTABLISHMENT: {plan.establishment}")

    titles, rows = table_rows(plan)
    table = document.add_table(rows=1, cols=len(titles))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, titles, strict=True):
        fill_cell(cell, [title], bold=True)
    repeat_as_header(table.rows[0])
    for cells in rows:
        row = table.add_row()
        for cell, paragraphs in zip(row.cells, cells, strict=True):
            section_title = len([c for c in cells if c]) == 1 and cells[1] == paragraphs
            fill_cell(cell, paragraphs, bold=section_title and bool(paragraphs))
    set_widths(table, RECOMMENDATION_WIDTHS if len(titles) == 6 else CONCERN_WIDTHS)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
