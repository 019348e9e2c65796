"""A report file as the paragraphs and table rows it prints, in order, from any format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from planwatch.errors import PlanReadError
from planwatch.readers import detect_format, load_bytes, pdf_tags, read_document
from planwatch.readers.cells import Document, collapse
from planwatch.readers.text import decode, split_cell
from planwatch.reports_in import ReportReadError, numbering

# Where the PDF layout reader may run paragraphs of a report together (its paragraph rules
# are made for table cells; a report's many short lines defeat them): before a numbered
# concern, an area or expectation line, an item's heading, "What we found", a judgement,
# a section heading; and after a heading that runs into its first paragraph.
_RUN_TOGETHER = re.compile(
    r"(?<=[.!?)])\s+(?=(?i:\(?area\s*:|\((?:safety|respect|purposeful activity|rehabilitation)"
    r"|expectations?\b|(?:priority |key )?concerns?\s+[A-Z]{0,2}\d|(?:priority|key) concerns\b"
    r"|(?:main |key )?recommendations?\b|what we found\b|we judged\b|section \d)"
    r"|\d{1,2}(?:\.\d{1,3})?\.?\s+[A-Z])"
    r"|(?<=(?i:concerns))\s+(?=\d{1,2}\.\s+[A-Z])"
    r"|(?<=(?i:what we found))\s+(?=[A-Z])"
    r"|(?<=[a-z)])\s+(?=(?i:by HM Chief Inspector of Prisons)|(?i:expectations?)\s+\d)"
)
# Page furniture the PDF layout reader keeps as paragraphs: page numbers.
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.I)


@dataclass(frozen=True)
class Block:
    """A paragraph (`cells` empty) or a table row (`cells` holds each cell's text)."""

    text: str
    cells: tuple[str, ...] = ()
    # Read from a PDF's layout: where its paragraphs begin and end is less certain.
    from_layout: bool = False

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


def _tagged(data: bytes) -> Document | None:
    """A tagged PDF's paragraphs and tables as its structure tree marks them (Word's PDFs,
    as HMIP publishes, are tagged); None when it has no usable tags. The plan reader uses
    tags only for a plan table, so a report's tags are read here with the same tree reader."""
    pdf = pdfium.PdfDocument(data)
    try:
        if not pdfium_c.FPDFCatalog_IsTagged(pdf.raw):
            return None
        pages = [pdf[index] for index in range(len(pdf))]
        textpages = [page.get_textpage() for page in pages]
        roots, claimed, unclaimed, unmarked = pdf_tags.read_tree(pages, textpages)
        # As the plan reader: tags that leave text out describe another, or a damaged, file.
        if claimed == 0 or unclaimed > 0.01 * claimed or unmarked > claimed:
            return None
        return pdf_tags.build_document(roots)
    except (
        pdf_tags.TagError,
        pdfium.PdfiumError,
        ArithmeticError,
        LookupError,
        ValueError,
        TypeError,
        RecursionError,
    ):
        return None
    finally:
        pdf.close()


def _separated(text: str) -> list[str]:
    return [part for part in _RUN_TOGETHER.split(text) if part]


def _with_numbers(document: Document, data: bytes, kind: str) -> None:
    """Put back the numbers of automatically numbered paragraphs (Word's and OpenDocument's
    lists), which the readers' text leaves out."""
    try:
        labelled = numbering.docx_labels(data) if kind == "docx" else numbering.odt_labels(data)
    except Exception:  # the reader has read the file already; without numbers, as it read it
        return
    if not any(label for _, label in labelled):
        return
    outside = [row for row in document.rows if row.outside_table and row.cells and row.cells[0]]
    texts = numbering.numbered(
        [*document.lines, *(" ".join(row.cells[0]) for row in outside)], labelled
    )
    document.lines = texts[: len(document.lines)]
    for row, text in zip(outside, texts[len(document.lines) :], strict=True):
        row.cells[0] = [text]


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


def load_document(path: Path, word: str) -> bytes:
    """A report's or review's file, as the plan readers load one; a file that cannot be
    opened is a ReportReadError, its message said of a `word` ("report", "review")."""
    try:
        return load_bytes(path)
    except ReportReadError:
        raise
    except Exception as error:  # load_bytes raises PlanReadError only
        raise ReportReadError(str(error).replace("plan", word)) from None


def read_blocks(data: bytes, name: str) -> list[Block]:
    """Paragraphs and table rows in document order: the readers' cells for PDF, DOCX and ODT
    (text outside tables is a paragraph), the lines of the text form. Page numbers dropped."""
    try:
        kind = detect_format(data, name)
        if kind == "text":
            blocks = _text_blocks(decode(data, name).replace("\f", "\n"))
        else:
            # The readers' checks and refusals first, whatever the format.
            document = read_document(data, name)
            tagged = _tagged(data) if kind == "pdf" else None
            if kind in ("docx", "odt"):
                _with_numbers(document, data, kind)
            layout = kind == "pdf" and tagged is None
            # Paragraphs read from a PDF's layout may have run together: split them again.
            split = _separated if layout else lambda text: [text]
            document = tagged or document
            blocks = [Block(part, (), layout) for line in document.lines for part in split(line)]
            for row in document.rows:
                cells = [" ".join(cell) for cell in row.cells]
                if row.outside_table:
                    blocks.extend(
                        Block(part, (), layout) for text in cells if text for part in split(text)
                    )
                elif (block := _row(cells)) is not None:
                    blocks.append(block)
    except ReportReadError:
        raise
    except PlanReadError as error:
        raise ReportReadError(_reworded(str(error))) from None
    return [block for block in blocks if block.is_row or not _PAGE_NUMBER.match(block.text)]
