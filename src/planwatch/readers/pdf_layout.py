"""Untagged PDFs: lines and paragraphs from text positions alone (plain data, no PDF library)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from planwatch.readers.cells import Cell, Row, collapse

# A line's glyphs rise this share of the type size above the baseline (capitals, ascenders).
ASCENT = 0.72
# Paragraph breaks: a baseline gap this much wider than the line pitch is paragraph spacing;
# a gap a little wider counts only with another sign (the line before ends short).
SPACED = 1.1
WEAKLY_SPACED = 1.06
# A line starting this many character widths right of the others begins a paragraph.
INDENT = 1.6
# A word broken at the end of a line without a hyphen ends this close to the right edge.
BROKEN_WORD_MARGIN = 8.0
# Pitch is learnt from the document, within these bounds (in type sizes).
MIN_PITCH, MAX_PITCH, DEFAULT_PITCH = 0.9, 1.6, 1.2


@dataclass
class Line:
    """One line of text within a cell or between tables."""

    text: str
    left: float
    right: float
    baseline: float
    size: float  # the type size as the font reports it (units vary between producers)


def merged(lines: list[Line]) -> list[Line]:
    """A region's lines top to bottom; pieces on one baseline (a change of font, a run
    pdfium split) are one line, left to right."""
    if len(lines) <= 1:
        return lines
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: -line.baseline):
        if rows and abs(rows[-1][0].baseline - line.baseline) < 0.2 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    result = []
    for pieces in rows:
        pieces.sort(key=lambda line: line.left)
        first = pieces[0]
        line = Line(first.text, first.left, first.right, first.baseline, first.size)
        for piece in pieces[1:]:
            joiner = "" if piece.left - line.right < 0.1 * piece.size else " "
            line.text += joiner + piece.text
            line.right = max(line.right, piece.right)
        result.append(line)
    return result


def usual_pitch(groups: list[list[Line]]) -> float:
    """The document's line pitch in type sizes: the lower quartile of baseline gaps within
    cells, most of which fall within paragraphs."""
    gaps = sorted(
        (upper.baseline - lower.baseline) / upper.size
        for lines in groups
        for upper, lower in pairwise(lines)
        if upper.size > 0 and abs(upper.size - lower.size) <= 0.15 * upper.size
    )
    gaps = [gap for gap in gaps if MIN_PITCH * 0.8 < gap < 4.0]
    if not gaps:
        return DEFAULT_PITCH
    return min(max(gaps[len(gaps) // 4], MIN_PITCH), MAX_PITCH)


def spaced_paragraphs(groups: list[list[Line]], pitch: float) -> bool:
    """Whether the document separates paragraphs by spacing at all."""
    return any(
        (upper.baseline - lower.baseline) > SPACED * pitch * upper.size
        for lines in groups
        for upper, lower in pairwise(lines)
    )


def _char_width(line: Line) -> float:
    return (line.right - line.left) / max(len(line.text.strip()), 1)


def _first_word_width(line: Line) -> float:
    text = line.text.strip()
    word = text.split(" ", 1)[0]
    return (line.right - line.left) * len(word) / max(len(text), 1)


def paragraphs(
    lines: list[Line],
    pitch: float,
    spaced_document: bool = True,
    left: float | None = None,
    right: float | None = None,
) -> Cell:
    """A cell's lines (top to bottom) grouped into paragraphs.

    A paragraph starts where the gap between baselines is wider than the cell's own line
    pitch (the middle of its gaps that look like line spacing, else the document's pitch
    for its type size), where the type size changes, where a line is indented, or where
    the line before ended short (the next line's first word would have fitted after it)
    and the gap is a little wider than the pitch, or the document spaces no paragraphs at
    all. `left` and `right` are the cell's borders; text keeps the same padding from both.
    """
    if len(lines) <= 1:
        text = collapse(_clean(lines[0].text)) if lines else ""
        return [text] if text else []
    text_left = min(line.left for line in lines)
    if right is not None and left is not None:
        limit = right - max(text_left - left, 0.0)
    else:
        limit = max(line.right for line in lines)
    # The cell's own pitch: the middle of its gaps that look like line spacing (baselines
    # snapped to device pixels vary by most of a point), else the document's.
    size = max(line.size for line in lines) or 1.0
    line_gaps = sorted(
        gap
        for upper, lower in pairwise(lines)
        if 0.8 * pitch * size < (gap := upper.baseline - lower.baseline) < SPACED * pitch * size
    )
    cell_pitch = line_gaps[len(line_gaps) // 2] if line_gaps else pitch * size
    groups: list[list[Line]] = [[lines[0]]]
    for previous, line in pairwise(lines):
        size = max(previous.size, line.size) or 1.0
        gap = previous.baseline - line.baseline
        if gap > SPACED * cell_pitch or abs(line.size - previous.size) > 0.15 * size:
            groups.append([line])
            continue
        # Lengths on the page are measured in the line's average character width: producers
        # report type sizes in different units, but glyph positions are in points.
        em = _char_width(previous)
        # A first-line indent starts a paragraph.
        starts = line.left - text_left > INDENT * em and previous.left - text_left < 0.4 * em
        if not starts and (gap > WEAKLY_SPACED * cell_pitch or not spaced_document):
            # So does a line after one that ended short. Widths are estimated from
            # character counts: ask for room to spare.
            room = limit - previous.right - 0.6 * em - _first_word_width(line)
            starts = room > em
        if starts:
            groups.append([line])
        else:
            groups[-1].append(line)
    texts = (_joined(group, right) for group in groups)
    return [text for text in texts if text]


def _joined(lines: list[Line], cell_right: float | None) -> str:
    """One paragraph's lines as one string, with a space where the line wrapped at a space.

    A word too long for its column is broken without a hyphen: a line that is one word
    filling the cell to its right edge carries on into the next line. PDFium marks a
    hyphen at the end of a line as \x02.
    """
    text = _clean(lines[0].text)
    for previous, line in pairwise(lines):
        piece = _clean(line.text)
        hyphenated = text.endswith(("-", "/")) and not text.endswith((" -", " /"))
        broken = _broken_word(previous, cell_right) and piece[:1].islower()
        joiner = "" if hyphenated or broken else " "
        text += joiner + piece
    return collapse(text)


def _clean(text: str) -> str:
    return text.replace("\x02", "-").replace("\ufffe", "-").replace("\uffff", "-").strip()


def _broken_word(line: Line, cell_right: float | None) -> bool:
    word = line.text.strip()
    return (
        cell_right is not None
        and " " not in word
        and word[-1:].isalpha()
        and line.right >= cell_right - BROKEN_WORD_MARGIN
    )


# --- tables without drawn borders -------------------------------------------------------

# A gap between two glyphs wider than this many average glyph widths separates two cells
# (word spaces are about half a glyph wide; cell padding either side of a column's edge is
# two or more); a narrower gap does when a column's edge falls inside it.
CELL_GAP = 2.0
NARROW_CELL_GAP = 0.9
# A column's text starts this close to its header title's left edge (both are padded alike).
ANCHOR_SLACK = 2.5
# The most lines a header row's titles wrap to.
HEADER_LINES = 4
# How far a title's text stops short of the next column's (cell padding either side).
TITLE_PADDING = 12.0


@dataclass
class Run:
    """A run of glyphs pdfium reads as one line: each glyph's text and left and right edges
    (whitespace glyphs have no edges of their own: they only separate words)."""

    glyphs: list[tuple[str, float, float]]
    baseline: float
    size: float

    def line(self) -> Line:
        """The whole run as one line."""
        boxes = [glyph for glyph in self.glyphs if not glyph[0].isspace()]
        text = "".join(glyph[0] for glyph in self.glyphs).strip()
        return Line(text, boxes[0][1], boxes[-1][2], self.baseline, self.size)

    def pieces(self, edges: list[float] | None = None) -> list[Line]:
        """The run cut where a gap between glyphs is wide enough to part two cells, or
        wide enough and holding one of `edges` (the columns' left edges)."""
        boxes = [glyph for glyph in self.glyphs if not glyph[0].isspace()]
        if not boxes:
            return []
        width = sum(right - left for _, left, right in boxes) / len(boxes)
        pieces: list[Line] = []
        start = 0
        previous_right = None
        for index, (char, left, right) in enumerate(self.glyphs):
            if char.isspace():
                continue
            if previous_right is not None:
                gap = left - previous_right
                if gap > CELL_GAP * width or (
                    gap > NARROW_CELL_GAP * width
                    and edges
                    and any(previous_right - 1.0 <= edge <= left + 1.0 for edge in edges)
                ):
                    pieces.append(self._piece(start, index))
                    start = index
            previous_right = right
        pieces.append(self._piece(start, len(self.glyphs)))
        return [piece for piece in pieces if piece.text]

    def _piece(self, start: int, end: int) -> Line:
        glyphs = self.glyphs[start:end]
        boxes = [glyph for glyph in glyphs if not glyph[0].isspace()]
        text = "".join(glyph[0] for glyph in glyphs).strip()
        return Line(text, boxes[0][1], boxes[-1][2], self.baseline, self.size)


@dataclass
class UnruledTable:
    """A plan table read from text positions alone: the header block's lines and the rows."""

    lines: list[str]
    rows: list[Row]


def _slots(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by baseline, top to bottom, each slot left to right."""
    slots: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: (-line.baseline, line.left)):
        if slots and abs(slots[-1][0].baseline - line.baseline) < 0.25 * line.size:
            slots[-1].append(line)
        else:
            slots.append([line])
    for slot in slots:
        slot.sort(key=lambda line: line.left)
    return slots


@dataclass
class _Header:
    anchors: list[float]  # each column's left edge, from its title
    titles: list[str]
    top: float  # the first title line's baseline
    bottom: float  # the last title line's baseline
    roles: dict[str, int]
    size: float


def _column(anchors: list[float], left: float) -> int:
    """The column a piece of text starting at `left` belongs to."""
    column = 0
    for index, anchor in enumerate(anchors):
        if left >= anchor - ANCHOR_SLACK:
            column = index
    return column


def _find_headers(
    slots: list[list[Line]],
    roles_of: Callable[[list[str]], dict[str, int] | None],
    pitch: float,
) -> list[_Header]:
    """The plan's header rows among a page's slots of pieces, top to bottom: a slot of three
    or more titles (each a column's left edge), with the lines its titles wrap onto."""
    headers: list[_Header] = []
    number = 0
    while number < len(slots):
        found = _header_at(slots, number, roles_of, pitch)
        if found is None:
            number += 1
            continue
        header, used = found
        headers.append(header)
        number += used
    return headers


def _header_at(
    slots: list[list[Line]],
    number: int,
    roles_of: Callable[[list[str]], dict[str, int] | None],
    pitch: float,
) -> tuple[_Header, int] | None:
    """The header row starting at slot `number`, with how many slots it takes, if any."""
    slot = slots[number]
    if len(slot) < 3:
        return None
    anchors: list[float] = []
    for piece in slot:
        if not anchors or piece.left - anchors[-1] > ANCHOR_SLACK:
            anchors.append(piece.left)
    if len(anchors) < 3:
        return None
    size = slot[0].size
    taken = [slot]
    for following in slots[number + 1 : number + HEADER_LINES]:
        # The titles' wrapped lines follow at the line pitch; the first row after a gap.
        if taken[-1][0].baseline - following[0].baseline > SPACED * pitch * size:
            break
        if following[0].left < anchors[0] - ANCHOR_SLACK:
            break
        taken.append(following)
    # As many of those lines as still read as a plan's header row.
    for count in range(len(taken), 0, -1):
        titles: list[list[Line]] = [[] for _ in anchors]
        for line_slot in taken[:count]:
            for piece in line_slot:
                titles[_column(anchors, piece.left)].append(piece)
        # A title's lines joined as a cell's are (a word too long for a narrow column is
        # broken without a hyphen: "Recommendatio" / "n"); a column ends a cell's padding
        # short of the next.
        rights = [anchor - TITLE_PADDING for anchor in anchors[1:]]
        # The last column's edge is unknown: its titles are never read as broken words.
        last = max((piece.right for piece in titles[-1]), default=anchors[-1])
        rights.append(last + TITLE_PADDING)
        joined = [
            " ".join(paragraphs(merged(parts), pitch, True, anchor, right))
            for parts, anchor, right in zip(titles, anchors, rights, strict=True)
        ]
        roles = roles_of(joined)
        if roles is not None:
            bottom = taken[count - 1][0].baseline
            return _Header(anchors, joined, slot[0].baseline, bottom, roles, size), count
    return None


_PAGE_NUMBER = re.compile(r"^page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
# A bare number counts as a page number only set well apart from the text (a table's
# last line may be a year, or a concern's number).
_BARE_NUMBER = re.compile(r"^\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?$")


def _running(pages: list[list[Line]]) -> set[int]:
    """The id() of each running header and footer: the top or bottom line of a page that
    is a page number, or that recurs (digits aside) at the same height on another page."""
    seen: dict[tuple[str, int], set[int]] = {}
    ends: list[tuple[Line, tuple[str, int], bool]] = []
    for page_number, lines in enumerate(pages):
        if not lines:
            continue
        order = sorted(lines, key=lambda line: -line.baseline)
        for position in {0, len(order) - 1}:
            line = order[position]
            key = (re.sub(r"\d+", "#", line.text), round(line.baseline))
            seen.setdefault(key, set()).add(page_number)
            neighbour = order[1 if position == 0 else -2] if len(order) > 1 else None
            apart = neighbour is None or abs(neighbour.baseline - line.baseline) > 3 * line.size
            number = _PAGE_NUMBER.match(line.text) or (apart and _BARE_NUMBER.match(line.text))
            ends.append((line, key, bool(number)))
    return {id(line) for line, key, number in ends if number or len(seen[key]) > 1}


def read_unruled(
    pages: list[list[Run]],
    roles_of: Callable[[list[str]], dict[str, int] | None],
    is_heading: Callable[[str], bool],
    is_section: Callable[[str], bool],
) -> UnruledTable | None:
    """A plan table drawn without borders, from where its text sits.

    The header row's titles give the columns: each column starts at its title's left edge
    (cells are padded alike). Rows are told apart by what a row looks like in print: a new
    concern starts where its number does; a new action row where the action, owner and
    target columns all start a paragraph on the same line, with as many paragraphs in each
    above it; a section heading sits alone (`is_heading` tells one from a whole line of
    text, `is_section` from a paragraph set in one column). The concern's own columns
    (number, concern, agreement) span its action rows, so their text belongs to the
    concern's first row.
    None if no page has a plan header row.
    """
    whole = [[run.line() for run in runs] for runs in pages]
    # The document's line pitch, to tell a header row's wrapped titles from the row after.
    first_pitch = usual_pitch([_top_down(lines) for lines in whole])
    headers = [
        _find_headers(
            _slots([piece for run in runs for piece in run.pieces()]), roles_of, first_pitch
        )
        for runs in pages
    ]
    # A header row repeated at the top of each page is not a running header.
    running = _running(
        [
            [
                line
                for line in lines
                if not any(
                    h.bottom - 0.25 * h.size < line.baseline < h.top + 0.25 * h.size
                    for h in headers[page_number]
                )
            ]
            for page_number, lines in enumerate(whole)
        ]
    )
    header: _Header | None = None
    header_lines: list[str] = []
    rows: list[Row] = []
    stretches: list[_Stretch] = []
    for page_number, runs in enumerate(pages):
        kept = [
            (run, whole[page_number][index])
            for index, run in enumerate(runs)
            if id(whole[page_number][index]) not in running
        ]
        found = headers[page_number]
        if header is None:
            if not found:
                header_lines += [line.text for line in _top_down([line for _, line in kept])]
                continue
            header = found[0]
            above = [line for _, line in kept if line.baseline > header.top + 0.25 * line.size]
            for line in _top_down(above):
                if is_heading(line.text):
                    # A section heading just above the table opens its first section.
                    rows.append(Row(cells=[[line.text]]))
                else:
                    header_lines.append(line.text)
            above_ids = {id(line) for line in above}
            kept = [(run, line) for run, line in kept if id(line) not in above_ids]
        # Stretches of table between header rows, the first from the page's top (a table
        # carried on from the page before, with that table's columns).
        regions: list[tuple[_Header | None, float, float]] = []
        upper = float("inf")
        previous: _Header | None = None
        for each in found:
            regions.append((previous, upper, each.top + 0.25 * each.size))
            previous, upper = each, each.bottom - 0.25 * each.size
        regions.append((previous, upper, float("-inf")))
        page_start = True
        for printed, upper, lower in regions:
            table = printed or header
            columns: list[list[Line]] = [[] for _ in table.anchors]
            headings: list[Line] = []
            for run, line in kept:
                if not lower < line.baseline < upper:
                    continue
                if is_heading(line.text):
                    headings.append(line)
                    columns[_column(table.anchors, line.left)].append(line)
                    continue
                for piece in run.pieces(table.anchors[1:]):
                    columns[_column(table.anchors, piece.left)].append(piece)
            if printed is not None or any(columns):
                lines = [merged(column) for column in columns]
                blocks = [[line] for line in headings]
                blocks += _heading_blocks(lines, blocks, is_section, first_pitch)
                stretches.append(_Stretch(page_start, printed, table, lines, blocks))
                page_start = False
            header = table
    if header is None:
        return None
    groups = [column for stretch in stretches for column in stretch.columns]
    pitch = usual_pitch(groups)
    spaced = spaced_paragraphs(groups, pitch)
    # Each column's text reaches no further right than its widest line in that table.
    limits: dict[int, list[float]] = {}
    for stretch in stretches:
        widest = limits.setdefault(id(stretch.table), list(stretch.table.anchors))
        heading_ids = {id(line) for block in stretch.headings for line in block}
        for index, column in enumerate(stretch.columns):
            for line in column:
                if id(line) not in heading_ids:
                    widest[index] = max(widest[index], line.right)
    for stretch in stretches:
        new_page = stretch.page_start and any(not row.outside_table for row in rows[1:])
        if stretch.printed is not None:
            titles = stretch.printed.titles
            rows.append(
                Row(cells=[[title] if title else [] for title in titles], new_page=new_page)
            )
            new_page = False
        anchors, widest = stretch.table.anchors, limits[id(stretch.table)]
        for band in _bands(stretch.table.roles, stretch.columns, stretch.headings, pitch):
            cells = [
                paragraphs(lines, pitch, spaced, anchors[index], widest[index])
                for index, lines in enumerate(band)
            ]
            if any(cells):
                rows.append(Row(cells=cells, new_page=new_page))
                new_page = False
    return UnruledTable(header_lines, rows)


@dataclass
class _Stretch:
    """Part of a page's table: from a header row printed on the page (`printed`), or from
    the page's top, to the next header row; `table` is the header row whose columns it
    follows."""

    page_start: bool
    printed: _Header | None
    table: _Header
    columns: list[list[Line]]
    headings: list[list[Line]]  # each heading's lines, top to bottom


def _heading_blocks(
    columns: list[list[Line]],
    known: list[list[Line]],
    is_section: Callable[[str], bool],
    pitch: float,
) -> list[list[Line]]:
    """Section rows set in one column, perhaps wrapped onto a few lines ("Rehabilitation" /
    "and release" / "planning" in a narrow recommendation column): a paragraph of its own
    (row padding above and below it), nothing printed beside it in any other column, that
    starts with a capital and reads as a section heading. Without borders, nothing else
    tells it from the last lines of the concern above."""
    taken = {round(line.baseline, 1) for block in known for line in block}
    blocks: list[list[Line]] = []
    for number, column in enumerate(columns):
        paragraph: list[Line] = []
        for index, line in enumerate(column):
            paragraph.append(line)
            following = column[index + 1] if index + 1 < len(column) else None
            if following is not None and (
                line.baseline - following.baseline <= SPACED * pitch * line.size
            ):
                continue
            block, paragraph = paragraph, []
            if len(block) > HEADER_LINES or any(round(x.baseline, 1) in taken for x in block):
                continue
            text = " ".join(line.text for line in block)
            if not text[:1].isupper() or not is_section(text):
                continue
            top, bottom = block[0], block[-1]
            beside = any(
                bottom.baseline - 0.25 * bottom.size
                < other.baseline
                < top.baseline + 0.25 * top.size
                for index_other, other_column in enumerate(columns)
                if index_other != number
                for other in other_column
            )
            if not beside:
                blocks.append(block)
    return blocks


def _top_down(lines: list[Line]) -> list[Line]:
    return [line for slot in _slots(lines) for line in slot]


def _bands(
    roles: dict[str, int], columns: list[list[Line]], headings: list[list[Line]], pitch: float
) -> list[list[list[Line]]]:
    """A page's table lines (by column, top to bottom) cut into rows, each by column."""

    def starts_paragraph(column: list[Line], index: int) -> bool:
        if index == 0:
            return True
        gap = column[index - 1].baseline - column[index].baseline
        return gap > SPACED * pitch * column[index].size

    def at(column: list[Line], baseline: float, size: float) -> int | None:
        for index, line in enumerate(column):
            if abs(line.baseline - baseline) < 0.25 * size:
                return index
        return None

    lead = {roles[role] for role in ("ref", "concern", "agreement") if role in roles}
    ref = roles.get("ref", roles.get("concern"))
    every = [line for column in columns for line in column]
    if not every:
        return []
    # Where a concern's rows begin (its number, a heading, the page), and where any row does.
    concern_starts = {max(line.baseline for line in every)}
    numbers = columns[ref] if ref is not None else []
    for index, line in enumerate(numbers):
        if starts_paragraph(numbers, index):
            concern_starts.add(line.baseline)
    for block in headings:
        concern_starts.add(block[0].baseline)
        last = block[-1]
        below = [
            line.baseline for line in every if line.baseline < last.baseline - 0.25 * last.size
        ]
        if below:
            concern_starts.add(max(below))
    row_starts = set(concern_starts)
    action, owner, target = roles["action"], roles["owner"], roles["target"]
    # Where each column's paragraphs start, top to bottom.
    starts = {
        column: [
            line.baseline
            for i, line in enumerate(columns[column])
            if starts_paragraph(columns[column], i)
        ]
        for column in (action, owner, target)
    }
    for index, line in enumerate(columns[action]):
        if not starts_paragraph(columns[action], index):
            continue
        tolerance = 0.25 * line.size
        others = [
            (columns[column], at(columns[column], line.baseline, line.size))
            for column in (owner, target)
        ]
        if not all(
            found is not None and starts_paragraph(column, found) for column, found in others
        ):
            continue
        # A new row only where the row above has as many owners and dates as actions: a
        # column of stacked paragraphs may start level with another by chance.
        above = [start for start in row_starts if start > line.baseline + tolerance]
        if not above:
            continue
        row_top = min(above) + tolerance
        counts = {
            sum(1 for start in starts[column] if line.baseline + tolerance < start < row_top)
            for column in (action, owner, target)
        }
        if len(counts) == 1:
            row_starts.add(line.baseline)

    def band_of(starts: list[float], line: Line) -> int:
        # The last start at or above the line (starts run top to bottom).
        number = 0
        for position, start in enumerate(starts):
            if line.baseline <= start + 0.25 * line.size:
                number = position
        return number

    row_order = sorted(row_starts, reverse=True)
    bands: list[list[list[Line]]] = [[[] for _ in columns] for _ in row_order]
    concern_order = sorted(concern_starts, reverse=True)
    for number, column in enumerate(columns):
        for line in column:
            if number in lead:
                # The concern's own cells span its rows: all in the first of them.
                start = concern_order[band_of(concern_order, line)]
                bands[row_order.index(start)][number].append(line)
            else:
                bands[band_of(row_order, line)][number].append(line)
    return bands
