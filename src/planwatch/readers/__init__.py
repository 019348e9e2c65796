"""Pick the reader for a file by its content and turn the file into a Document of cells."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from planwatch.errors import PlanReadError
from planwatch.readers.cells import Document
from planwatch.readers.docx import read_docx
from planwatch.readers.odt import read_odt
from planwatch.readers.pdf import read_pdf
from planwatch.readers.text import read_text

# Published plans are a few hundred kilobytes; anything far larger is not one.
MAX_FILE_BYTES = int(os.environ.get("PLANWATCH_MAX_FILE_BYTES", 25_000_000))
# What a DOCX or ODT may unpack to; a small file that unpacks to more is a zip bomb.
MAX_UNPACKED_BYTES = 200_000_000
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# The file suffix of each format a plan is read from: the one list, for naming stored files
# and finding plan files in folders.
SUFFIXES = {"pdf": ".pdf", "docx": ".docx", "odt": ".odt", "text": ".txt"}


def sniff(data: bytes) -> str:
    """The format of a file from its first bytes: "pdf", "zip" or "text"."""
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    return "text"


def zip_format(data: bytes, name: str) -> str:
    """ "docx" or "odt" from a zip's members, after checking it is safe to unpack."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise PlanReadError(
                f"{name} would unpack to {_size(unpacked)}, far more than any plan "
                "(a zip bomb?): it was not opened"
            )
        names = {member.filename for member in members}
        if "word/document.xml" in names:
            return "docx"
        if "mimetype" in names and archive.read("mimetype").startswith(ODT_MIMETYPE):
            return "odt"
        if "content.xml" in names and "mimetype" in names:
            raise PlanReadError(
                f"{name} is an OpenDocument file but not a text document: give an ODT, "
                "DOCX, PDF or text file"
            )
    except zipfile.BadZipFile:
        raise PlanReadError(
            f"{name} is a damaged or truncated DOCX or ODT file: download it again, "
            "or open and save it again"
        ) from None
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
    """Turn a file's bytes into header lines and table rows, whatever its format."""
    kind = detect_format(data, name)
    if kind == "pdf":
        return read_pdf(data, name)
    if kind == "docx":
        return read_docx(data, name)
    if kind == "odt":
        return read_odt(data, name)
    return read_text(data, name)
