"""PDF reader (pypdfium2): a tagged PDF from its structure tree, any other from its layout."""

from __future__ import annotations

import ctypes
import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from planwatch.errors import PlanReadError
from planwatch.readers import guard, pdf_scan, pdf_tags
from planwatch.readers import pdf_layout as layout
from planwatch.readers.cells import Cell, Document, Row
from planwatch.readers.pdf_bounds import check_streams

# Borders are drawn as thin lines or thin filled rectangles; anything thicker is shading.
_RULE_THICKNESS = 2.5
_MIN_RULE_LENGTH = 8.0
_SAME_POSITION = 2.0


@dataclass
class _Grid:
    columns: list[float]  # x of each vertical border, left to right
    rows: list[float]  # y of each horizontal border, top to bottom (PDF y grows upwards)
    verticals: list[_Rule] = field(default_factory=list)
    _drawn: dict[int, list[int]] = field(default_factory=dict)
    _falling: list[float] | None = None

    def span(self, band: int, column: int) -> tuple[int, int]:
        """The columns a cell covers: a cell merged across columns (a section heading) has
        no border drawn between them within its row band."""
        drawn = self.drawn(band)
        first = max(index for index in drawn if index <= column)
        return first, min(index for index in drawn if index > column)

    def drawn(self, band: int) -> list[int]:
        """The column borders drawn within a row band (all of them but where cells merge)."""
        drawn = self._drawn.get(band)
        if drawn is None:
            drawn = self._drawn[band] = self._drawn_borders(band)
        return drawn

    def _drawn_borders(self, band: int) -> list[int]:
        middle = (self.rows[band] + self.rows[band + 1]) / 2
        return [
            index
            for index, x in enumerate(self.columns)
            if index in (0, len(self.columns) - 1)
            or any(
                abs(rule.position - x) <= _SAME_POSITION and rule.start <= middle <= rule.end
                for rule in self.verticals
            )
        ]

    @property
    def top(self) -> float:
        return self.rows[0]

    @property
    def bottom(self) -> float:
        return self.rows[-1]

    def band(self, y: float) -> int:
        """The row band holding a height inside the grid (rows run top to bottom)."""
        if self._falling is None:
            self._falling = [-row for row in self.rows]
        return bisect_left(self._falling, -y) - 1


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
    edges = [ctypes.c_float() for _ in range(4)]
    pointers = [ctypes.byref(edge) for edge in edges]
    for item in _paths(page):
        if not _BOUNDS(item, *pointers):
            continue
        left, bottom, right, top = (edge.value for edge in edges)
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
    """One grid per ruled table on the page, top to bottom."""
    return _grids_from(*_rules(page))


def _grids_from(verticals: list[_Rule], horizontals: list[_Rule]) -> list[_Grid]:
    """One grid per ruled table among a page's rules, top to bottom.

    Tables are told apart by the vertical extent of their side borders: two tables on one
    page (a table of key facts above the plan, say) have separate column borders.
    """
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
            inside = [
                rule
                for rule in verticals
                if rule.start >= bottom - _SAME_POSITION and rule.end <= top + _SAME_POSITION
            ]
            grids.append(_Grid(columns, sorted(rows, reverse=True), inside))
    return grids


