"""What every reader produces: the lines above the plan table and its rows of cells."""

from __future__ import annotations

from dataclasses import dataclass, field

from planwatch.errors import PlanReadError
from planwatch.readers import guard

Cell = list[str]  # the paragraphs of one table cell, in order


@dataclass
class Row:
    """One table row as printed. `new_page` marks the first row after a page break;
    `outside_table` marks a paragraph printed between tables (such as a section heading)."""

    cells: list[Cell]
    new_page: bool = False
    outside_table: bool = False


@dataclass
class Document:
    """A file read into the header block lines (before the table) and the table rows;
    `warnings` says how the reader went about it where that was a choice (tags or layout)."""

    lines: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    table_rows: int = field(default=0, repr=False, compare=False)  # counted by add_row

    def add_row(self, row: Row, name: str) -> None:
        """Append a table row, refusing a table far larger than any plan's before it is
        read whole (paragraphs outside tables are not counted: a long report has many)."""
        if self.table_rows >= guard.LIMITS.rows:
            raise too_many_rows(name)
        self.table_rows += 1
        self.rows.append(row)

    def add_text(self, text: str, after_table: bool) -> None:
        """Text outside any table: a header block line before the first table; after it, a
        row of its own, which the table logic reads only as a possible section heading."""
        if not text:
            return
        if after_table:
            self.rows.append(Row(cells=[[text]], outside_table=True))
        else:
            self.lines.append(text)


def collapse(text: str) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to one space."""
    return " ".join(text.split())


def too_many_rows(name: str) -> PlanReadError:
    return PlanReadError(
        f"{name} has more than {guard.LIMITS.rows:,} table rows, far more than any action "
        "plan: check it is the right file"
    )


def too_many_cells(name: str, count: int) -> PlanReadError:
    return PlanReadError(
        f"{name} has a table row of {count:,} cells, far more than an action plan's "
        f"(at most {guard.LIMITS.cells}): check it is the right file"
    )


def check_size(document: Document, name: str) -> None:
    """Refuse a document whose table is far larger than any plan's (the readers stop
    early where they can; this catches the rest)."""
    if sum(not row.outside_table for row in document.rows) > guard.LIMITS.rows:
        raise too_many_rows(name)
    for row in document.rows:
        if len(row.cells) > guard.LIMITS.cells:
            raise too_many_cells(name, len(row.cells))


def span(text: str | None) -> int:
    """A count of merged or repeated cells from an attribute: at least 1, and at most the
    cells a row may have (a damaged file may say "x" or 1000000000)."""
    try:
        count = int(text or "1")
    except ValueError:
        return 1
    return min(max(count, 1), guard.LIMITS.cells)
