"""Plan -> file: the published layout (DOCX, ODT, PDF) and data (CSV, XLSX, JSON)."""

from __future__ import annotations

from collections.abc import Callable

from planwatch.writers.layout import PlanExport

DOCUMENT_FORMATS = ("docx", "odt", "pdf")
DATA_FORMATS = ("csv", "xlsx", "json")
FORMATS = DOCUMENT_FORMATS + DATA_FORMATS
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def write(exports: list[PlanExport], fmt: str) -> bytes:
    """One plan in any format, or several plans as one data file (CSV, XLSX, JSON)."""
    if fmt in DOCUMENT_FORMATS and len(exports) != 1:
        raise ValueError(f"{fmt} holds one plan; use csv, xlsx or json for several")
    writer: Callable[..., bytes]
    if fmt == "docx":
        from planwatch.writers.docx import write_docx as writer
    elif fmt == "odt":
        from planwatch.writers.odt import write_odt as writer
    elif fmt == "pdf":
        from planwatch.writers.pdf import write_pdf as writer
    elif fmt == "csv":
        from planwatch.writers.data import write_csv as writer
    elif fmt == "xlsx":
        from planwatch.writers.data import write_xlsx as writer
    elif fmt == "json":
        from planwatch.writers.data import write_json as writer
    else:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt in DOCUMENT_FORMATS:
        return writer(exports[0])
    return writer(exports)


__all__ = ["DATA_FORMATS", "DOCUMENT_FORMATS", "FORMATS", "MEDIA_TYPES", "PlanExport", "write"]
