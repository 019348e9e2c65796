"""Damaged, disguised and hostile files in each format: one line, exit 2, nothing written."""

from __future__ import annotations

import zipfile
from dataclasses import replace

import pytest
from docx import Document as WordDocument
from PIL import Image

from planwatch import readers
from planwatch.cli import main
from planwatch.readers import guard
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"
BAD = FIXTURES / "bad"


def parse_error(capsys, path) -> str:
    code = main(["parse", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    return captured.err.removeprefix("planwatch: ").rstrip("\n")


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_encrypted_pdf(capsys):
    path = BAD / "encrypted.pdf"
    assert parse_error(capsys, path) == (
        f"{path} is a password-protected PDF: save an unprotected copy and read that"
    )


@pytest.mark.ocr
def test_scanned_pdf_without_text(capsys, tmp_path):
    # A blank scan: read through OCR, which finds nothing (tests/readers/test_scanned.py
    # reads a real one).
    path = tmp_path / "scan.pdf"
    Image.new("RGB", (595, 842), "white").save(path, "PDF")
    assert parse_error(capsys, path) == (
        f"{path} is a scan in which OCR found no text: give the Word version"
    )


@pytest.mark.parametrize("cut", [0.5, 0.05])
def test_truncated_pdf(capsys, tmp_path, cut):
    data = (DOCUMENTS / "hmp-longshire-2024.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * cut)])
    message = parse_error(capsys, path)
    assert message in (
        f"{path} is a damaged or truncated PDF: download it again, or give the Word version",
        f"{path} has neither text nor images: it is blank or damaged; download it again, or "
        "give the Word version",
    )


def test_corrupt_pdf(capsys, tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"\x8f garbage that is no PDF object " * 50)
    assert parse_error(capsys, path) == (
        f"{path} is a damaged or truncated PDF: download it again, or give the Word version"
    )


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_truncated_docx_and_odt(capsys, tmp_path, fmt):
    data = (DOCUMENTS / f"hmp-oldbury-2019.{fmt}").read_bytes()
    path = tmp_path / f"truncated.{fmt}"
    path.write_bytes(data[: len(data) // 2])
    assert parse_error(capsys, path) == (
        f"{path} is a damaged or truncated DOCX or ODT file: download it again, "
        "or open and save it again"
    )


def test_docx_with_broken_xml(capsys, tmp_path):
    source = zipfile.ZipFile(DOCUMENTS / "hmp-oldbury-2019.docx")
    members = {name: source.read(name) for name in source.namelist()}
    members["word/document.xml"] = b"<w:document><w:body><w:p>unclosed"
    path = _zip(tmp_path / "broken.docx", members)
    assert parse_error(capsys, path) == (
        f"{path} is a damaged DOCX file (XMLSyntaxError): open it in Word and save it again"
    )


def test_odt_with_broken_xml(capsys, tmp_path):
    source = zipfile.ZipFile(DOCUMENTS / "hmp-oldbury-2019.odt")
    members = {name: source.read(name) for name in source.namelist()}
    members["content.xml"] = b"<office:document-content>unclosed"
    path = _zip(tmp_path / "broken.odt", members)
    assert parse_error(capsys, path) == (
        f"{path} is not a readable ODT file (XMLSyntaxError): "
        "open it in LibreOffice and save it again"
    )


def test_zip_that_is_not_a_docx(capsys, tmp_path):
    path = _zip(tmp_path / "plan.docx", {"notes.txt": b"hello"})
    assert parse_error(capsys, path) == (
        f"{path} is a zip file but not a DOCX or ODT document: give the plan itself"
    )


@pytest.mark.parametrize("name", ["no-table.docx", "no-table.pdf"])
def test_documents_with_no_plan_table(capsys, name):
    path = BAD / name
    assert parse_error(capsys, path) == (
        f"{path} has no action plan table: expected a table with the columns Concern No, "
        "Concerns, Response Action Taken/Planned, Responsible Owner, Target Date"
    )


def test_docx_with_a_table_that_is_not_a_plan(capsys, tmp_path):
    document = WordDocument()
    document.add_paragraph("Action Plan: HMP Nowhere")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Name", "Role", "Phone"], strict=True):
        cell.text = text
    path = tmp_path / "contacts.docx"
    document.save(path)
    assert parse_error(capsys, path) == (
        f"{path}: the table's header row is not an action plan's (found columns 'Name', "
        "'Role', 'Phone'); expected Concern No, Concerns, Response Action Taken/Planned, "
        "Responsible Owner, Target Date"
    )


def test_decompression_bomb_inside_a_docx(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "LIMITS", replace(guard.LIMITS, unpacked_bytes=4_000_000))
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(5):
                member.write(b"\0" * 1048576)
    assert path.stat().st_size < 100_000
    assert parse_error(capsys, path) == (
        f"{path} would unpack to 5.2 MB, far more than any plan (a zip bomb?): it was not opened"
    )


def test_pdf_over_the_size_limit(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 10_000)
    path = tmp_path / "big.pdf"
    path.write_bytes((DOCUMENTS / "hmp-longshire-2024.pdf").read_bytes())
    size = path.stat().st_size / 1000
    assert parse_error(capsys, path) == (
        f"{path} is {size:.1f} kB, over the 10.0 kB limit for one plan: check it is the right file"
    )


def test_bad_input_writes_nothing(capsys, tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    parse_error(capsys, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.docx"]


def test_docx_reader_keeps_merged_cells_once():
    from planwatch.readers.docx import read_docx

    document = read_docx((DOCUMENTS / "hmp-longshire-2024.docx").read_bytes(), "x")
    rows = [row.cells for row in document.rows]
    # The section row spans all columns: its text once, then empty cells.
    assert rows[1] == [["Priority concerns"], [], [], [], []]
    # A concern cell merged down over its second action row is printed once.
    assert rows[2][0] == ["1"] and rows[3][0] == [] and rows[3][1] == []
