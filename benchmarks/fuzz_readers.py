"""Fuzz the readers with mutated plan files and count crashes, hangs and memory over budget.

Run from the repository root:

    python3 benchmarks/fuzz_readers.py                      # 10,000 inputs per format
    python3 benchmarks/fuzz_readers.py --count 200 --seed 7 # a quick sample
    python3 benchmarks/fuzz_readers.py --formats docx odt --save-to /tmp/found

Inputs are made from the fixtures (tests/fixtures/documents, the DOCX fixtures written out
in the text form, the bundled sample): byte flips, truncation, zip entry corruption (flags,
methods, sizes, CRCs, names, offsets), XML mutations (spans and repeats, rows copied many
times, deep nesting, huge attributes and text, entity bombs, dates in year 0 or 10000) and
PDF stream bombs. Each input is read in a child process as the command line and the web
import read it (planwatch.readers.guard), but with looser limits (120 s, 1.5 GB) so that the
real cost is measured; then the quality rules run on whatever was read. Per format it
prints:

- uncaught (readers): the reader raised anything but its one-line PlanReadError, or the
  child died;
- uncaught (quality rules): check_plan raised on a plan that was read;
- hangs over 10 s of the child's processor time (not the wall clock, which a busy machine
  stretches), and inputs over the 256 MB reading budget and over 1 GB (peak resident
  memory above the child's starting point).

Target 0 in every column. --save-to writes each failing input to a folder, to become a
fixture under tests/fixtures/bad/.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import re
import struct
import sys
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planwatch.errors import PlanReadError
from planwatch.quality import check_plan
from planwatch.readers import guard, read_document_here
from planwatch.readers.cells import Document
from planwatch.tables import build_plan

ROOT = Path(__file__).parents[1]

DOCUMENTS = ROOT / "tests" / "fixtures" / "documents"
SAMPLE = ROOT / "src" / "planwatch" / "samples" / "hmp-peterborough-2024.txt"
FORMATS = ("text", "pdf", "docx", "odt")
HANG_SECONDS = 10.0
BUDGET_BYTES = guard.Limits().memory_bytes
GIGABYTE = 1_000_000_000
# Looser than the reading budget, so that what an input really costs is measured; the wall
# clock is generous because a shared machine may starve the child: hangs are judged by the
# child's own processor time.
HARNESS_LIMITS = replace(guard.LIMITS, memory_bytes=1_500_000_000, seconds=120.0)


# -- what runs in the child --------------------------------------------------------------


def read_and_check(data: bytes, name: str) -> dict[str, Any]:
    """Read one input as the import does, then run the quality rules on the plan read.
    Returns what happened at each stage (the child's exceptions never escape)."""
    outcome: dict[str, Any] = {"stage": "read"}
    try:
        document = read_document_here(data, name)
        plan = build_plan(document, name)
    except PlanReadError as error:
        outcome["refused"] = str(error)
        return outcome
    except Exception as error:
        outcome["uncaught"] = f"{type(error).__name__}: {error}"[:200]
        return outcome
    outcome["stage"] = "quality"
    try:
        check_plan(plan)
    except Exception as error:
        outcome["uncaught"] = f"{type(error).__name__}: {error}"[:200]
    return outcome


# -- seeds -----------------------------------------------------------------------------------


def text_form(document: Document) -> bytes:
    """A document's rows written in the text form (tabs between cells, <p> paragraphs)."""
    lines = [*document.lines, ""]
    for row in document.rows:
        if row.new_page:
            lines.append("")
        # A heading between tables is written as a section row: the text form has no
        # prose inside its table.
        cells = row.cells + [[]] * (4 if row.outside_table else 0)
        lines.append("\t".join("".join(f"<p>{p}</p>" for p in cell) for cell in cells))
    return ("\n".join(lines) + "\n").encode()


def seeds(fmt: str) -> list[bytes]:
    if fmt == "text":
        found = [SAMPLE.read_bytes()]
        for path in sorted(DOCUMENTS.glob("*.docx")):
            found.append(text_form(read_document_here(path.read_bytes(), path.name)))
        return found
    return [path.read_bytes() for path in sorted(DOCUMENTS.glob(f"*.{fmt}"))]


# -- mutations -------------------------------------------------------------------------------


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice([1, 2, 5, 20, 100])):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, len(data))]


