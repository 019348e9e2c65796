"""Plan -> ODT in the published layout (odfdo)."""

from __future__ import annotations

import io

from odfdo import Cell, Document, Element, Header, Paragraph, Row, Style, Table

from planwatch.writers.layout import (
    INTRODUCTION,
    WORDMARK,
    PlanExport,
    header_lines,
    table_rows,
)

_WIDTHS_CM = {5: (2.0, 6.0, 10.5, 3.5, 2.7), 6: (1.8, 5.2, 2.7, 9.0, 3.3, 2.7)}


def _styles(document: Document, columns: int) -> None:
    """Landscape pages, ruled cells, bold headings and the column widths."""
    page = (  # a style definition, as XML: insert_style reads it
        '<style:page-layout style:name="PlanPage"><style:page-layout-properties '
        'fo:page-width="29.7cm" fo:page-height="21cm" style:print-orientation="landscape" '
        'fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="1.5cm" '
        'fo:margin-right="1.5cm"/></style:page-layout>'
    )
    document.insert_style(page, automatic=True)
    master = document.get_style("master-page", "Standard")
    if master is not None:
        master.set_attribute("style:page-layout-name", "PlanPage")
    cell = Style("table-cell", name="PlanCell")
    cell.set_properties(
        {"fo:border": "0.5pt solid #000000", "fo:padding": "0.1cm"}, area="table-cell"
    )
    document.insert_style(cell, automatic=True)
    bold = Style("paragraph", name="PlanBold")
    bold.set_properties({"fo:font-weight": "bold"}, area="text")
    document.insert_style(bold, automatic=True)
    wordmark = Style("paragraph", name="PlanWordmark")
    wordmark.set_properties({"fo:font-weight": "bold", "fo:font-size": "15pt"}, area="text")
    wordmark.set_properties(
        {
            "fo:border-left": "3pt solid #0b0c0c",
            "fo:padding-left": "0.2cm",
            "fo:margin-bottom": "0.5cm",
        },
        area="paragraph",
    )
    document.insert_style(wordmark, automatic=True)
    for index, width in enumerate(_WIDTHS_CM[columns]):
        column = Style("table-column", name=f"PlanColumn{index}")
        column.set_properties({"style:column-width": f"{width}cm"}, area="table-column")
        document.insert_style(column, automatic=True)


def _cell(paragraphs: list[str], bold: bool = False) -> Cell:
    cell = Cell(style="PlanCell")
    for text in paragraphs:
        cell.append(Paragraph(text, style="PlanBold" if bold else None))
    return cell


def write_odt(export: PlanExport) -> bytes:
    plan = export.plan
    titles, rows = table_rows(plan)
    document = Document("text")
    body = document.body
    body.clear()
    _styles(document, len(titles))
    # The wordmark: its two lines in one paragraph, as the published plans print it.
    wordmark = Paragraph(WORDMARK[0], style="PlanWordmark")
    for line in WORDMARK[1:]:
        wordmark.append(Element.from_tag("text:line-break"))
        wordmark.append(line)
    body.append(wordmark)
    for line in header_lines(export):
        body.append(Paragraph(line))
    body.append(Header(2, "INTRODUCTION"))
    body.append(Paragraph(INTRODUCTION))
    body.append(Paragraph("ACTION PLAN: HMIP REPORT"))
    body.append(Paragraph(f"ESTABLISHMENT: {plan.establishment}"))

    table = Table("ActionPlan")
    for index in range(len(titles)):
        table.append(
            Element.from_tag(f'<table:table-column table:style-name="PlanColumn{index}"/>')
        )
    # Header rows are repeated on every page when the table runs over several.
    header_rows = Element.from_tag("table:table-header-rows")
    header = Row()
    for title in titles:
        header.append(_cell([title], bold=True))
    header_rows.append(header)
    table.append(header_rows)
    for cells in rows:
        row = Row()
        is_section = sum(1 for cell in cells if cell) == 1 and bool(cells[1]) and not cells[0]
        for paragraphs in cells:
            row.append(_cell(paragraphs, bold=is_section))
        table.append(row)
    body.append(table)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
