"""Pick the reader for a file by its content and turn the file into a Document of cells."""

from __future__ import annotations

import os
from pathlib import Path

from planwatch.errors import PlanReadError
from planwatch.readers import archive, guard
from planwatch.readers.cells import Document, check_size
from planwatch.readers.docx import read_docx
from planwatch.readers.odt import read_odt
from planwatch.readers.pdf import read_pdf
from planwatch.readers.text import read_text

# Published plans are a few hundred kilobytes; anything far larger is not one.
MAX_FILE_BYTES = int(os.environ.get("PLANWATCH_MAX_FILE_BYTES", 25_000_000))
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# The file suffix of each format a plan is read from: the one list, for naming stored files
# and finding plan files in folders.
SUFFIXES = {"pdf": ".pdf", "docx": ".docx", "odt": ".odt", "text": ".txt"}
# A PDF may start with a few bytes of junk before its header (readers accept up to 1 kB);
# it then ends with the pointer to its cross-reference table.
_PDF_HEADER_WINDOW = 1024
_PDF_TAIL = 2048


def sniff(data: bytes) -> str:
    """The format of a file from its structure: "pdf", "zip" or "text". A PDF starts with
    its header (or has it within the first kilobyte and ends with `startxref`, as a PDF
    with junk before it does); a text plan that merely quotes "%PDF-" is text."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW] and b"startxref" in data[-_PDF_TAIL:]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    return "text"


def zip_format(data: bytes, name: str) -> str:
    """ "docx" or "odt" from a zip's members, after checking its directory is safe to unpack
    (this reads no member but a short `mimetype`, so it is safe outside the budget)."""
    zipped = archive.open_zip(data, name)
    members = {member.filename: member for member in zipped.infolist()}
    if "word/document.xml" in members:
        return "docx"
    mimetype = members.get("mimetype")
    if mimetype is not None and mimetype.file_size <= 100:
        if archive.read_member(zipped, mimetype, name).startswith(ODT_MIMETYPE):
            return "odt"
        if "content.xml" in members:
            raise PlanReadError(
                f"{name} is an OpenDocument file but not a text document: give an ODT, "
                "DOCX, PDF or text file"
            )
    raise PlanReadError(
        f"{name} is a zip file but not a DOCX or ODT document: give the plan itself"
    )


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1000:.1f} kB"


def load_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """Read a file's bytes, refusing what cannot be a plan before reading it all."""
    max_bytes = max_bytes or MAX_FILE_BYTES
    name = str(path)
    if not path.exists():
        raise PlanReadError(f"{name} does not exist: check the path")
    if path.is_dir():
        raise PlanReadError(f"{name} is a folder: give the path of one plan file")
    if not path.is_file():
        raise PlanReadError(f"{name} is not a regular file: give the path of one plan file")
    size = path.stat().st_size
    if size == 0:
        raise PlanReadError(f"{name} is empty: give a file that holds an action plan")
    if size > max_bytes:
        raise PlanReadError(
            f"{name} is {_size(size)}, over the {_size(max_bytes)} limit "
            "for one plan: check it is the right file"
        )
    try:
        return path.read_bytes()
    except OSError as error:
        raise PlanReadError(
            f"{name} could not be read ({error.strerror}): check its permissions"
        ) from None


def detect_format(data: bytes, name: str) -> str:
    """ "pdf", "docx", "odt" or "text", judged by content rather than by the file's name."""
    kind = sniff(data)
    return zip_format(data, name) if kind == "zip" else kind


def read_document(data: bytes, name: str) -> Document:
    """Turn a file's bytes into header lines and table rows, whatever its format, within the
    reading budget (memory and time, see `guard.Limits`)."""
    try:
        return guard.bounded(read_document_here, (data, name), name)
    except guard.NeedsOcr:
        # A scan, found within the budget: read through OCR here, where ocrmypdf's own time
        # limit (PLANWATCH_OCR_TIMEOUT) and page limit hold it (planwatch.readers.pdf_scan).
        return read_document_here(data, name)


def read_document_here(data: bytes, name: str) -> Document:
    """`read_document` in this process: bounded by the readers' own checks alone."""
    kind = detect_format(data, name)
    if kind == "pdf":
        document = read_pdf(data, name)
    elif kind == "docx":
        document = read_docx(data, name)
    elif kind == "odt":
        document = read_odt(data, name)
    else:
        document = read_text(data, name)
    check_size(document, name)
    return document