def splice(rng: random.Random, data: bytes) -> bytes:
    """Delete, repeat or insert a random chunk."""
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.choice([1, 16, 512, 4096]))
    choice = rng.randrange(3)
    if choice == 0:
        return data[:start] + data[end:]
    if choice == 1:
        return data[:end] + data[start:end] * rng.choice([2, 10, 1000]) + data[end:]
    return data[:start] + rng.randbytes(end - start) + data[start:]


_YEARS = re.compile(rb"(19|20)\d\d")


def bad_years(rng: random.Random, data: bytes) -> bytes:
    """Years 0, 9999 and 10000 where the plan has years (target and header dates)."""
    year = rng.choice([b"0000", b"0001", b"9999", b"10000", b"99999999999999999999"])
    return _YEARS.sub(lambda m: year if rng.random() < 0.5 else m[0], data)


def text_mutation(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        at = rng.randrange(min(len(data), 1000))
        return data[:at] + b"%PDF-1.7" + data[at:]
    if kind == 1:
        return data + b"\t".join([b"x"] * rng.choice([10, 100, 100000])) + b"\n"
    if kind == 2:
        return data + b"1\ta\tb\tc\td\n" * rng.choice([100, 10000, 300000])
    if kind == 3:
        return data.replace(b"<p>", b"<p>" + b"A" * rng.choice([1000, 1000000]), 1)
    if kind == 4:
        return bad_years(rng, data)
    if kind == 5:
        return data.replace(b"\t", b"\t\t", rng.randrange(1, 50))
    if kind == 6:
        return data.decode("utf-8", "replace").encode(
            rng.choice(["utf-16", "cp1252", "utf-8"]), "replace"
        )
    return data.replace(b"\n", b"\r", rng.randrange(1, 100))


@functools.cache
def _bomb(size: int) -> bytes:
    """Drawing operators that unpack to `size` bytes, compressed (made once per size)."""
    piece = b"0 0 m 1 1 l S\n" * 75_000  # about 1 MB, compressed piece by piece
    packer = zlib.compressobj(9)
    packed = [packer.compress(piece) for _ in range(size // len(piece))]
    return b"".join([*packed, packer.flush()])


def pdf_mutation(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(6)
    streams = [m.end() for m in re.finditer(rb"(?<![A-Za-z])stream\r?\n", data)]
    if kind == 0 and streams:
        # A content stream swapped for a compression bomb (pdfium finds its end itself).
        at = rng.choice(streams)
        end = data.find(b"endstream", at)
        size = rng.choice([10_000_000, 100_000_000, 400_000_000])
        bomb = _bomb(size)
        return data[:at] + bomb + b"\n" + data[max(end, at) :]
    if kind == 1:
        return re.sub(rb"/Count \d+", b"/Count " + str(rng.choice([0, -1, 10**9])).encode(), data)
    if kind == 2:
        return re.sub(
            rb"/Length \d+",
            lambda m: b"/Length " + str(rng.randrange(10**9)).encode(),
            data,
            count=rng.randrange(1, 5),
        )
    if kind == 3 and streams:
        # Damage one stream's compressed data.
        at = rng.choice(streams)
        out = bytearray(data)
        for index in range(at, min(at + 64, len(out))):
            if rng.random() < 0.2:
                out[index] = rng.randrange(256)
        return bytes(out)
    if kind == 4:
        return b"%PDF-1.7\n" + data[rng.randrange(len(data)) :]
    return bad_years(rng, data)


def _zip_members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _zip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in members:
            archive.writestr(info.filename, content)
    return out.getvalue()


def _main_xml(members: list[tuple[zipfile.ZipInfo, bytes]]) -> int:
    for index, (info, _) in enumerate(members):
        if info.filename in ("word/document.xml", "content.xml"):
            return index
    return 0


def xml_mutation(rng: random.Random, xml: bytes) -> bytes:
    kind = rng.randrange(11)
    if kind == 0:
        value = rng.choice([b"x", b"-3", b"0", b"1000000000", b"99999999999999999999", b"1e9", b""])
        xml = re.sub(rb'(w:gridSpan w:val=")[^"]*', lambda m: m[1] + value, xml)
        return xml.replace(
            b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="' + value + b'"/>', rng.randrange(1, 5)
        )
    if kind == 1:
        value = rng.choice([b"x", b"-3", b"1000000000", b"", b"true"])
        xml = re.sub(rb'(number-columns-repeated=")[^"]*', lambda m: m[1] + value, xml)
        return xml.replace(
            b"<table:table-cell ",
            b'<table:table-cell table:number-columns-repeated="' + value + b'" ',
            rng.randrange(1, 5),
        )
    if kind == 2:
        # Billion laughs.
        bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololol">'
        for level in range(1, 10):
            bomb += b'<!ENTITY lol%d "%s">' % (
                level,
                b"".join(
                    b"&lol%s;" % (str(level - 1).encode() if level > 1 else b"") for _ in range(10)
                ),
            )
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
        return (
            bomb
            + b"]>"
            + body.replace(b"</w:t>", b"&lol9;</w:t>", 1).replace(
                b"</text:p>", b"&lol9;</text:p>", 1
            )
        )
    if kind == 3:
        # An attribute or a text run of megabytes.
        size = rng.choice([100_000, 5_000_000, 9_000_000])
        return xml.replace(b"<w:t>", b"<w:t>" + b"A" * size, 1).replace(
            b"<text:p ", b'<text:p huge="' + b"B" * size + b'" ', 1
        )
    if kind == 4:
        # A table row copied many times.
        for tag in (b"w:tr", b"table:table-row"):
            match = re.search(rb"<%s[ >].*?</%s>" % (tag, tag), xml, re.S)
            if match:
                copies = rng.choice([10, 1000, 30000])
                return xml[: match.end()] + match[0] * copies + xml[match.end() :]
        return xml
    if kind == 5:
        # Deep nesting.
        depth = rng.choice([100, 5000, 100000])
        for tag in (b"w:sdt", b"text:section"):
            open_tag = b"<w:sdt><w:sdtContent>" if tag == b"w:sdt" else b"<text:section>"
            close_tag = b"</w:sdtContent></w:sdt>" if tag == b"w:sdt" else b"</text:section>"
            for body in (b"<w:body>", b"<office:text>"):
                if body in xml:
                    return xml.replace(body, body + open_tag * depth + close_tag * depth, 1)
        return xml
    if kind == 6:
        return xml[: rng.randrange(1, len(xml))]
    if kind == 7:
        # Remove a random element's closing tag or a random chunk of markup.
        start = rng.randrange(len(xml))
        return xml[:start] + xml[start + rng.randrange(1, 200) :]
    if kind == 8:
        return bad_years(rng, xml)
    if kind == 9:
        # Cells merged vertically without a start, rows without cells.
        return xml.replace(b'w:vMerge w:val="restart"', b"w:vMerge", rng.randrange(1, 10)).replace(
            b"<table:table-cell", b"<table:covered-table-cell", rng.randrange(1, 10)
        )
    return flip_bytes(rng, xml)


@functools.cache
def _zip_bomb(data: bytes, size: int) -> bytes:
    """The zip with its main part padded to unpack to `size` more bytes (made once)."""
    members = _zip_members(data)
    index = _main_xml(members)
    info, content = members[index]
    members[index] = (info, content + b" " * size)
    return _zip(members)


def zip_mutation(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(6)
    if kind <= 2:
        members = _zip_members(data)
        index = _main_xml(members) if rng.random() < 0.8 else rng.randrange(len(members))
        info, content = members[index]
        members[index] = (info, xml_mutation(rng, content))
        return _zip(members)
    if kind == 3:
        return _corrupt_headers(rng, data)
    if kind == 4:
        return _zip_bomb(data, rng.choice([5_000_000, 60_000_000, 150_000_000]))
    if kind == 5:
        # Odd member names: undecodable, duplicated, many members.
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, content in _zip_members(data):
                archive.writestr(info.filename, content)
            for number in range(rng.choice([1, 10, 2000])):
                archive.writestr(f"extra/{number}.xml", b"<x/>")
        raw = out.getvalue()
        return raw.replace(b"extra/0.xml", b"\xff\xfe\x80/0.xml")
    return data


def _corrupt_headers(rng: random.Random, data: bytes) -> bytes:
    """Change a field in a local or central directory header: flags (encryption, UTF-8
    names), method, CRC, sizes, name length, header offset, version needed."""
    out = bytearray(data)
    headers = [m.start() for m in re.finditer(rb"PK\x01\x02", data)]
    locals_ = [m.start() for m in re.finditer(rb"PK\x03\x04", data)]
    for _ in range(rng.choice([1, 1, 2, 4])):
        if headers and rng.random() < 0.6:
            at = rng.choice(headers)
            field, size = rng.choice(
                [(6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (42, 4)]
            )
        elif locals_:
            at = rng.choice(locals_)
            field, size = rng.choice([(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2)])
        else:
            break
        if at + field + size > len(out):
            continue
        value = rng.choice(
            [
                0,
                1,
                0x41,
                0x800,
                0x801,
                12,
                14,
                99,
                0xFFFF,
                0xFFFFFFFF,
                2**31,
                rng.randrange(2 ** (8 * size)),
            ]
        )
        value %= 2 ** (8 * size)
        out[at + field : at + field + size] = struct.pack("<H" if size == 2 else "<I", value)
    return bytes(out)


MUTATORS: dict[str, list[Callable[[random.Random, bytes], bytes]]] = {
    "text": [flip_bytes, truncate, splice, text_mutation, text_mutation],
    "pdf": [flip_bytes, truncate, splice, pdf_mutation, pdf_mutation],
    "docx": [flip_bytes, truncate, splice, zip_mutation, zip_mutation, zip_mutation],
    "odt": [flip_bytes, truncate, splice, zip_mutation, zip_mutation, zip_mutation],
}


def mutate(rng: random.Random, fmt: str, seed: bytes) -> bytes:
    data = seed
    for _ in range(rng.choice([1, 1, 1, 2])):
        try:
            data = rng.choice(MUTATORS[fmt])(rng, data) or data
        except Exception:
            # A second zip mutation of a zip the first one broke: keep the first.
            break
    return data


# -- running ---------------------------------------------------------------------------------


@dataclass
class Tally:
    """One format's figures."""

    inputs: int = 0
    refused: int = 0
    read: int = 0
    uncaught_readers: int = 0
    uncaught_quality: int = 0
    hangs: int = 0
    over_budget: int = 0
    over_gigabyte: int = 0
    peak_bytes: int = 0
    slowest: float = 0.0
    messages: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, bytes]] = field(default_factory=list)

    def fail(self, kind: str, detail: str, data: bytes) -> None:
        self.messages[f"{kind}: {detail[:120]}"] += 1
        if len(self.failures) < 50:
            self.failures.append((kind, data))


def in_process(data: bytes, name: str) -> tuple[dict[str, Any], guard.Usage]:
    """read_and_check here, for the test suite's quick sample: crashes and time only (this
    process's memory holds the harness's own work too, so it is not measured here)."""
    began = time.monotonic()
    cpu_began = time.process_time()
    outcome = read_and_check(data, name)
    return outcome, guard.Usage(time.monotonic() - began, 0, time.process_time() - cpu_began)


def try_one(data: bytes, name: str, tally: Tally, isolate: bool = True) -> None:
    tally.inputs += 1
    try:
        if isolate:
            outcome, usage = guard.measure(read_and_check, (data, name), name, HARNESS_LIMITS)
        else:
            outcome, usage = in_process(data, name)
    except guard.ReaderFailure as error:
        tally.uncaught_readers += 1
        tally.fail("reader", str(error).split(": ", 1)[-1], data)
        return
    except PlanReadError as error:
        # Only the harness's own looser limits give these: the input hung or blew up.
        text = str(error)
        if "seconds to read" in text:
            tally.hangs += 1
            tally.fail("hang", text.split(": ", 1)[-1], data)
        else:
            tally.over_gigabyte += 1
            tally.over_budget += 1
            tally.fail("memory", text.split(": ", 1)[-1], data)
        return
    tally.peak_bytes = max(tally.peak_bytes, usage.peak_bytes)
    tally.slowest = max(tally.slowest, usage.cpu_seconds)
    if usage.cpu_seconds > HANG_SECONDS:
        tally.hangs += 1
        tally.fail("hang", f"{usage.cpu_seconds:.1f} s", data)
    if usage.peak_bytes > BUDGET_BYTES:
        tally.over_budget += 1
        tally.fail("budget", f"{usage.peak_bytes / 1e6:.0f} MB", data)
    if usage.peak_bytes > GIGABYTE:
        tally.over_gigabyte += 1
    if "uncaught" in outcome:
        if outcome["stage"] == "read":
            tally.uncaught_readers += 1
            tally.fail("reader", outcome["uncaught"], data)
        else:
            tally.uncaught_quality += 1
            tally.fail("quality", outcome["uncaught"], data)
    elif "refused" in outcome:
        tally.refused += 1
    else:
        tally.read += 1


def run(fmt: str, count: int, seed: int, progress: bool = False, isolate: bool = True) -> Tally:
    """Try `count` inputs of a format, each in a child process (`isolate`) or in this one."""
    rng = random.Random(f"{seed}-{fmt}")
    sources = seeds(fmt)
    tally = Tally()
    suffix = {"text": "txt"}.get(fmt, fmt)
    began = time.monotonic()
    for number in range(count):
        data = mutate(rng, fmt, rng.choice(sources))
        try_one(data, f"fuzz-{number}.{suffix}", tally, isolate)
        if progress and (number + 1) % 500 == 0:
            print(
                f"  {fmt}: {number + 1} inputs, {time.monotonic() - began:.0f} s: "
                f"{tally.uncaught_readers} uncaught (readers), {tally.uncaught_quality} "
                f"uncaught (quality rules), {tally.hangs} hangs, {tally.over_budget} over "
                f"budget, {tally.over_gigabyte} over 1 GB",
                flush=True,
            )
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs per format")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--save-to", type=Path, help="write each failing input here")
    args = parser.parse_args(argv)
    print(
        f"{args.count} inputs per format, seed {args.seed}; each read in a child limited to "
        f"{HARNESS_LIMITS.seconds:g} s and {HARNESS_LIMITS.memory_bytes / 1e9:.1f} GB"
    )
    header = (
        "| format | inputs | read | refused | uncaught (readers) | uncaught (quality rules) "
        f"| hangs > {HANG_SECONDS:g} s | over {BUDGET_BYTES / 1e6:.0f} MB | over 1 GB "
        "| peak MB | slowest CPU s |"
    )
    rows = []
    for fmt in args.formats:
        began = time.monotonic()
        tally = run(fmt, args.count, args.seed, progress=True)
        print(f"  {fmt}: done in {time.monotonic() - began:.0f} s", flush=True)
        rows.append(
            f"| {fmt} | {tally.inputs} | {tally.read} | {tally.refused} | "
            f"{tally.uncaught_readers} | {tally.uncaught_quality} | {tally.hangs} | "
            f"{tally.over_budget} | {tally.over_gigabyte} | {tally.peak_bytes / 1e6:.0f} | "
            f"{tally.slowest:.1f} |"
        )
        for message, times in tally.messages.most_common(20):
            print(f"    {times} x {message}")
        if args.save_to:
            args.save_to.mkdir(parents=True, exist_ok=True)
            for number, (kind, data) in enumerate(tally.failures):
                (args.save_to / f"{fmt}-{kind}-{number}.bin").write_bytes(data)
    print(header)
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
