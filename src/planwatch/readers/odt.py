"""ODT reader (odfdo): paragraphs before the table, then every table's rows of cells."""

from __future__ import annotations

import io
from collections.abc import Iterator

from lxml import etree
from odfdo import Document as OdfDocument
from odfdo import Element

from planwatch.errors import PlanReadError
from planwatch.readers.cells import Cell, Document, Row, collapse

_TEXT_BLOCKS = ("text:p", "text:h")
_ROW_GROUPS = ("table:table-header-rows", "table:table-rows", "table:table-row-group")


def _paragraphs(element: Element) -> list[str]:
    """The text of every paragraph and heading within an element, in document order."""
    found = element.get_elements("descendant::*[self::text:p or self::text:h]")
    texts = [collapse(str(paragraph)) for paragraph in found]
    return [text for text in texts if text]


def _rows(table: Element) -> Iterator[Element]:
    for child in table.children:
        if child.tag == "table:table-row":
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _row_cells(row: Element) -> list[Cell]:
    cells: list[Cell] = []
    for cell in row.children:
        repeat = int(cell.get_attribute("table:number-columns-repeated") or 1)
        if cell.tag == "table:covered-table-cell":
            # Covered by a merged cell above or to the left: printed once, there.
            cells.extend([] for _ in range(min(repeat, 64)))
        elif cell.tag == "table:table-cell":
            cells.append(_paragraphs(cell))
            cells.extend([] for _ in range(min(repeat, 64) - 1))
    return cells


def _blocks(element: Element) -> Iterator[Element]:
    """Block-level content, looking inside sections and lists as a reader sees them."""
    for child in element.children:
        if child.tag in ("text:section", "text:list", "text:list-item"):
            yield from _blocks(child)
        else:
            yield child


def read_odt(data: bytes, name: str) -> Document:
    """Read an OpenDocument text: paragraphs before the first table, then all tables' rows."""
    try:
        odf = OdfDocument(io.BytesIO(data))
        body = odf.body
    except (etree.XMLSyntaxError, KeyError, ValueError, TypeError, OSError) as error:
        raise PlanReadError(
            f"{name} is not a readable ODT file ({type(error).__name__}): "
            "open it in LibreOffice and save it again"
        ) from None
    document = Document()
    seen_table = False
    for block in _blocks(body):
        if block.tag in _TEXT_BLOCKS:
            document.add_text(collapse(str(block)), after_table=seen_table)
        elif block.tag == "table:table":
            seen_table = True
            document.rows.extend(Row(cells=_row_cells(row)) for row in _rows(block))
    return document
