"""Each file that once crashed a reader, hung it or blew its memory: one line and exit 2, or
the plan, read exactly; and the reading budget that holds whatever the file."""

from __future__ import annotations

import io
import random
import time
import zipfile
from dataclasses import replace

import pytest

from planwatch.cli import main
from planwatch.pipeline import read_plan, read_plan_bytes
from planwatch.quality import check_plan
from planwatch.readers import detect_format, guard
from tests.conftest import FIXTURES

BAD = FIXTURES / "bad"
DOCUMENTS = FIXTURES / "documents"
DAMAGED = "is a damaged or truncated DOCX or ODT file: download it again, or open and save it again"

# The crash class each fixture reproduced before its fix, and the line it gives now.
REFUSED = {
    # RuntimeError: a member marked encrypted.
    "encrypted-member.docx": "is encrypted or password-protected: save an unprotected copy and read that",
    # NotImplementedError: unsupported compression method, and zip version.
    "ppmd-member.docx": "is packed in a way Word and LibreOffice never use (zip method 98): open it and save it again",
    "zip-version.docx": "is packed in a way Word and LibreOffice never use (zip file version 9.9): open it and save it again",
    # BadZipFile: bad CRC in an ODT; zlib.error: corrupt deflate data.
    "bad-crc.odt": DAMAGED,
    "bad-deflate.docx": DAMAGED,
    # UnicodeDecodeError: a member name.
    "undecodable-name.docx": DAMAGED,
    # odfdo's SecurityError: compression ratio.
    "high-ratio.odt": "has a part that unpacks to over 100 times its packed size ('content.xml'), as only a zip bomb does: it was not opened",
    # ValueError: a negative seek reading mimetype.
    "negative-seek.odt": DAMAGED,
    # AttributeError: a main part whose root is not w:document.
    "wrong-root.docx": "is a damaged DOCX file (its main part has no document body): open it in Word and save it again",
    # Found by the fuzz benchmark: 13 MB of drawing operators (a bomb whose deflate data is
    # damaged further on) that pdfium held in 306 MB.
    "fuzz-path-bomb.pdf": "unpacks to more than 10 MB of page content, far more than any plan (a compression bomb?): it was not read",
    # AttributeError in python-docx (found by the fuzz benchmark, kept as found): a .rels
    # part and a [Content_Types].xml whose roots are other elements.
    "fuzz-bad-rels.docx": "is a damaged DOCX file (its package parts are malformed): open it in Word and save it again",
    "fuzz-bad-content-types.docx": "is a damaged DOCX file (its package parts are malformed): open it in Word and save it again",
    # ValueError in odfdo (found by the fuzz benchmark): a namespace no ODT uses.
    "fuzz-unknown-namespace.odt": "is not a readable ODT file (an element in an unknown namespace): open it in LibreOffice and save it again",
    # An entity expansion bomb.
    "entity-bomb.docx": "has a document type declaration in 'word/document.xml', which Word and LibreOffice never write (an XML bomb?): it was not read",
    # A PDF whose content stream is a compression bomb (about 2 GB per MB of file before).
    "flate-bomb.pdf": "unpacks to more than 10 MB of page content, far more than any plan (a compression bomb?): it was not read",
    # Found by the fuzz benchmark: an embedded font program swapped for a compression bomb
    # (pdfium unpacks a font whole to read the text: 800 MB for a 400 MB bomb).
    "font-bomb.pdf": "unpacks to more than 40 MB of fonts, far more than any plan (a compression bomb?): it was not read",
}


def parse_error(capsys, path) -> str:
    code = main(["parse", str(path)])
    captured = capsys.readouterr()
    assert (code, captured.out, captured.err.count("\n")) == (2, "", 1)
    return captured.err.removeprefix("planwatch: ").rstrip("\n")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_file_gives_one_line_and_exit_2(capsys, name):
    path = BAD / name
    assert parse_error(capsys, path) == f"{path} {REFUSED[name]}"


