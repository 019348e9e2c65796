"""Evidence files: accepted by what their content is, from an allow-list, within limits."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings

# Files one update may carry, and their total size: evidence, not an archive.
MAX_FILES = 5
MAX_TOTAL_BYTES = 25_000_000
ALLOWED = "PDF, Word, Excel, OpenDocument, CSV, plain text, PNG or JPEG"

# Media type and the suffixes a file of that type may be named with.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
    "csv": ("text/csv", (".csv",)),
    "text": ("text/plain", (".txt",)),
}
NAMES = {
    "pdf": "PDF",
    "png": "PNG",
    "jpeg": "JPEG",
    "docx": "Word",
    "xlsx": "Excel",
    "odt": "OpenDocument text",
    "ods": "OpenDocument spreadsheet",
    "csv": "CSV",
    "text": "plain text",
}


class EvidenceRefused(Exception):
    """An upload that is not accepted as evidence, with a one-line reason."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    media_type: str
    suffix: str
    sha256: str


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return "docx"
                if any(name.startswith("xl/") for name in names):
                    return "xlsx"
                return None
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return {
                    KINDS["odt"][0]: "odt",
                    KINDS["ods"][0]: "ods",
                }.get(mimetype)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            content.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return True


def kind_of(content: bytes, name: str) -> str | None:
    """What a file is, judged by its content (its name only tells CSV from plain text)."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if content and _is_text(content):
        return "csv" if PurePath(name).suffix.lower() == ".csv" else "text"
    return None


def check_uploads(files: Sequence[Any]) -> list[CheckedFile]:
    """Read and check every uploaded file; refuse the lot if any one is not acceptable."""
    if len(files) > MAX_FILES:
        raise EvidenceRefused(f"Attach at most {MAX_FILES} files to one update")
    limit = min(settings.PLANWATCH_MAX_UPLOAD_BYTES, MAX_TOTAL_BYTES)
    checked: list[CheckedFile] = []
    total = 0
    for upload in files:
        name = PurePath(upload.name or "evidence").name[:200] or "evidence"
        total += upload.size or 0
        if total > limit:
            raise EvidenceRefused(
                f"The files come to more than {limit / 1_000_000:.0f} MB: attach fewer or "
                "smaller files"
            )
        content = upload.read()
        if not content:
            raise EvidenceRefused(f"{name} is empty: choose the file again")
        kind = kind_of(content, name)
        if kind is None:
            raise EvidenceRefused(f"{name} must be a {ALLOWED} file")
        media_type, suffixes = KINDS[kind]
        suffix = PurePath(name).suffix.lower()
        if suffix not in suffixes:
            raise EvidenceRefused(
                f"{name} is a {NAMES[kind]} file but is named "
                f"{suffix or 'without a suffix'}: rename it {suffixes[0]} and attach it again"
            )
        checked.append(
            CheckedFile(
                name=name,
                content=content,
                media_type=media_type,
                suffix=suffixes[0],
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return checked
