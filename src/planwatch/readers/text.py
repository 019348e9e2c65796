"""Text-form reader: tab-separated table rows, <p> paragraphs, blank lines as page breaks."""

from __future__ import annotations

import html
import re

from planwatch.errors import PlanReadError
from planwatch.readers import guard
from planwatch.readers.cells import Cell, Document, Row, collapse, too_many_cells

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S | re.I)
# C0 control characters other than tab, newline, carriage return and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _not_a_plan_file(name: str) -> PlanReadError:
    return PlanReadError(
        f"{name} is not a text file, PDF, DOCX or ODT: give an action plan in one of those formats"
    )


def decode(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), else Windows-1252 as older Word exports are."""
    if b"\x00" in data[:8192]:
        raise _not_a_plan_file(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise PlanReadError(
                f"{name} is not readable text (neither UTF-8 nor Windows-1252): "
                "save it as UTF-8 text, or give the PDF, DOCX or ODT"
            ) from None
    sample = text[:8192]
    if sample and len(_CONTROL.findall(sample)) > len(sample) // 100:
        raise _not_a_plan_file(name)
    return text


def split_cell(raw: str) -> Cell:
    """A cell's paragraphs: each <p>…</p>, or the whole cell when it has none."""
    if "<p>" in raw.lower():
        paragraphs = [collapse(html.unescape(part)) for part in _PARAGRAPH.findall(raw)]
    else:
        paragraphs = [collapse(raw)]
    return [paragraph for paragraph in paragraphs if paragraph]


def read_text(data: bytes, name: str) -> Document:
    """Read the extracted text form of a plan into header lines and table rows."""
    text = decode(data, name).replace("\f", "\n\n")
    document = Document()
    in_table = False
    blank_since_row = False
    for line in text.splitlines():
        if "\t" in line:
            in_table = True
            if line.count("\t") >= guard.LIMITS.cells:
                raise too_many_cells(name, line.count("\t") + 1)
            document.add_row(
                Row(cells=[split_cell(raw) for raw in line.split("\t")], new_page=blank_since_row),
                name,
            )
            blank_since_row = False
        elif not line.strip():
            blank_since_row = in_table
        elif not in_table:
            document.lines.append(collapse(line))
        # Lines of prose inside or after the table are page furniture or closing text.
    return document
