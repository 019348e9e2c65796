"""DOCX reader (python-docx): paragraphs before the table, then every table's rows of cells."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import cast

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.text.paragraph import Paragraph
from lxml import etree

from planwatch.errors import PlanReadError
from planwatch.readers import archive, guard
from planwatch.readers.cells import Cell, Document, Row, collapse, too_many_cells
from planwatch.readers.cells import span as cells_span

_P, _TBL, _TR, _TC, _SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
_DOCUMENT, _BODY = qn("w:document"), qn("w:body")
_GRID, _GRID_COLUMN = qn("w:tblGrid"), qn("w:gridCol")


def _paragraph_text(element: etree._Element) -> str:
    # Reading the text needs no parent part, hence None.
    return collapse(Paragraph(cast(CT_P, element), None).text)  # type: ignore[arg-type]


def _content(element: etree._Element) -> Iterator[etree._Element]:
    """Block-level children, looking inside content controls (w:sdt) as Word shows them."""
    for child in element.iterchildren():
        if child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _content(content)
        else:
            yield child


def _cell_paragraphs(tc: etree._Element) -> Cell:
    """A cell's paragraphs in order; a table nested in the cell gives its paragraphs too."""
    paragraphs = []
    for paragraph in tc.iter(_P):
        text = _paragraph_text(paragraph)
        if text:
            paragraphs.append(text)
    return paragraphs


def _row_cells(tr: etree._Element, name: str, columns: int) -> list[Cell]:
    """A row's cells, each merged cell followed by an empty one per column it covers
    (no more than the table's grid has: a damaged file may claim any span)."""
    cells: list[Cell] = []
    for tc in _content(tr):
        if tc.tag != _TC:
            continue
        properties = cast(CT_Tc, tc).tcPr
        span = 1
        merged_from_above = False
        if properties is not None:
            grid_span = properties.find(qn("w:gridSpan"))
            if grid_span is not None:
                span = cells_span(grid_span.get(qn("w:val")))
            v_merge = properties.find(qn("w:vMerge"))
            # A vMerge without val="restart" continues the cell above: its text is printed once.
            merged_from_above = v_merge is not None and v_merge.get(qn("w:val")) != "restart"
        cells.append([] if merged_from_above else _cell_paragraphs(tc))
        cells.extend([] for _ in range(min(span, columns - len(cells) + 1) - 1))
        if len(cells) > guard.LIMITS.cells:
            raise too_many_cells(name, len(cells))
    return cells


def read_docx(data: bytes, name: str) -> Document:
    """Read a Word document: paragraphs before the first table, then all tables' rows."""
    archive.vet(data, name)
    try:
        try:
            word = docx.Document(io.BytesIO(data))
        except AttributeError:
            # python-docx's package reader on a [Content_Types].xml or .rels part whose
            # root is some other element.
            raise PlanReadError(
                f"{name} is a damaged DOCX file (its package parts are malformed): "
                "open it in Word and save it again"
            ) from None
        # A damaged main part may have some other root, or no body: found, not assumed.
        body = word.element.find(_BODY) if word.element.tag == _DOCUMENT else None
    except (PackageNotFoundError, KeyError, etree.XMLSyntaxError, *archive.ZIP_ERRORS) as error:
        raise PlanReadError(
            f"{name} is a damaged DOCX file ({type(error).__name__}): "
            "open it in Word and save it again"
        ) from None
    if body is None:
        raise PlanReadError(
            f"{name} is a damaged DOCX file (its main part has no document body): "
            "open it in Word and save it again"
        )
    document = Document()
    seen_table = False
    for block in _content(body):
        if block.tag == _P:
            document.add_text(_paragraph_text(block), after_table=seen_table)
        elif block.tag == _TBL:
            seen_table = True
            grid = block.find(_GRID)
            columns = len(grid.findall(_GRID_COLUMN)) if grid is not None else 0
            columns = min(columns or guard.LIMITS.cells, guard.LIMITS.cells)
            for tr in _content(block):
                if tr.tag == _TR:
                    document.add_row(Row(cells=_row_cells(tr, name, columns)), name)
    return document