def reading(path):
    return {key: value for key, value in read_plan(path).to_dict().items() if key != "warnings"}


@pytest.mark.parametrize(
    ("name", "original"),
    [
        # ValueError: gridSpan not a number; MemoryError: a gridSpan of 1000000000.
        ("gridspan-text.docx", "hmp-longshire-2024.docx"),
        ("gridspan-huge.docx", "hmp-longshire-2024.docx"),
        # ValueError: number-columns-repeated not a number.
        ("repeated-text.odt", "hmp-longshire-2024.odt"),
    ],
)
def test_bad_spans_and_repeats_read_the_plan_as_printed(name, original):
    assert reading(BAD / name) == reading(DOCUMENTS / original)


def test_a_text_plan_quoting_the_pdf_header_is_read_as_text():
    data = (BAD / "quotes-pdf-header.txt").read_bytes()
    assert b"%PDF-" in data[:1024]
    assert detect_format(data, "plan.txt") == "text"
    plan = read_plan(BAD / "quotes-pdf-header.txt")
    assert (plan.establishment, len(plan.concerns), len(plan.actions)) == (
        "HMP Peterborough (Men)",
        11,
        52,
    )


def test_a_pdf_with_junk_before_its_header_is_still_a_pdf():
    data = b"junk\n" + (DOCUMENTS / "hmp-longshire-2024.pdf").read_bytes()
    assert detect_format(data, "plan.pdf") == "pdf"
    assert len(read_plan_bytes(data, "plan.pdf").actions) == 7


def test_years_0_and_10000_are_unreadable_dates_and_the_quality_rules_run():
    plan = read_plan(BAD / "year-zero.txt")
    assert plan.plan_submitted is None
    targets = {action.target_text: action.target for action in plan.actions}
    assert targets["July 10000"] is None and targets["June 0000"] is None
    unreadable = [action for action in plan.actions if action.target is None]
    report = check_plan(plan)
    assert report.summary["by_rule"]["unreadable-target"] == len(unreadable) == 36
    assert "The target date “July 10000” is not a date." in {f.message for f in report.findings}


def _text_plan(rows: int, cells: int = 5) -> bytes:
    header = (
        FIXTURES.parent.parent / "src" / "planwatch" / "samples" / "hmp-peterborough-2024.txt"
    ).read_bytes()
    return header + b"\t".join([b"1"] * cells) + b"\n" + b"1\ta\tb\tc\td\n" * rows


def test_more_rows_than_any_plan(capsys, tmp_path):
    path = tmp_path / "long.txt"
    path.write_bytes(_text_plan(guard.LIMITS.rows + 1))
    assert parse_error(capsys, path) == (
        f"{path} has more than 2,000 table rows, far more than any action plan: check it is the right file"
    )


