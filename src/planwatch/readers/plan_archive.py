"""Zip archives of plan files (many plans uploaded at once): told apart from a DOCX or ODT,
vetted from their directory, and read one member at a time within the one-file limits."""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath
from typing import IO

from planwatch.errors import PlanReadError
from planwatch.readers import MAX_FILE_BYTES, ODT_MIMETYPE, archive

# Far more files than the whole estate's plans (about 1,500), yet a bound on the work one
# upload can ask for.
MAX_MEMBERS = 5_000
# What a plan file compresses to at most: text plans about 10 to 1, PDFs and DOCX far less.
MAX_RATIO = 100


def open_archive(handle: IO[bytes], name: str) -> zipfile.ZipFile:
    """The archive, from its directory; one line if it cannot be read as a zip at all."""
    try:
        return zipfile.ZipFile(handle)
    except archive.ZIP_ERRORS:
        raise PlanReadError(
            f"{name} is a damaged or truncated zip archive: make it again and upload it again"
        ) from None


def is_plan_archive(handle: IO[bytes]) -> bool:
    """Whether a file is a zip archive of plans: a zip that is not itself a DOCX or ODT
    document (those are zips too). Reads the directory, and a DOCX's or ODT's marker."""
    start = handle.tell()
    try:
        if handle.read(4) != b"PK\x03\x04":
            return False
        handle.seek(start)
        try:
            zipped = zipfile.ZipFile(handle)
            names = set(zipped.namelist())
        except archive.ZIP_ERRORS:
            return False  # the readers say what is wrong with it
        if "word/document.xml" in names or "content.xml" in names:
            return False
        if "mimetype" in names and zipped.getinfo("mimetype").file_size <= 100:
            try:
                if zipped.read("mimetype").startswith(ODT_MIMETYPE):
                    return False
            except archive.ZIP_ERRORS:
                return False
        return True
    finally:
        handle.seek(start)


def _is_plan_member(info: zipfile.ZipInfo) -> bool:
    """Files, not folders, nor what operating systems add (macOS's __MACOSX folder and
    ._ files, hidden files such as .DS_Store)."""
    if info.is_dir():
        return False
    parts = PurePosixPath(info.filename).parts
    return not any(part.startswith(".") or part == "__MACOSX" for part in parts)


def plan_members(handle: IO[bytes], name: str) -> list[str]:
    """The names of the plan files in an archive, in its order; one line if the archive
    cannot be used as a whole (damaged, encrypted, too many files, or no files at all)."""
    zipped = open_archive(handle, name)
    members = [info for info in zipped.infolist() if _is_plan_member(info)]
    if len(members) > MAX_MEMBERS:
        raise PlanReadError(
            f"{name} holds {len(members):,} files, more than the {MAX_MEMBERS:,} one import "
            "takes: split it into smaller archives"
        )
    if not members:
        raise PlanReadError(f"{name} holds no files: put the plan files in it and upload it again")
    return [info.filename for info in members]


def read_plan_member(zipped: zipfile.ZipFile, name: str, member: str) -> bytes:
    """One plan file of the archive, refused in one line (naming it) when it is encrypted,
    packed in a way zip tools do not use, larger than one plan may be, or compressed like a
    zip bomb. No more than its declared size is ever unpacked (zipfile checks the CRC)."""
    shown = PurePosixPath(member).name
    try:
        info = zipped.getinfo(member)
    except KeyError:
        raise PlanReadError(f"{shown} is no longer in {name}: upload the archive again") from None
    if info.flag_bits & 0x1:
        raise PlanReadError(f"{shown} is encrypted in {name}: make the archive without a password")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise PlanReadError(
            f"{shown} is packed in {name} in a way planwatch does not unpack (zip method "
            f"{info.compress_type}): make the archive with ordinary (deflate) compression"
        )
    if info.file_size == 0:
        raise PlanReadError(f"{shown} is empty: give a file that holds an action plan")
    if info.file_size > MAX_FILE_BYTES:
        raise PlanReadError(
            f"{shown} is {info.file_size / 1_000_000:.1f} MB, over the "
            f"{MAX_FILE_BYTES / 1_000_000:.1f} MB limit for one plan: check it is the right file"
        )
    if info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise PlanReadError(
            f"{shown} unpacks to over {MAX_RATIO} times its packed size in {name}, as only a "
            "zip bomb does: it was not opened"
        )
    try:
        return zipped.read(info)
    except archive.ZIP_ERRORS:
        raise PlanReadError(
            f"{shown} is damaged in {name}: make the archive again and upload it again"
        ) from None