_VOID, _INT = ctypes.c_void_p, ctypes.c_int
_FLOATS = [ctypes.POINTER(ctypes.c_float)] * 4
_DOUBLES = [ctypes.POINTER(ctypes.c_double)] * 4
_PAGE_COUNT = pdf_tags.address_function(pdfium_c.FPDFPage_CountObjects, _INT, _VOID)
_PAGE_OBJECT = pdf_tags.address_function(pdfium_c.FPDFPage_GetObject, _VOID, _VOID, _INT)
_FORM_COUNT = pdf_tags.address_function(pdfium_c.FPDFFormObj_CountObjects, _INT, _VOID)
_FORM_OBJECT = pdf_tags.address_function(
    pdfium_c.FPDFFormObj_GetObject, _VOID, _VOID, ctypes.c_ulong
)
_OBJECT_TYPE = pdf_tags.address_function(pdfium_c.FPDFPageObj_GetType, _INT, _VOID)
_BOUNDS = pdf_tags.address_function(pdfium_c.FPDFPageObj_GetBounds, _INT, _VOID, *_FLOATS)
_DRAW_MODE = pdf_tags.address_function(
    pdfium_c.FPDFPath_GetDrawMode, _INT, _VOID, *[ctypes.POINTER(ctypes.c_int)] * 2
)
_SEGMENTS = pdf_tags.address_function(pdfium_c.FPDFPath_CountSegments, _INT, _VOID)
_CHAR_BOX = pdf_tags.address_function(pdfium_c.FPDFText_GetCharBox, _INT, _VOID, _INT, *_DOUBLES)
_CHAR_ORIGIN = pdf_tags.address_function(
    pdfium_c.FPDFText_GetCharOrigin, _INT, _VOID, _INT, *_DOUBLES[:2]
)
_FONT_SIZE = pdf_tags.address_function(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, _VOID, _INT)


def _address(handle: Any) -> ctypes.c_void_p:
    return ctypes.cast(handle, ctypes.c_void_p)


def _paths(page: pdfium.PdfPage, max_depth: int = 3) -> Iterator[int]:
    """The page's path objects, also inside form XObjects, as plain addresses (a page that
    sets each glyph as an object of its own has thousands: wrapping each costs too much)."""
    return _objects(page, pdfium_c.FPDF_PAGEOBJ_PATH, max_depth)


def _objects(page: pdfium.PdfPage, wanted: int, max_depth: int = 3) -> Iterator[int]:
    """The page's objects of one kind (pdfium's FPDF_PAGEOBJ_*), also inside forms."""
    stack: list[tuple[Any, int]] = [(_address(page.raw), 0)]
    while stack:
        parent, depth = stack.pop()
        in_form = depth > 0
        count = _FORM_COUNT(parent) if in_form else _PAGE_COUNT(parent)
        get = _FORM_OBJECT if in_form else _PAGE_OBJECT
        # map() keeps the per-object loop out of the interpreter: most objects are text.
        items = [item for item in map(get, repeat(parent), range(max(count, 0))) if item]
        for item, kind in zip(items, map(_OBJECT_TYPE, items), strict=True):
            if kind == wanted:
                yield item
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < max_depth:
                stack.append((item, depth + 1))


def _is_stroked_box(item: int) -> bool:
    fill_mode = ctypes.c_int()
    stroke = ctypes.c_int()
    if not _DRAW_MODE(item, ctypes.byref(fill_mode), ctypes.byref(stroke)):
        return False
    return bool(stroke.value) and fill_mode.value == 0 and _SEGMENTS(item) in (4, 5)


# A region of the page: ("cell", table, band, column) or ("outside", tables above it).
_Region = tuple[str, int, int, int]


def _one_per_index(buffer: Any, count: int) -> str:
    """pdfium's UTF-16 text with one character per character index: a character outside
    the BMP (two UTF-16 units) would shift every index after it, so it becomes U+FFFD."""
    text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le", errors="replace")
    if len(text) == count:
        return text
    return "".join("\ufffd" if 0xD800 <= unit <= 0xDFFF else chr(unit) for unit in buffer[:count])


