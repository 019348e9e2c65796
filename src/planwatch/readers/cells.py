"""What every reader produces: the lines above the plan table and its rows of cells."""

from __future__ import annotations

from dataclasses import dataclass, field

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
