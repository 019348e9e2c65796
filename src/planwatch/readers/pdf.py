"""PDF reader (pypdfium2): ruled table cells from drawn borders, paragraphs from line spacing."""

from __future__ import annotations

import ctypes
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from planwatch.errors import PlanReadError
from planwatch.readers.cells import Cell, Document, Row, collapse

# Borders are drawn as thin lines or thin filled rectangles; anything thicker is shading.
_RULE_THICKNESS = 2.5
_MIN_RULE_LENGTH = 8.0
_SAME_POSITION = 2.0
# Paragraphs are told apart by the space between baselines, measured in font sizes. Line
# spacing is learnt from each document (producers report font sizes in different units);
# a gap this much wider than the usual line spacing starts a new paragraph.
_PARAGRAPH_FACTOR = 1.25
_MAX_LINE_SPACING = 1.2


@dataclass
class _Line:
    """A run of text on one baseline within one page."""

    text: str
    left: float
    right: float
    baseline: float
    font_size: float


@dataclass
class _Grid:
    columns: list[float]  # x of each vertical border, left to right
    rows: list[float]  # y of each horizontal border, top to bottom (PDF y grows upwards)

    @property
    def top(self) -> float:
        return self.rows[0]

    @property
    def bottom(self) -> float:
        return self.rows[-1]

    def contains(self, line: _Line) -> bool:
        return (
            self.bottom < line.baseline < self.top
            and self.columns[0] - 1 <= line.left < self.columns[-1]
        )

    def place(self, line: _Line) -> tuple[int, int]:
        """(row band, column) of a line inside the grid."""
        band = sum(1 for y in self.rows if y > line.baseline) - 1
        column = bisect_right(self.columns, line.left + 1.0) - 1
        return band, min(column, len(self.columns) - 2)


def _cluster(values: list[float]) -> list[float]:
    """Positions within a couple of points of each other are one border."""
    clustered: list[float] = []
    for value in sorted(values):
        if clustered and value - clustered[-1] <= _SAME_POSITION:
            continue
        clustered.append(value)
    return clustered


@dataclass
class _Rule:
    """A drawn border: `position` is x for a vertical rule, y for a horizontal one;
    it runs from `start` to `end` along the other axis."""

    position: float
    start: float
    end: float


def _rules(page: pdfium.PdfPage) -> tuple[list[_Rule], list[_Rule]]:
    """The vertical and horizontal borders drawn on a page."""
    verticals: list[_Rule] = []
    horizontals: list[_Rule] = []
    for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        left, bottom, right, top = item.get_bounds()
        width, height = right - left, top - bottom
        if width <= _RULE_THICKNESS and height >= _MIN_RULE_LENGTH:
            verticals.append(_Rule((left + right) / 2, bottom, top))
        elif height <= _RULE_THICKNESS and width >= _MIN_RULE_LENGTH:
            horizontals.append(_Rule((top + bottom) / 2, left, right))
        elif width >= _MIN_RULE_LENGTH and height >= _MIN_RULE_LENGTH and _is_stroked_box(item):
            # A box drawn round a cell or the whole table contributes its four edges.
            verticals += [_Rule(left, bottom, top), _Rule(right, bottom, top)]
            horizontals += [_Rule(bottom, left, right), _Rule(top, left, right)]
    return verticals, horizontals


def _grids(page: pdfium.PdfPage) -> list[_Grid]:
    """One grid per ruled table on the page, top to bottom.

    Tables are told apart by the vertical extent of their side borders: two tables on one
    page (a table of key facts above the plan, say) have separate column borders.
    """
    verticals, horizontals = _rules(page)
    extents: list[list[float]] = []  # [bottom, top] of each table, merged where they overlap
    for rule in sorted(verticals, key=lambda rule: -rule.end):
        if extents and rule.end >= extents[-1][0] - _SAME_POSITION:
            extents[-1][0] = min(extents[-1][0], rule.start)
        else:
            extents.append([rule.start, rule.end])
    grids = []
    for bottom, top in extents:
        columns = _cluster(
            [
                rule.position
                for rule in verticals
                if rule.start >= bottom - _SAME_POSITION and rule.end <= top + _SAME_POSITION
            ]
        )
        # The side borders' ends close the table too: a row cut by a page break may be
        # drawn without a bottom border.
        rows = _cluster(
            [
                rule.position
                for rule in horizontals
                if bottom - _SAME_POSITION <= rule.position <= top + _SAME_POSITION
            ]
            + [bottom, top]
        )
        if len(columns) >= 3 and len(rows) >= 2:
            grids.append(_Grid(columns=columns, rows=sorted(rows, reverse=True)))
    return grids


