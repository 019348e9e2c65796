"""Tagged PDFs: the structure tree (Table, TR, TH/TD, P) read into rows of cells."""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]

from planwatch.readers.cells import Cell, Document, Row, collapse

# Bounds on what a hostile or broken tree may cost: pdfium caps its own recursion, these
# cap ours (depth) and the work done (elements per page).
MAX_DEPTH = 64
MAX_ELEMENTS_PER_PAGE = 50_000
# Kinds that hold one paragraph each. An element of a kind that is neither one of these nor
# inline (a producer's own kind that its role map does not resolve, a Div holding text) is
# read as a paragraph too.
_BLOCKS = frozenset(
    {"P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "LI", "LBody", "Lbl", "Caption",
     "BlockQuote", "TOCI", "Title"}
)  # fmt: skip
_INLINE = frozenset(
    {"Span", "NonStruct", "Link", "Quote", "Note", "Reference", "BibEntry", "Code", "Em",
     "Strong", "Sub", "Annot", "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP", "Figure",
     "Formula", "Form", "Artifact"}
)  # fmt: skip
_ROW_GROUPS = frozenset({"THead", "TBody", "TFoot"})
_CELLS = frozenset({"TD", "TH"})
# A cell whose content starts this close to a header cell's start sits in that column.
_COLUMN_TOLERANCE = 4.0


class TagError(Exception):
    """The structure tree cannot be trusted; the reason says why."""


@dataclass
class Content:
    """Marked content on one page: its text and where its first glyph starts."""

    page: int
    text: str
    left: float | None = None
    # Where each line of the text ends: offset of its CR in `text` -> right edge of the line.
    line_ends: dict[int, float] = field(default_factory=dict)


@dataclass
class Element:
    """A structure element, merged across the pages it appears on. Kids are keyed by their
    index in the element's /K, which is the same on every page, so the order is kept."""

    kind: str
    kids: dict[int, Element | Content] = field(default_factory=dict)
    # Kids in /K, including those with no content on any page read (empty cells).
    size: int = 0

    def ordered(self) -> list[Element | Content]:
        return [self.kids[index] for index in sorted(self.kids)]

    def contents(self) -> Iterator[Content]:
        for kid in self.ordered():
            if isinstance(kid, Content):
                yield kid
            else:
                yield from kid.contents()

    def has_blocks(self) -> bool:
        return any(
            isinstance(kid, Element)
            and (kid.kind in _BLOCKS or kid.kind == "Table" or kid.has_blocks())
            for kid in self.kids.values()
        )


_HYPHENS = str.maketrans({"\x02": "-", "\ufffe": "-", "\uffff": "-"})
# A word broken at the end of a line without a hyphen ends this close to the right edge.
_BROKEN_WORD_MARGIN = 8.0


def _text(contents: Iterator[Content] | list[Content], right_edge: float | None = None) -> str:
    """Marked contents as one paragraph. pdfium ends each line with CR LF and marks a
    hyphen it joined across a line's end as \x02 (\ufffe in its text): the word stays
    whole. A line that is one word reaching the right edge (`right_edge`, where the cell's
    text ends) and followed by a lowercase letter is a word too long for the column, broken
    without a hyphen."""
    text = ""
    line_ends: dict[int, float] = {}
    for content in contents:
        line_ends.update({len(text) + at: right for at, right in content.line_ends.items()})
        text += content.text
    text = text.translate(_HYPHENS)
    parts: list[str] = []
    start = 0
    for match in _CRLF.finditer(text):
        offset = match.start()
        line = text[start:offset]
        word = line.strip()
        after = text[match.end() : match.end() + 1]
        line_right = line_ends.get(offset)
        broken = (
            right_edge is not None
            and line_right is not None
            and " " not in word
            and word[-1:].isalpha()
            and after.islower()
            and line_right >= right_edge - _BROKEN_WORD_MARGIN
        )
        # A line may also break after a hyphen or a slash ("and/or"), within one word.
        joined = broken or (word.endswith(("-", "/")) and not word.endswith((" -", " /")))
        parts.append(line.rstrip() if joined else line + " ")
        start = match.end()
    parts.append(text[start:])
    return collapse("".join(parts))


