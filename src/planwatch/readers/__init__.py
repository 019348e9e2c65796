"""Pick the reader for a file by its content and turn the file into a Document of cells."""

from __future__ import annotations

import os
from pathlib import Path

from planwatch.errors import PlanReadError
from planwatch.readers.cells import Document
from planwatch.readers.text import read_text

# Published plans are a few hundred kilobytes; anything far larger is not one.
MAX_FILE_BYTES = int(os.environ.get("PLANWATCH_MAX_FILE_BYTES", 25 * 1024 * 1024))


def sniff(data: bytes) -> str:
    """The format of a file from its first bytes: "pdf", "zip" or "text"."""
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    return "text"


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
            f"{name} is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit "
            "for one plan: check it is the right file"
        )
    try:
        return path.read_bytes()
    except OSError as error:
        raise PlanReadError(
            f"{name} could not be read ({error.strerror}): check its permissions"
        ) from None


def read_document(data: bytes, name: str) -> Document:
    """Turn a file's bytes into header lines and table rows, whatever its format."""
    kind = sniff(data)
    if kind == "pdf":
        raise PlanReadError(f"{name} is a PDF; this version reads only the text form of a plan")
    if kind == "zip":
        raise PlanReadError(
            f"{name} is a zip-based file (DOCX or ODT); "
            "this version reads only the text form of a plan"
        )
    return read_text(data, name)