def _is_stroked_box(item: pdfium.PdfObject) -> bool:
    fill_mode = ctypes.c_int()
    stroke = ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(item.raw, ctypes.byref(fill_mode), ctypes.byref(stroke)):
        return False
    return (
        bool(stroke.value)
        and fill_mode.value == 0
        and pdfium_c.FPDFPath_CountSegments(item.raw) in (4, 5)
    )


def _lines(textpage: pdfium.PdfTextPage) -> list[_Line]:
    """Text runs with their baselines, merged where several runs share one line."""
    runs: list[_Line] = []
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = textpage.get_text_bounded(left, bottom, right, top)
        if not text.strip():
            continue
        char = textpage.get_index(
            (left + right) / 2, (top + bottom) / 2, right - left, top - bottom
        )
        baseline, size = bottom, top - bottom
        if char is not None and char >= 0:
            if pdfium_c.FPDFText_GetCharOrigin(
                textpage.raw, char, ctypes.byref(origin_x), ctypes.byref(origin_y)
            ):
                baseline = origin_y.value
            size = pdfium_c.FPDFText_GetFontSize(textpage.raw, char) or size
        runs.append(_Line(text, left, right, baseline, size))
    return runs


def _join_lines(lines: list[_Line], cell_right: float | None) -> str:
    """One paragraph's lines as one string, with a space where the line wrapped at a space.

    A word too long for its column is broken without a hyphen: a line that is one word
    filling the cell to its right edge carries on into the next line. PDFium marks a
    hyphen at the end of a line as \x02.
    """
    text = lines[0].text.replace("\x02", "-").strip()
    for previous, line in pairwise(lines):
        piece = line.text.replace("\x02", "-").strip()
        hyphenated = text.endswith("-") and not text.endswith(" -")
        broken = _broken_word(previous, cell_right) and piece[:1].islower()
        joiner = "" if hyphenated or broken else " "
        text += joiner + piece
    return collapse(text)


def _broken_word(line: _Line, cell_right: float | None) -> bool:
    word = line.text.strip()
    return (
        cell_right is not None
        and " " not in word
        and word[-1:].isalpha()
        and line.right >= cell_right - 8.0
    )


def _merged_lines(lines: list[_Line]) -> list[_Line]:
    """A cell's lines top to bottom; runs on one baseline (a change of font) are one line."""
    merged: list[_Line] = []
    for line in sorted(lines, key=lambda line: (-line.baseline, line.left)):
        if merged and abs(merged[-1].baseline - line.baseline) < 1.0:
            previous = merged[-1]
            joiner = "" if previous.text.endswith(" ") or line.left - previous.right < 1 else " "
            previous.text += joiner + line.text
            previous.right = line.right
            continue
        merged.append(_Line(line.text, line.left, line.right, line.baseline, line.font_size))
    return merged


def _spacing(lines: list[_Line]) -> list[float]:
    """Gaps between consecutive baselines of a cell, in font sizes."""
    return [
        (upper.baseline - lower.baseline) / max(upper.font_size, lower.font_size)
        for upper, lower in pairwise(lines)
        if max(upper.font_size, lower.font_size) > 0
    ]