_CRLF = re.compile(r"\r\n|\r|\n")


def _right_edge(element: Element) -> float | None:
    ends = [end for content in element.contents() for end in content.line_ends.values()]
    return max(ends) if ends else None


# -- pdfium -> Element tree ---------------------------------------------------------------


def _utf16(function: object, handle: object) -> str:
    size = function(handle, None, 0)  # type: ignore[operator]
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(handle, buffer, size)  # type: ignore[operator]
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace")


def address_function(function: Any, restype: Any, *argtypes: Any) -> Any:
    """A pdfium function called with plain addresses: pypdfium2's typed pointers cost a
    conversion on every call, and the text reading makes one call per character."""
    address = ctypes.cast(function, ctypes.c_void_p).value
    if address is None:
        raise ImportError("pdfium lacks a function the PDF reader needs")
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_TEXT_OBJECT = address_function(
    pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int
)
_MARKED_CONTENT_ID = address_function(
    pdfium_c.FPDFPageObj_GetMarkedContentID, ctypes.c_int, ctypes.c_void_p
)


def _marked_contents(textpage: pdfium.PdfTextPage, page: int) -> tuple[dict[int, Content], int]:
    """Each marked-content id's text on a page, in reading order, and the page's count of
    visible characters that carry no id (untagged text, or artifacts such as page numbers).

    Characters pdfium generates (spaces between words, line ends) belong to the character
    before them."""
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    if count <= 0:
        return {}, 0
    buffer = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(raw, 0, count, buffer)
    text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le", errors="replace")
    if len(text) != count:  # keep one character per index
        text = "".join(
            "\ufffd" if 0xD800 <= unit <= 0xDFFF else chr(unit) for unit in buffer[:count]
        )
    address = ctypes.cast(raw, ctypes.c_void_p)
    ids: dict[int, int] = {}
    # Runs of characters with one id: (id, first index, end index).
    runs: list[tuple[int, int, int]] = []
    current, start, previous = -1, 0, None
    for index in range(count):
        item = _TEXT_OBJECT(address, index)
        if item is None or item == previous:
            continue  # generated, or the same text object: the same id
        previous = item
        mcid = ids.get(item)
        if mcid is None:
            mcid = ids[item] = _MARKED_CONTENT_ID(item)
        if mcid != current:
            if index > start:
                runs.append((current, start, index))
            current, start = mcid, index
    runs.append((current, start, count))

    pieces: dict[int, list[str]] = {}
    lefts: dict[int, float] = {}
    ends: dict[int, dict[int, float]] = {}
    unmarked = 0
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    boxes = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
    for mcid, first, end in runs:
        piece = text[first:end]
        if mcid < 0:
            unmarked += sum(1 for char in piece if not char.isspace())
            continue
        parts = pieces.setdefault(mcid, [])
        if mcid not in lefts and pdfium_c.FPDFText_GetCharBox(raw, first, *boxes):
            lefts[mcid] = left.value
        offset = sum(len(part) for part in parts)
        # Where each line ends: the right edge of the character before its CR.
        at = piece.find("\r")
        while at >= 0:
            if at > 0 and pdfium_c.FPDFText_GetCharBox(raw, first + at - 1, *boxes):
                ends.setdefault(mcid, {})[offset + at] = right.value
            at = piece.find("\r", at + 1)
        parts.append(piece)
    contents = {
        mcid: Content(page, "".join(parts), lefts.get(mcid), ends.get(mcid, {}))
        for mcid, parts in pieces.items()
    }
    return contents, unmarked