class _Chars:
    """A page's characters as pdfium reads them, with positions fetched only as needed."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.raw = textpage.raw
        self.address = _address(textpage.raw)
        count = max(pdfium_c.FPDFText_CountChars(self.raw), 0)
        buffer = (ctypes.c_ushort * (count + 1))()
        if count:
            pdfium_c.FPDFText_GetText(self.raw, 0, count, buffer)
        self.text = _one_per_index(buffer, count)
        self.box_left, self.box_right = ctypes.c_double(), ctypes.c_double()
        self.box_bottom, self.box_top = ctypes.c_double(), ctypes.c_double()
        self.origin_x, self.origin_y = ctypes.c_double(), ctypes.c_double()
        # By reference: a box's left, right, bottom, top, then an origin's x and y.
        self.pointers = [
            ctypes.byref(value)
            for value in (
                self.box_left,
                self.box_right,
                self.box_bottom,
                self.box_top,
                self.origin_x,
                self.origin_y,
            )
        ]

    def box(self, index: int) -> tuple[float, float, float, float]:
        """(left, right, bottom, top) of one character."""
        _CHAR_BOX(self.address, index, *self.pointers[:4])
        return (
            self.box_left.value,
            self.box_right.value,
            self.box_bottom.value,
            self.box_top.value,
        )

    def origin(self, index: int) -> tuple[float, float]:
        """Where a character's glyph is set: (x, baseline); its box's corner if unknown."""
        if _CHAR_ORIGIN(self.address, index, *self.pointers[4:]):
            return self.origin_x.value, self.origin_y.value
        left, _, bottom, _ = self.box(index)
        return left, bottom

    def size(self, index: int) -> float:
        return float(_FONT_SIZE(self.address, index))

    def runs(self) -> Iterator[tuple[int, int]]:
        """(first, last) character index of each run pdfium reads as one line: the text
        between its line ends, without leading or trailing spaces."""
        start = 0
        text = self.text
        for match in [*_LINE_END.finditer(text), None]:
            # pdfium joins a line ending in a hyphen to the next, marking the hyphen: the
            # lines are still two, the hyphen ending the first.
            if match is None:
                end = after = len(text)
            else:
                hyphen = match.group() in _HYPHEN_MARKS
                end, after = (match.end() if hyphen else match.start()), match.end()
            first, last = start, end - 1
            while first <= last and text[first].isspace():
                first += 1
            while last >= first and text[last].isspace():
                last -= 1
            if first <= last:
                yield first, last
            start = after


# A line holding the owner and target column titles side by side: a table without borders.
_UNRULED_HEADER = re.compile(r"\bowner\b.*\b(target|date)\b", re.I)
_HYPHEN_MARKS = "\x02\ufffe\uffff"
_LINE_END = re.compile(r"\r\n|\r|\n|[\x02\ufffe\uffff]")


def _runs_in_columns(
    chars: _Chars, first: int, last: int, left: float, right: float, borders: list[float]
) -> Iterator[tuple[int, int]]:
    """A run cut where it crosses a column border (a producer may write two cells' lines
    on one baseline as one run); each character goes where its middle is."""
    inside = [x for x in borders if left + 1.0 < x < right - 1.0]
    for border in inside:
        low, high = first, last  # the first character whose middle is right of the border
        while low < high:
            middle = (low + high) // 2
            box = chars.box(middle)
            if (box[0] + box[1]) / 2 < border:
                low = middle + 1
            else:
                high = middle
        if low > first:
            yield first, low - 1
        first = low
    yield first, last


def _page_lines(
    chars: _Chars, grids: list[_Grid], ocr: bool = False
) -> dict[_Region, list[layout.Line]]:
    """The page's lines of text, by the table cell (or the space between tables) holding
    them: each run of characters that pdfium reads as one line (its own word spacing, so
    glyphs are never read twice), placed by its first character.

    In an OCR'd text layer (`ocr`) each word is set with the space after it across the
    word's width on the scan, its letters evenly spaced: a line ends where that space
    does, not where its last letter's box does (a letter's width short)."""
    regions: dict[_Region, list[layout.Line]] = {}
    extents = [(grid.bottom, grid.top, grid.columns[0] - 1.0, grid.columns[-1]) for grid in grids]
    # Per table and row band: the x of the borders drawn there, and the first column of the
    # cell each column belongs to (cells merged across columns have no border between).
    bands: dict[tuple[int, int], tuple[list[float], list[int]]] = {}
    text = chars.text
    # The three calls made for every line, without the wrappers (this loop is the hot one).
    address, origin_x, origin_y = chars.address, chars.origin_x, chars.origin_y
    box_right, pointers = chars.box_right, chars.pointers
    for run_first, run_last in chars.runs():
        if _CHAR_ORIGIN(address, run_first, pointers[4], pointers[5]):
            x, baseline = origin_x.value, origin_y.value
        else:
            x, baseline = chars.origin(run_first)
        size = _FONT_SIZE(address, run_first)
        if not 1.0 < size < 200.0:
            size = max(chars.box(run_first)[3] - baseline, 1.0) / layout.ASCENT
        y = baseline + 0.3 * size
        last_box = run_last + 1 if ocr and text[run_last + 1 : run_last + 2] == " " else run_last
        _CHAR_BOX(address, last_box, pointers[0], pointers[1], pointers[2], pointers[3])
        right = box_right.value
        table = -1
        for number, (bottom, top, left, end) in enumerate(extents):
            if bottom < y < top and left <= x + 1.0 < end:
                table = number
                break
        if table < 0:
            above = sum(1 for bottom, *_ in extents if bottom > y)
            line = layout.Line(text[run_first : run_last + 1], x, right, baseline, size)
            regions.setdefault(("outside", above, 0, 0), []).append(line)
            continue
        grid = grids[table]
        band = grid.band(y)
        known = bands.get((table, band))
        if known is None:
            drawn = grid.drawn(band)
            firsts = [grid.span(band, column)[0] for column in range(len(grid.columns) - 1)]
            known = bands[(table, band)] = ([grid.columns[index] for index in drawn], firsts)
        borders, firsts = known
        pieces: list[tuple[int, int]] = [(run_first, run_last)]
        # A run may cross the column borders drawn in its row band.
        crossed = bisect_right(borders, x + 1.0)
        if crossed < len(borders) and borders[crossed] < right - 1.0:
            pieces = list(_runs_in_columns(chars, run_first, run_last, x, right, borders))
        last_column = len(firsts) - 1
        for first, last in pieces:
            piece = text[first : last + 1].strip()
            if not piece:
                continue
            if first != run_first:
                x = chars.origin(first)[0]
            end = right if last == run_last else chars.box(last)[1]
            column = min(max(bisect_right(grid.columns, x + 1.0) - 1, 0), last_column)
            key: _Region = ("cell", table, band, firsts[column])
            regions.setdefault(key, []).append(layout.Line(piece, x, end, baseline, size))
    return {key: layout.merged(lines) for key, lines in regions.items()}


def _glyph_runs(chars: _Chars) -> list[layout.Run]:
    """The page's runs of text with each glyph's left and right edges, for a table whose
    cells have no borders to place them by."""
    runs = []
    text = chars.text
    address, pointers = chars.address, chars.pointers
    box_left, box_right = chars.box_left, chars.box_right
    for first, last in chars.runs():
        baseline = chars.origin(first)[1]
        size = chars.size(first)
        if not 1.0 < size < 200.0:
            size = max(chars.box(first)[3] - baseline, 1.0) / layout.ASCENT
        glyphs = []
        for index in range(first, last + 1):
            char = text[index]
            if char.isspace():
                glyphs.append((char, 0.0, 0.0))
                continue
            _CHAR_BOX(address, index, pointers[0], pointers[1], pointers[2], pointers[3])
            glyphs.append((char, box_left.value, box_right.value))
        runs.append(layout.Run(glyphs, baseline, size))
    return runs


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


TAGS_READ = "PDF read from its tags: cells and paragraphs as the document marks them"
LAYOUT_READ = (
    "PDF read from its layout ({reason}): cells from the drawn borders, paragraphs from "
    "the spacing and length of lines"
)
UNRULED_READ = (
    "PDF read from its layout ({reason}): its table has no drawn borders, so columns were "
    "placed by the header row's titles and rows by where their text starts: check the "
    "cells were read as printed"
)


def _read_tags(
    pdf: pdfium.PdfDocument, pages: list[pdfium.PdfPage], textpages: list[pdfium.PdfTextPage]
) -> Document | str:
    """The document as its structure tree gives it, or why the tree cannot be used."""
    if not pdfium_c.FPDFCatalog_IsTagged(pdf.raw):
        return "it has no tags"
    try:
        roots, claimed, unclaimed, unmarked = pdf_tags.read_tree(pages, textpages)
        if not pdf_tags.tables_found(roots):
            return "its tags hold no table"
        # Tags that leave marked text out (an element lost to a damaged tree), or most of
        # the text unmarked, describe some other document, or a damaged one.
        if claimed == 0 or unclaimed > 0.01 * claimed or unmarked > claimed:
            return "its tags do not cover its text"
        document = pdf_tags.build_document(roots)
    except pdf_tags.TagError as error:
        return f"its tags are unusable: {error}"
    except (ArithmeticError, LookupError, ValueError, TypeError, RecursionError):
        # A tree shaped in a way this reader did not foresee: its layout can still be read.
        return "its tags could not be read"
    # tables imports this package: import late.
    from planwatch.tables import build_plan, find_columns

    if not any(find_columns(row) for row in document.rows):
        return "its tagged tables have no plan header row"
    try:
        # Tags that read as a table but not as a plan are damaged: try the layout.
        build_plan(document, "the tagged reading")
    except PlanReadError:
        return "its tagged table does not read as a plan"
    document.warnings.append(TAGS_READ)
    return document


def read_pdf(data: bytes, name: str) -> Document:
    """Read a PDF's plan table (and the header block above it) into rows of cells: from its
    structure tree when it has a usable one, otherwise from its layout."""
    check_streams(data, name)
    pdf = _open(data, name)
    document = Document()
    try:
        if len(pdf) > guard.LIMITS.pdf_pages:
            raise PlanReadError(
                f"{name} has {len(pdf):,} pages, far more than any plan (at most "
                f"{guard.LIMITS.pdf_pages:,}): check it is the right file"
            )
        pages = [pdf[index] for index in range(len(pdf))]
        textpages = [page.get_textpage() for page in pages]
        if not any(pdfium_c.FPDFText_CountChars(textpage.raw) > 0 for textpage in textpages):
            if not any(next(_objects(page, pdfium_c.FPDF_PAGEOBJ_IMAGE), None) for page in pages):
                raise PlanReadError(
                    f"{name} has neither text nor images: it is blank or damaged; download it "
                    "again, or give the Word version"
                )
            if guard.in_child():
                # Within the reading budget only the check that it is a scan: OCR runs in
                # the caller, outside it (guard.NeedsOcr).
                raise guard.NeedsOcr(f"{name} is a scan")
            return _read_scan(pages, name)
        tagged = _read_tags(pdf, pages, textpages)
        if isinstance(tagged, Document):
            return tagged
        _read_pages(document, pages, textpages)
        unruled = None if _has_plan_header(document) else _read_unruled(textpages)
        if unruled is not None:
            document = unruled
            document.warnings.insert(0, UNRULED_READ.format(reason=tagged))
            return document
        document.warnings.insert(0, LAYOUT_READ.format(reason=tagged))
        if not document.rows and any(_UNRULED_HEADER.search(line) for line in document.lines):
            # The column titles are there but no borders are drawn round the cells.
            raise PlanReadError(
                f"{name}: its plan table has no drawn borders, the PDF has no usable tags "
                f"({tagged}) and its column titles do not stand apart, so its cells cannot be "
                "told apart: give the Word version, or a PDF saved from Word (Word tags its "
                "PDFs)"
            )
    except pdfium.PdfiumError:
        raise PlanReadError(
            f"{name} is a damaged or truncated PDF: download it again, or give the Word version"
        ) from None
    finally:
        pdf.close()
    return document


_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
OCR_READ = (
    "PDF read through OCR (it has no text layer: it is a scan), so its text may hold "
    "misread letters or figures: check the names, dates and numbers against the scan"
)


def _read_scan(pages: list[pdfium.PdfPage], name: str) -> Document:
    """A scan: its table rules found in the page images, its text read by OCR (each table
    column apart, so that no line of text runs across cells), and the result read from
    its layout as an untagged PDF's is."""
    pdf_scan.check_ocr(name, len(pages))
    grids: list[list[_Grid]] = []
    # The images to OCR in two batches (Tesseract reading each part as a column of text,
    # or the concerns' numbers and texts as a block), each image's scanned page beside it.
    batches: dict[str, list[tuple[bytes, int]]] = {pdf_scan.COLUMN: [], pdf_scan.BLOCK: []}
    for number, page in enumerate(pages):
        image = pdf_scan.render(page)
        rules, cleaned = pdf_scan.find_rules(image, page.get_height())
        page_grids = _grids_from(
            [_Rule(rule.position, rule.start, rule.end) for rule in rules.verticals],
            [_Rule(rule.position, rule.start, rule.end) for rule in rules.horizontals],
        )
        grids.append(page_grids)
        columns = _cell_boxes(page_grids)
        made = pdf_scan.parts(cleaned, page.get_height(), [boxes for boxes, _ in columns])
        batches[pdf_scan.COLUMN].append((made[0], number))
        for part, (_, lead) in zip(made[1:], columns, strict=True):
            batches[pdf_scan.BLOCK if lead else pdf_scan.COLUMN].append((part, number))
    modes = [mode for mode, parts in batches.items() if parts]
    outputs = pdf_scan.ocr([([image for image, _ in batches[mode]], mode) for mode in modes], name)
    document = Document(warnings=[OCR_READ])
    opened = [_open(data, name) for data in outputs]
    try:
        parts: list[list[pdfium.PdfTextPage]] = [[] for _ in pages]
        everything = []
        for mode, pdf in zip(modes, opened, strict=True):
            if len(pdf) != len(batches[mode]):
                raise PlanReadError(
                    f"{name} is a scan that OCR could not read: give the Word version"
                )
            for index, (_, number) in enumerate(batches[mode]):
                textpage = pdf[index].get_textpage()
                parts[number].append(textpage)
                everything.append(textpage)
        if not any(pdfium_c.FPDFText_CountChars(textpage.raw) > 0 for textpage in everything):
            raise PlanReadError(
                f"{name} is a scan in which OCR found no text: give the Word version"
            )
        _read_pages(document, pages, [], list(zip(grids, parts, strict=True)))
        if not _has_plan_header(document):
            # A scan of a table printed without borders: each page was read whole.
            unruled = _read_unruled([page_parts[0] for page_parts in parts])
            if unruled is not None:
                unruled.warnings = [OCR_READ, *unruled.warnings]
                return unruled
    finally:
        for pdf in opened:
            pdf.close()
    return document