def line_spacing(groups: list[list[_Line]]) -> float:
    """The document's usual line spacing: the lower quartile of baseline gaps in its cells,
    most of which fall within paragraphs."""
    gaps = sorted(gap for group in groups for gap in _spacing(group) if 0.5 < gap < 4.0)
    if not gaps:
        return _MAX_LINE_SPACING
    return min(gaps[len(gaps) // 4], _MAX_LINE_SPACING)


def _cells_of(lines: list[_Line], spacing: float, cell_right: float | None = None) -> Cell:
    """Group the merged lines of one cell into paragraphs by the space between baselines."""
    paragraphs: list[list[_Line]] = []
    previous: _Line | None = None
    for line in lines:
        if previous is None:
            paragraphs.append([])
        else:
            size = max(line.font_size, previous.font_size) or 1.0
            # A change of type size (a heading and its text) also ends a paragraph.
            resized = abs(line.font_size - previous.font_size) > 0.1 * size
            if resized or (previous.baseline - line.baseline) / size > _PARAGRAPH_FACTOR * spacing:
                paragraphs.append([])
        paragraphs[-1].append(line)
        previous = line
    texts = (_join_lines(part, cell_right) for part in paragraphs)
    return [text for text in texts if text]


def _open(data: bytes, name: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise PlanReadError(
                f"{name} is a password-protected PDF: save an unprotected copy and read that"
            ) from None
        raise PlanReadError(
            f"{name} is a damaged or truncated PDF: download it again, or give the Word version"
        ) from None


def read_pdf(data: bytes, name: str) -> Document:
    """Read a PDF's ruled plan table (and the header block above it) into rows of cells."""
    pdf = _open(data, name)
    document = Document()
    try:
        pages = [(page, _lines(page.get_textpage())) for page in pdf]
        all_lines = [line for _, lines in pages for line in lines]
        if not all_lines:
            raise PlanReadError(
                f"{name} has no text layer (it is probably a scan) and OCR is not supported: "
                "give the Word version or a PDF exported from Word"
            )
        _read_pages(document, pages)
    except pdfium.PdfiumError:
        raise PlanReadError(
            f"{name} is a damaged or truncated PDF: download it again, or give the Word version"
        ) from None
    finally:
        pdf.close()
    return document


def _read_pages(document: Document, pages: list[tuple[pdfium.PdfPage, list[_Line]]]) -> None:
    """Place each page's lines in the ruled tables drawn on it, row band by column."""
    # First place every line; paragraphs are found once the document's spacing is known.
    placed_pages = []
    for page, lines in pages:
        grids = _grids(page)
        bands: list[dict[tuple[int, int], list[_Line]]] = [{} for _ in grids]
        # Text outside every table, keyed by the number of tables above it.
        outside: dict[int, list[_Line]] = {}
        for line in lines:
            for number, grid in enumerate(grids):
                if grid.contains(line):
                    bands[number].setdefault(grid.place(line), []).append(line)
                    break
            else:
                tables_above = sum(1 for grid in grids if grid.bottom > line.baseline)
                outside.setdefault(tables_above, []).append(line)
        bands = [{key: _merged_lines(value) for key, value in table.items()} for table in bands]
        outside = {key: _merged_lines(value) for key, value in outside.items()}
        placed_pages.append((grids, bands, outside))
    spacing = line_spacing(
        [group for _, bands, outside in placed_pages for table in bands for group in table.values()]
        + [group for _, _, outside in placed_pages for group in outside.values()]
    )

    table_started = False
    for grids, bands, outside in placed_pages:
        for number in range(len(grids) + 1):
            # Running headers, footers and page numbers end up as outside rows, ignored.
            for text in _cells_of(outside.get(number, []), spacing):
                document.add_text(text, after_table=table_started)
            if number == len(grids):
                break
            grid = grids[number]
            first_band = True
            for band in range(len(grid.rows) - 1):
                cells = [
                    _cells_of(
                        bands[number].get((band, column), []), spacing, grid.columns[column + 1]
                    )
                    for column in range(len(grid.columns) - 1)
                ]
                if any(cells):
                    new_page = first_band and table_started and number == 0
                    document.rows.append(Row(cells=cells, new_page=new_page))
                    first_band = False
            table_started = True
