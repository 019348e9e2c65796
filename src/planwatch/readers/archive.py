"""Zip checks for DOCX and ODT files: every member is vetted before a library parses any."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from planwatch.errors import PlanReadError
from planwatch.readers import guard

# What zipfile may raise on a damaged archive, beyond BadZipFile: a bad offset seeks before
# the start (ValueError), a member needs an unknown method or version (NotImplementedError),
# is encrypted (RuntimeError), or its deflate data is corrupt (zlib.error, EOFError).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    UnicodeDecodeError,
    OverflowError,
)
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Word and LibreOffice write
_XML_SUFFIXES = (".xml", ".rels")
_MAX_VERSION = 63  # the newest zip specification zipfile reads (6.3)


def damaged(name: str) -> PlanReadError:
    return PlanReadError(
        f"{name} is a damaged or truncated DOCX or ODT file: download it again, "
        "or open and save it again"
    )


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1000:.1f} kB"


def _bomb(name: str, unpacked: int) -> PlanReadError:
    return PlanReadError(
        f"{name} would unpack to {_size(unpacked)}, far more than any plan "
        "(a zip bomb?): it was not opened"
    )


def _packed(name: str, how: str) -> PlanReadError:
    return PlanReadError(
        f"{name} is packed in a way Word and LibreOffice never use ({how}): "
        "open it and save it again"
    )


def open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """The archive, once its directory says it is safe to unpack: a bounded number of
    members, none encrypted or packed in a way Word and LibreOffice never use, their
    declared sizes and compression ratios within limits. Reads only the directory."""
    limits = guard.LIMITS
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except NotImplementedError as error:  # a zip version newer than zipfile reads
        raise _packed(name, str(error)) from None
    except ZIP_ERRORS:
        raise damaged(name) from None
    if len(members) > limits.zip_members:
        raise PlanReadError(
            f"{name} holds {len(members)} files, far more than any DOCX or ODT plan "
            f"(at most {limits.zip_members}): it was not opened"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.unpacked_bytes:
        raise _bomb(name, unpacked)
    for member in members:
        if member.flag_bits & 0x1:
            raise PlanReadError(
                f"{name} is encrypted or password-protected: save an unprotected copy and read that"
            )
        if member.compress_type not in _METHODS:
            raise _packed(name, f"zip method {member.compress_type}")
        if member.extract_version > _MAX_VERSION:
            raise _packed(name, f"zip version {member.extract_version / 10:.1f}")
        if member.file_size > limits.compression_ratio * max(member.compress_size, 1):
            raise PlanReadError(
                f"{name} has a part that unpacks to over {limits.compression_ratio} times "
                f"its packed size ({member.filename[:60]!r}), as only a zip bomb does: "
                "it was not opened"
            )
    return archive


def read_member(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, name: str) -> bytes:
    """One member's bytes, no more than its declared size (zipfile stops there and checks
    the CRC), any damage reported as one line."""
    try:
        return archive.read(member)
    except (KeyError, *ZIP_ERRORS):
        raise damaged(name) from None


def _declares_a_doctype(data: bytes) -> bool:
    """Whether an XML part declares a document type (where entities are defined). Word and
    LibreOffice never write one; a hostile file uses it for entity expansion bombs."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False  # not parseable XML either: the parser says so
        return "<!DOCTYPE" in text or "<!ENTITY" in text
    return b"<!DOCTYPE" in data or b"<!ENTITY" in data


def vet(data: bytes, name: str) -> zipfile.ZipFile:
    """Open the archive and read every member once, so that a bad CRC, corrupt deflate data
    or an XML part with a document type is refused before python-docx or odfdo parse it."""
    archive = open_zip(data, name)
    xml_total = 0
    for member in archive.infolist():
        content = read_member(archive, member, name)
        if len(content) != member.file_size:
            raise damaged(name)
        if member.filename.lower().endswith(_XML_SUFFIXES):
            xml_total += len(content)
            if _declares_a_doctype(content):
                raise PlanReadError(
                    f"{name} has a document type declaration in {member.filename[:60]!r}, "
                    "which Word and LibreOffice never write (an XML bomb?): it was not read"
                )
    if xml_total > guard.LIMITS.xml_bytes:
        raise PlanReadError(
            f"{name} holds {_size(xml_total)} of XML, far more than any plan (at most "
            f"{_size(guard.LIMITS.xml_bytes)}): it was not read"
        )
    return archive