def _cell_boxes(grids: list[_Grid]) -> list[tuple[list[tuple[float, float, float, float]], bool]]:
    """For each table column, the (left, bottom, right, top) of every cell starting in it
    (a cell merged across columns belongs to its first), to be read apart from the rest;
    the first two columns (numbers and concerns) are read together, and marked."""
    columns: list[tuple[list[tuple[float, float, float, float]], bool]] = []
    for grid in grids:
        boxes: list[list[tuple[float, float, float, float]]] = [
            [] for _ in range(len(grid.columns) - 1)
        ]
        for band in range(len(grid.rows) - 1):
            drawn = grid.drawn(band)
            for first, end in itertools.pairwise(drawn):
                boxes[first].append(
                    (grid.columns[first], grid.rows[band + 1], grid.columns[end], grid.rows[band])
                )
        if len(boxes) > 1:
            # A concern's number is read together with its text: Tesseract misses a lone
            # figure with nothing beside it.
            boxes[1] = boxes[0] + boxes[1]
            boxes[0] = []
        columns += [(column, index == 1) for index, column in enumerate(boxes) if column]
    return columns


def _has_plan_header(document: Document) -> bool:
    from planwatch.tables import find_columns

    return any(find_columns(row) for row in document.rows)


def _read_unruled(textpages: list[pdfium.PdfTextPage]) -> Document | None:
    """The plan table read from text positions alone (no borders are drawn round its
    cells), or None if no line of text reads as its header row."""
    from planwatch.tables import find_columns, is_section_heading, read_section

    def roles_of(titles: list[str]) -> dict[str, int] | None:
        columns = find_columns(Row(cells=[[title] if title else [] for title in titles]))
        return None if columns is None else columns.index

    pages = [_glyph_runs(_Chars(textpage)) for textpage in textpages]
    table = layout.read_unruled(
        pages, roles_of, is_section_heading, lambda text: read_section(text) is not None
    )
    if table is None:
        return None
    return Document(lines=table.lines, rows=table.rows)