def read_tree(
    pages: list[pdfium.PdfPage], textpages: list[pdfium.PdfTextPage]
) -> tuple[list[Element], int, int, int]:
    """The document's structure tree, merged over its pages, with counts of visible
    characters: claimed by the tree, marked but claimed by no element, and unmarked."""
    roots: dict[int, Element] = {}
    by_path: dict[tuple[int, ...], Element] = {}
    claimed = unclaimed = unmarked = 0
    for page_index, (page, textpage) in enumerate(zip(pages, textpages, strict=True)):
        contents, page_unmarked = _marked_contents(textpage, page_index)
        unmarked += page_unmarked
        tree = pdfium_c.FPDF_StructTree_GetForPage(page.raw)
        if not tree:
            raise TagError(f"page {page_index + 1} has no structure tree")
        used: set[int] = set()
        budget = [MAX_ELEMENTS_PER_PAGE]
        try:
            for index in range(pdfium_c.FPDF_StructTree_CountChildren(tree)):
                handle = pdfium_c.FPDF_StructTree_GetChildAtIndex(tree, index)
                if handle:
                    element = _load(handle, (index,), by_path, contents, used, budget, 0)
                    roots.setdefault(index, element)
        finally:
            pdfium_c.FPDF_StructTree_Close(tree)
        for mcid, content in contents.items():
            visible = sum(1 for char in content.text if not char.isspace())
            if mcid in used:
                claimed += visible
            else:
                unclaimed += visible
    return [roots[index] for index in sorted(roots)], claimed, unclaimed, unmarked


def _load(
    handle: object,
    path: tuple[int, ...],
    by_path: dict[tuple[int, ...], Element],
    contents: dict[int, Content],
    used: set[int],
    budget: list[int],
    depth: int,
) -> Element:
    """One element and its kids on the current page, added to the element with the same
    path (kid indices from the root) read on earlier pages."""
    if depth > MAX_DEPTH:
        raise TagError(f"its structure tree is deeper than {MAX_DEPTH} levels")
    budget[0] -= 1
    if budget[0] < 0:
        raise TagError(f"a page's structure tree has over {MAX_ELEMENTS_PER_PAGE} elements")
    element = by_path.get(path)
    if element is None:
        kind = _utf16(pdfium_c.FPDF_StructElement_GetType, handle)
        element = by_path[path] = Element(kind)
    element.size = max(element.size, pdfium_c.FPDF_StructElement_CountChildren(handle))
    for index in range(element.size):
        child = pdfium_c.FPDF_StructElement_GetChildAtIndex(handle, index)
        if child:
            kid = _load(child, (*path, index), by_path, contents, used, budget, depth + 1)
            element.kids.setdefault(index, kid)
            continue
        # Marked content on this page; pdfium answers -1 for content on other pages.
        mcid = pdfium_c.FPDF_StructElement_GetChildMarkedContentID(handle, index)
        if mcid >= 0 and mcid in contents and mcid not in used:
            used.add(mcid)
            element.kids[index] = contents[mcid]
    return element


# -- Element tree -> Document (plain data, no pdfium) -------------------------------------


def paragraphs(element: Element) -> list[str]:
    """The paragraphs inside an element: each block element is one; inline text and
    inline elements between blocks make one of their own."""
    found: list[str] = []
    inline: list[Content] = []
    right_edge = _right_edge(element)

    def flush() -> None:
        text = _text(inline, right_edge)
        if text:
            found.append(text)
        inline.clear()

    for kid in element.ordered():
        if isinstance(kid, Content):
            inline.append(kid)
        elif kid.has_blocks():
            flush()
            found.extend(paragraphs(kid))
        elif kid.kind not in _INLINE:
            flush()
            text = _text(kid.contents(), right_edge)
            if text:
                found.append(text)
        else:
            inline.extend(kid.contents())
    flush()
    return found


@dataclass
class _TagCell:
    paragraphs: Cell
    left: float | None
    index: int  # among the row's kids, empty cells included


@dataclass
class _TagRow:
    cells: list[_TagCell]
    pages: list[int]
    size: int  # the row's kids, empty cells included


def _rows(table: Element) -> Iterator[Element]:
    for kid in table.ordered():
        if isinstance(kid, Element):
            if kid.kind == "TR":
                yield kid
            elif kid.kind in _ROW_GROUPS:
                yield from _rows(kid)


def _first_page_only(row: Element, first: int) -> Element:
    """A copy of a row with only its content on one page."""
    copy = Element(row.kind, size=row.size)
    for index, kid in row.kids.items():
        if isinstance(kid, Content):
            if kid.page == first:
                copy.kids[index] = kid
        else:
            copy.kids[index] = _first_page_only(kid, first)
    return copy


