"""A report file as the paragraphs and table rows it prints, in order, from any format."""

from __future__ import annotations

import re
from dataclasses import dataclass

from planwatch.errors import PlanReadError
from planwatch.readers import detect_format, read_document
from planwatch.readers.cells import collapse
from planwatch.readers.text import decode, split_cell
from planwatch.reports_in import ReportReadError

# Page furniture the PDF layout reader keeps as paragraphs: page numbers.
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.I)


@dataclass(frozen=True)
class Block:
    """A paragraph (`cells` empty) or a table row (`cells` holds each cell's text)."""

    text: str
    cells: tuple[str, ...] = ()

    @property
    def is_row(self) -> bool:
        return bool(self.cells)


def _row(cells: list[str]) -> Block | None:
    if not any(cells):
        return None
    return Block(" | ".join(cell for cell in cells if cell), tuple(cells))


def _text_blocks(text: str) -> list[Block]:
    """The text form: one paragraph a line, table rows as tab-separated cells."""
    blocks: list[Block] = []
    for line in text.splitlines():
        if "\t" in line:
            row = _row([" ".join(split_cell(raw)) for raw in line.split("\t")])
            if row is not None:
                blocks.append(row)
        elif line.strip():
            blocks.append(Block(collapse(line)))
    return blocks


def _reworded(message: str) -> str:
    """The plan readers' messages, said of a report."""
    for plan_words, report_words in (
        ("an action plan", "a report"),
        ("one plan file", "one report file"),
        ("for one plan", "for one report"),
        ("the plan itself", "the report itself"),
    ):
        message = message.replace(plan_words, report_words)
    return message


def read_blocks(data: bytes, name: str) -> list[Block]:
    """Paragraphs and table rows in document order: the readers' cells for PDF, DOCX and ODT
    (text outside tables is a paragraph), the lines of the text form. Page numbers dropped."""
    try:
        kind = detect_format(data, name)
        if kind == "text":
            blocks = _text_blocks(decode(data, name).replace("\f", "\n"))
        else:
            document = read_document(data, name)
            blocks = [Block(line) for line in document.lines]
            for row in document.rows:
                cells = [" ".join(cell) for cell in row.cells]
                if row.outside_table:
                    blocks.extend(Block(text) for text in cells if text)
                elif (block := _row(cells)) is not None:
                    blocks.append(block)
    except ReportReadError:
        raise
    except PlanReadError as error:
        raise ReportReadError(_reworded(str(error))) from None
    return [block for block in blocks if block.is_row or not _PAGE_NUMBER.match(block.text)]
