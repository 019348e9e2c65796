"""Cells for spreadsheets that stay text: no plan's words are ever run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import IO, Any

# A spreadsheet reads a cell that begins with one of these as a formula (OWASP's list for
# CSV injection): "=HYPERLINK(...)" in an owner's name would become a live link.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text value that a spreadsheet would run is written with a leading apostrophe, which
    spreadsheets show as text; numbers and other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose text cells are passed through csv_cell."""

    def __init__(self, output: IO[str], **options: Any) -> None:
        self._writer = csv.writer(output, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeCsvDictWriter:
    """csv.DictWriter whose text cells are passed through csv_cell."""

    def __init__(self, output: IO[str], fieldnames: Iterable[str], **options: Any) -> None:
        self._writer = csv.DictWriter(output, fieldnames=list(fieldnames), **options)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerows(self, records: Iterable[Mapping[str, Any]]) -> None:
        self._writer.writerows(
            {key: csv_cell(value) for key, value in record.items()} for record in records
        )


def keep_as_text(rows: Iterable[Iterable[Any]]) -> None:
    """openpyxl makes a string that begins with "=" a formula: store every such cell as the
    text it is. (XLSX keeps the words exactly; only CSV needs the apostrophe.)"""
    for row in rows:
        for cell in row:
            if getattr(cell, "data_type", None) == "f":
                cell.data_type = "s"