def _tag_row(row: Element) -> _TagRow:
    pages = sorted({content.page for content in row.contents()})
    if len(pages) > 1:
        # The header row repeated at the top of each page is one TR with the same text on
        # every page; a row split by a page break has different text on each.
        texts = {page: _text([c for c in row.contents() if c.page == page]) for page in pages}
        if len(set(texts.values())) == 1:
            row = _first_page_only(row, pages[0])
            pages = pages[:1]
    cells = []
    for index in sorted(row.kids):
        kid = row.kids[index]
        if isinstance(kid, Element) and kid.kind in _CELLS:
            lefts = [c.left for c in kid.contents() if c.left is not None and c.text.strip()]
            cells.append(_TagCell(paragraphs(kid), lefts[0] if lefts else None, index))
    return _TagRow(cells, pages, max(row.size, len(cells)))


def _placed(rows: list[_TagRow]) -> list[list[Cell]]:
    """Rows as full-width lists of cells. Empty cells are in a row's kids (so a full row
    places each cell by its index) but a cell spanning rows is printed in its first row only,
    so later rows have fewer kids: their cells are placed by where their text starts, against
    the cells of the full rows."""
    width = max((row.size for row in rows), default=0)
    found: dict[int, list[float]] = {}
    for row in rows:
        if row.size == width:
            for cell in row.cells:
                if cell.left is not None:
                    found.setdefault(cell.index, []).append(cell.left)
    starts = {column: min(lefts) for column, lefts in found.items()}
    placed = []
    for row in rows:
        cells: list[Cell] = [[] for _ in range(width)]
        if row.size == width:
            for cell in row.cells:
                cells[cell.index] = cell.paragraphs
        else:
            column = -1
            for cell in row.cells:
                fits = [
                    index
                    for index, start in sorted(starts.items())
                    if cell.left is not None and start <= cell.left + _COLUMN_TOLERANCE
                ]
                column = max(column + 1, fits[-1] if fits else 0)
                if column >= width:
                    break
                cells[column] = cell.paragraphs
        placed.append(cells)
    return placed


def build_document(roots: list[Element]) -> Document:
    """Header block paragraphs, then every table's rows, from the merged structure tree.
    A row whose text starts on a later page than the previous row ended is marked as the
    first row after a page break (a producer may tag a split row's second part as a row
    of its own)."""
    document = Document()
    state = {"table_started": False}
    last_page: list[int] = []  # the page the previous table row ended on, if any

    def walk(element: Element) -> None:
        inline: list[Content] = []

        def flush() -> None:
            document.add_text(_text(inline), after_table=state["table_started"])
            inline.clear()

        for kid in element.ordered():
            if isinstance(kid, Content):
                inline.append(kid)
            elif kid.kind == "Table":
                flush()
                add_table(kid)
            elif kid.has_blocks():
                flush()
                walk(kid)
            elif kid.kind not in _INLINE:
                flush()
                document.add_text(_text(kid.contents()), after_table=state["table_started"])
            else:
                inline.extend(kid.contents())
        flush()

    def add_table(table: Element) -> None:
        # Some producers tag each page's part of a table as a table of its own.
        rows = [row for row in map(_tag_row, _rows(table)) if row.cells]
        for tag_row, cells in zip(rows, _placed(rows), strict=True):
            new_page = bool(last_page and tag_row.pages and tag_row.pages[0] > last_page[0])
            if any(cells):
                document.rows.append(Row(cells=cells, new_page=new_page))
            if tag_row.pages:
                last_page[:] = [tag_row.pages[-1]]
        state["table_started"] = True

    # The roots as the kids of one element: a root may itself be a table or a paragraph.
    walk(Element("", dict(enumerate(roots)), size=len(roots)))
    return document


def tables_found(roots: list[Element]) -> int:
    """How many tables the tree holds with a row of three or more cells."""

    def count(element: Element) -> int:
        own = int(
            element.kind == "Table"
            and any(
                sum(
                    1
                    for kid in row.kids.values()
                    if isinstance(kid, Element) and kid.kind in _CELLS
                )
                >= 3
                for row in _rows(element)
            )
        )
        return own + sum(count(kid) for kid in element.kids.values() if isinstance(kid, Element))

    return sum(count(root) for root in roots)