def test_more_cells_in_a_row_than_any_plan(capsys, tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes(_text_plan(1, cells=100))
    assert parse_error(capsys, path) == (
        f"{path} has a table row of 100 cells, far more than an action plan's (at most 64): check it is the right file"
    )


def test_a_docx_whose_main_part_unpacks_to_150_mb(capsys, tmp_path):
    """470 KB that unpacked to 150 MB (under the old 200 MB cap) cost 2.4 GB and 104 s."""
    source = zipfile.ZipFile(DOCUMENTS / "hmp-longshire-2024.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"<w:p/>" * 25_000_000 + b"</w:body>")
            archive.writestr(info.filename, data)
    path = tmp_path / "big.docx"
    path.write_bytes(out.getvalue())
    assert path.stat().st_size < 600_000
    assert parse_error(capsys, path) == (
        f"{path} would unpack to 150.8 MB, far more than any plan (a zip bomb?): it was not opened"
    )


def test_xml_beyond_the_limit(capsys, tmp_path):
    source = zipfile.ZipFile(DOCUMENTS / "hmp-longshire-2024.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                # Words that compress like prose, not like a bomb.
                words = random.Random(4).choices(["plan", "action", "wing", "staff"], k=1_900_000)
                data = data.replace(b"<w:t>", b"<w:t>" + " ".join(words).encode(), 1)
            archive.writestr(info.filename, data)
    path = tmp_path / "wordy.docx"
    path.write_bytes(out.getvalue())
    assert parse_error(capsys, path) == (
        f"{path} holds 11.8 MB of XML, far more than any plan (at most 10.0 MB): it was not read"
    )


def test_more_pages_than_any_plan(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "LIMITS", replace(guard.LIMITS, pdf_pages=1))
    path = tmp_path / "plan.pdf"
    path.write_bytes((DOCUMENTS / "hmp-longshire-2024.pdf").read_bytes())
    assert parse_error(capsys, path).startswith(
        f"{path} has 2 pages, far more than any plan (at most 1)"
    )


# -- the budget itself: in a child process, whatever the reader does ---------------------------


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1_000_000))


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def fail() -> None:
    raise IndexError("list index out of range")


def crash() -> None:
    import os

    os.abort()


def test_a_read_over_the_memory_budget_is_stopped():
    limits = replace(guard.LIMITS, memory_bytes=50_000_000)
    assert guard.measure(allocate, (10,), "plan.docx", limits)[0] == 10_000_000
    with pytest.raises(guard.PlanReadError) as refused:
        guard.measure(allocate, (200,), "plan.docx", limits)
    assert str(refused.value) == (
        "plan.docx needs more than 50 MB of memory to read, far more than any plan: check it "
        "is the right file, or open it and save it again"
    )


def test_a_read_over_the_time_budget_is_stopped():
    limits = replace(guard.LIMITS, seconds=0.5)
    began = time.monotonic()
    with pytest.raises(guard.PlanReadError) as refused:
        guard.measure(sleep, (30,), "plan.pdf", limits)
    assert time.monotonic() - began < 5
    assert str(refused.value) == (
        "plan.pdf took longer than 0.5 seconds to read, far longer than any plan: check it "
        "is the right file, or open it and save it again"
    )


def test_a_reader_defect_comes_back_as_one_line():
    with pytest.raises(guard.ReaderFailure) as failed:
        guard.measure(fail, (), "plan.odt")
    assert str(failed.value) == (
        "plan.odt could not be read: the reader failed on it (IndexError: list index out of "
        "range); please report it with the file"
    )
    with pytest.raises(guard.ReaderFailure) as crashed:
        guard.measure(crash, (), "plan.pdf")
    assert str(crashed.value) == (
        "plan.pdf could not be read: the reader stopped on it (SIGABRT), perhaps for want of "
        "memory: open it and save it again, or give it in another format"
    )


def test_the_command_line_gives_the_budget_error(capsys, monkeypatch):
    monkeypatch.setattr(guard, "LIMITS", replace(guard.LIMITS, seconds=0.000001))
    path = DOCUMENTS / "hmp-longshire-2024.docx"
    assert parse_error(capsys, path) == (
        f"{path} took longer than 1e-06 seconds to read, far longer than any plan: check it "
        "is the right file, or open it and save it again"
    )


def test_the_limits_in_force_reach_the_child(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "LIMITS", replace(guard.LIMITS, rows=3))
    path = DOCUMENTS / "hmp-longshire-2024.odt"
    assert parse_error(capsys, path) == (
        f"{path} has more than 3 table rows, far more than any action plan: check it is the right file"
    )


def test_a_row_copied_500_times_is_read_and_checked():
    plan = read_plan(BAD / "copied-rows.txt")
    copies = [a for a in plan.actions if a.text.startswith("A daily audit of 'overnight")]
    assert len(copies) == 500
    report = check_plan(plan)
    duplicates = [f for f in report.findings if f.rule == "duplicate-action"]
    # Each copy after the first is the same as the first.
    assert len(duplicates) == 499
    assert duplicates[0].message == (
        "“A daily audit of 'overnight clinical observations' conducte…” is the same as "
        "concern 4 action 3."
    )
