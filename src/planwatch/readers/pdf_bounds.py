"""Bounds on a PDF before pdfium opens it: what its compressed streams unpack to, in total."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

from planwatch.errors import PlanReadError
from planwatch.readers import guard

_FLATE = re.compile(rb"/Filter\s*(?:\[\s*)?/FlateDecode\b")
# Images are decoded only to draw them, never to read text: they do not count. Page
# content does: pdfium holds each drawing operator as an object of its own, some 20 times
# the operator's size. Font programs count apart, against a limit of their own: pdfium
# unpacks each whole to read the page's text.
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_FONT = re.compile(rb"/Subtype\s*/(?:Type1C|CIDFontType0C|OpenType)\b|/Length[123]\b")
_DICTIONARY_WINDOW = 4096
# Small input pieces: zlib drops what a piece unpacked when it raises on damage later in
# that piece, and pdfium keeps everything unpacked before the damage.
_CHUNK = 1024


def _decoded_size(data: bytes, start: int, end: int, room: int) -> int:
    """How many bytes the deflate data in data[start:end] unpacks to, counting no further
    than `room` + 1 (damaged data counts what came out before the damage)."""
    decoder = zlib.decompressobj()
    produced = 0
    position = start
    try:
        while position < end and produced <= room and not decoder.eof:
            chunk = data[position : min(position + _CHUNK, end)]
            position += len(chunk)
            produced += len(decoder.decompress(chunk, room + 1 - produced))
            while decoder.unconsumed_tail and produced <= room and not decoder.eof:
                produced += len(decoder.decompress(decoder.unconsumed_tail, room + 1 - produced))
    except zlib.error:
        pass
    return produced


def _stream_starts(data: bytes) -> Iterator[tuple[int, int]]:
    """(position of the keyword, first byte of data) of each stream. bytes.find, not a
    regular expression: it scans the file several times faster."""
    position = 0
    while (at := data.find(b"stream", position)) >= 0:
        position = at + 6
        if at and data[at - 1 : at].isalpha():  # "endstream", or part of a longer word
            continue
        if data.startswith(b"\r\n", position):
            yield at, position + 2
        elif data.startswith(b"\n", position):
            yield at, position + 1


def check_streams(data: bytes, name: str) -> None:
    """Refuse a PDF whose Flate-compressed streams other than images (page content, forms,
    object streams; font programs apart) unpack to more than the limit: a compression
    bomb that pdfium would decode whole. Each byte of the file is fed to the decoder at
    most once; streams encrypted or under other filters are left to the reading budget."""
    limits = {False: guard.LIMITS.pdf_decoded_bytes, True: guard.LIMITS.pdf_font_bytes}
    totals = {False: 0, True: 0}
    done_until = 0
    for keyword, start in _stream_starts(data):
        if start < done_until:
            continue
        head = data[max(0, keyword - _DICTIONARY_WINDOW) : keyword]
        head = head[head.rfind(b"obj") + 1 :]  # this object's dictionary only
        if not _FLATE.search(head) or _IMAGE.search(head):
            continue
        font = _FONT.search(head) is not None
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        done_until = end
        limit = limits[font]
        totals[font] += _decoded_size(data, start, end, limit - totals[font])
        if totals[font] > limit:
            what = "fonts" if font else "page content"
            raise PlanReadError(
                f"{name} unpacks to more than {limit / 1_000_000:.0f} MB of {what}, "
                "far more than any plan (a compression bomb?): it was not read"
            )
