"""PDF reader (pypdfium2): ruled table cells from drawn borders, paragraphs from line spacing."""

from __future__ import annotations

import ctypes
from bisect import bisect_right
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from planwatch.errors import PlanReadError
from planwatch.readers import pdf_layout as layout
from planwatch.readers import pdf_tags
from planwatch.readers.cells import Cell, Document, Row

# Borders are drawn as thin lines or thin filled rectangles; anything thicker is shading.
_RULE_THICKNESS = 2.5
_MIN_RULE_LENGTH = 8.0
_SAME_POSITION = 2.0


@dataclass
class _Grid:
    columns: list[float]  # x of each vertical border, left to right
    rows: list[float]  # y of each horizontal border, top to bottom (PDF y grows upwards)
    verticals: list[_Rule] = field(default_factory=list)

    def span(self, band: int, column: int) -> tuple[int, int]:
        """The columns a cell covers: a cell merged across columns (a section heading) has
        no border drawn between them within its row band."""
        middle = (self.rows[band] + self.rows[band + 1]) / 2
        drawn = [
            index
            for index, x in enumerate(self.columns)
            if index in (0, len(self.columns) - 1)
            or any(
                abs(rule.position - x) <= _SAME_POSITION and rule.start <= middle <= rule.end
                for rule in self.verticals
            )
        ]
        first = max(index for index in drawn if index <= column)
        return first, min(index for index in drawn if index > column)

    @property
    def top(self) -> float:
        return self.rows[0]

    @property
    def bottom(self) -> float:
        return self.rows[-1]

    def contains(self, x: float, y: float) -> bool:
        return self.bottom < y < self.top and self.columns[0] - 1 <= x < self.columns[-1]

    def place(self, x: float, y: float) -> tuple[int, int]:
        """(row band, column) of a point inside the grid."""
        band = sum(1 for row in self.rows if row > y) - 1
        column = bisect_right(self.columns, x) - 1
        return band, min(max(column, 0), len(self.columns) - 2)


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
            inside = [
                rule
                for rule in verticals
                if rule.start >= bottom - _SAME_POSITION and rule.end <= top + _SAME_POSITION
            ]
            grids.append(_Grid(columns, sorted(rows, reverse=True), inside))
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


# A region of the page: ("cell", table, band, column) or ("outside", tables above it).
_Region = tuple[str, int, int, int]


def _regions(textpage: pdfium.PdfTextPage, grids: list[_Grid]) -> dict[_Region, list[layout.Box]]:
    """The page's text rectangles, by the table cell (or the space between tables) that
    holds their middle."""
    regions: dict[_Region, list[layout.Box]] = {}
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        x, y = (left + right) / 2, (bottom + top) / 2
        key: _Region
        for number, grid in enumerate(grids):
            if grid.contains(x, y):
                band, column = grid.place(x, y)
                key = ("cell", number, band, grid.span(band, column)[0])
                break
        else:
            key = ("outside", sum(1 for grid in grids if grid.bottom > y), 0, 0)
        regions.setdefault(key, []).append(layout.Box(left, bottom, right, top))
    return regions


def _region_lines(
    textpage: pdfium.PdfTextPage, boxes: list[layout.Box], left: float, right: float
) -> list[layout.Line]:
    """A region's lines with their text as pdfium reads it (its own word spacing), taken
    from a thin band above each baseline across the region, so glyphs are read once."""
    lines = []
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    for extent, widest in layout.line_boxes(boxes):
        baseline = extent.bottom
        char = textpage.get_index(
            (widest.left + widest.right) / 2,
            (widest.top + widest.bottom) / 2,
            (widest.right - widest.left) / 2,
            (widest.top - widest.bottom) / 2,
        )
        size = 0.0
        if char is not None and char >= 0:
            if pdfium_c.FPDFText_GetCharOrigin(
                textpage.raw, char, ctypes.byref(origin_x), ctypes.byref(origin_y)
            ):
                baseline = origin_y.value
            # The type size as set, to tell paragraphs apart; the glyphs' rise above the
            # baseline only where that is unknown (lowercase letters rise less than capitals).
            size = pdfium_c.FPDFText_GetFontSize(textpage.raw, char)
        rise = max(extent.top - baseline, 1.0) / layout.ASCENT
        if not 1.0 < size < 200.0:
            size = rise
        text = textpage.get_text_bounded(left, baseline + 0.08 * rise, right, baseline + 0.6 * rise)
        if text.strip():
            lines.append(layout.Line(text, extent.left, extent.right, baseline, size))
    return lines


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


def _read_tags(pdf: pdfium.PdfDocument) -> Document | str:
    """The document as its structure tree gives it, or why the tree cannot be used."""
    if not pdfium_c.FPDFCatalog_IsTagged(pdf.raw):
        return "it has no tags"
    try:
        roots, claimed, unclaimed, unmarked = pdf_tags.read_tree(pdf)
    except pdf_tags.TagError as error:
        return f"its tags are unusable: {error}"
    if not pdf_tags.tables_found(roots):
        return "its tags hold no table"
    # Tags that leave much of the text out (or point at text that is not there) describe
    # some other document, or a damaged one.
    if claimed == 0 or unclaimed > 0.1 * claimed or unmarked > claimed:
        return "its tags do not cover its text"
    document = pdf_tags.build_document(roots)
    from planwatch.tables import find_columns  # tables imports this package: import late

    if not any(find_columns(row) for row in document.rows):
        return "its tagged tables have no plan header row"
    document.warnings.append(TAGS_READ)
    return document


def read_pdf(data: bytes, name: str) -> Document:
    """Read a PDF's plan table (and the header block above it) into rows of cells: from its
    structure tree when it has a usable one, otherwise from its layout."""
    pdf = _open(data, name)
    document = Document()
    try:
        textpages = [page.get_textpage() for page in pdf]
        if not any(pdfium_c.FPDFText_CountChars(textpage.raw) > 0 for textpage in textpages):
            raise PlanReadError(
                f"{name} has no text layer (it is probably a scan) and OCR is not supported: "
                "give the Word version or a PDF exported from Word"
            )
        tagged = _read_tags(pdf)
        if isinstance(tagged, Document):
            return tagged
        document.warnings.append(LAYOUT_READ.format(reason=tagged))
        _read_pages(document, pdf, textpages)
    except pdfium.PdfiumError:
        raise PlanReadError(
            f"{name} is a damaged or truncated PDF: download it again, or give the Word version"
        ) from None
    finally:
        pdf.close()
    return document


def _read_pages(
    document: Document, pdf: pdfium.PdfDocument, textpages: list[pdfium.PdfTextPage]
) -> None:
    """Place each page's text in the ruled tables drawn on it, row band by column."""
    # First read every region's lines; paragraphs are found once the document's line
    # pitch is known.
    placed_pages = []
    for page, textpage in zip(pdf, textpages, strict=True):
        grids = _grids(page)
        width = page.get_width()
        regions = {}
        for key, boxes in _regions(textpage, grids).items():
            kind, number, band, column = key
            if kind == "cell":
                grid = grids[number]
                first, end = grid.span(band, column)
                left, right = grid.columns[first], grid.columns[end]
            else:
                left, right = 0.0, width
            regions[key] = (_region_lines(textpage, boxes, left, right), left, right)
        placed_pages.append((grids, regions))
    groups = [lines for _, regions in placed_pages for lines, _, _ in regions.values()]
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
