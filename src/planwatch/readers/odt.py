"""ODT reader (odfdo): paragraphs before the table, then every table's rows of cells."""

from __future__ import annotations

import io
from collections.abc import Iterator

from lxml import etree
from odfdo import Document as OdfDocument
from odfdo import Element, SecurityError

from planwatch.errors import PlanReadError
from planwatch.readers import archive, guard
from planwatch.readers.cells import (
    Cell,
    Document,
    Row,
    collapse,
    span,
    too_many_cells,
)

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


def _row_cells(row: Element, name: str) -> list[Cell]:
    cells: list[Cell] = []
    for cell in row.children:
        repeat = span(cell.get_attribute_string("table:number-columns-repeated"))
        if cell.tag == "table:covered-table-cell":
            # Covered by a merged cell above or to the left: printed once, there.
            cells.extend([] for _ in range(repeat))
        elif cell.tag == "table:table-cell":
            cells.append(_paragraphs(cell))
            cells.extend([] for _ in range(repeat - 1))
        if len(cells) > guard.LIMITS.cells:
            raise too_many_cells(name, len(cells))
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
    archive.vet(data, name)
    try:
        odf = OdfDocument(io.BytesIO(data))
        body = odf.body
    except (etree.XMLSyntaxError, KeyError, TypeError, SecurityError, *archive.ZIP_ERRORS) as error:
        raise PlanReadError(
            f"{name} is not a readable ODT file ({type(error).__name__}): "
            "open it in LibreOffice and save it again"
        ) from None
    try:
        return _read_body(body, name)
    except ValueError:
        # odfdo names each element by its namespace's prefix, and has none for a namespace
        # no OpenDocument file uses.
        raise PlanReadError(
            f"{name} is not a readable ODT file (an element in an unknown namespace): "
            "open it in LibreOffice and save it again"
        ) from None


def _read_body(body: Element, name: str) -> Document:
    document = Document()
    seen_table = False
    for block in _blocks(body):
        if block.tag in _TEXT_BLOCKS:
            document.add_text(collapse(str(block)), after_table=seen_table)
        elif block.tag == "table:table":
            seen_table = True
            for row in _rows(block):
                document.add_row(Row(cells=_row_cells(row, name)), name)
    return document