def _read_pages(
    document: Document,
    pages: list[pdfium.PdfPage],
    textpages: list[pdfium.PdfTextPage],
    scanned: list[tuple[list[_Grid], list[pdfium.PdfTextPage]]] | None = None,
) -> None:
    """Place each page's text in the ruled tables drawn on it, row band by column. For a
    scan, `scanned` gives each page's grids (from the rules in its image) and the OCR'd
    text of its parts (each table column, and the page outside the tables, read apart)."""
    # First read every region's lines; paragraphs are found once the document's line
    # pitch is known.
    placed_pages = []
    for number, page in enumerate(pages):
        if scanned is None:
            grids, parts = _grids(page), [textpages[number]]
        else:
            grids, parts = scanned[number]
        width = page.get_width()
        regions: dict[_Region, tuple[list[layout.Line], float, float]] = {}
        for part in parts:
            for key, lines in _page_lines(_Chars(part), grids, scanned is not None).items():
                kind, table, band, column = key
                if key in regions:
                    # Two parts of a scan that both read text here (a letter cut by a
                    # column's edge): keep both, in reading order.
                    lines = layout.merged(regions[key][0] + lines)
                if kind == "cell":
                    grid = grids[table]
                    end = grid.span(band, column)[1]
                    regions[key] = (lines, grid.columns[column], grid.columns[end])
                else:
                    regions[key] = (lines, 0.0, width)
        placed_pages.append((grids, regions))
    groups = [lines for _, regions in placed_pages for lines, _, _ in regions.values()]
    if scanned is not None:
        # OCR gives each line a type size of its own, a point or two either way: one size
        # for the whole document keeps paragraphs from breaking at every change. Nor can
        # it tell a straight quote from a curly one: all are read as straight.
        sizes = sorted(line.size for lines in groups for line in lines)
        for lines in groups:
            for line in lines:
                line.size = sizes[len(sizes) // 2]
                line.text = line.text.translate(_STRAIGHT_QUOTES)
    pitch = layout.usual_pitch(groups)
    spaced = layout.spaced_paragraphs(groups, pitch)

    table_started = False
    for grids, regions in placed_pages:
        for number in range(len(grids) + 1):
            # Running headers, footers and page numbers end up as outside rows, ignored.
            lines, _, _ = regions.get(("outside", number, 0, 0), ([], 0.0, 0.0))
            for text in layout.paragraphs(lines, pitch, spaced):
                document.add_text(text, after_table=table_started)
            if number == len(grids):
                break
            grid = grids[number]
            first_band = True
            for band in range(len(grid.rows) - 1):
                cells: list[Cell] = []
                for column in range(len(grid.columns) - 1):
                    lines, left, right = regions.get(("cell", number, band, column), ([], 0.0, 0.0))
                    cells.append(layout.paragraphs(lines, pitch, spaced, left, right))
                if any(cells):
                    new_page = first_band and table_started and number == 0
                    document.rows.append(Row(cells=cells, new_page=new_page))
                    first_band = False
            table_started = True
