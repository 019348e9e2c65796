"""Untagged PDFs: lines and paragraphs from text positions alone (plain data, no PDF library)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from planwatch.readers.cells import Cell, collapse

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
