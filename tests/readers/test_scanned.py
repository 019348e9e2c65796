"""Scanned PDFs: rules found in page images, text read through OCR, clear refusals.

The tests marked `ocr` run ocrmypdf and Tesseract for real (tens of seconds each on a busy
machine); `pytest -m "not ocr"` leaves them out.
"""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image, ImageDraw

from planwatch.errors import PlanReadError
from planwatch.model import CONTRACT_KEYS
from planwatch.pipeline import read_plan_bytes
from planwatch.readers import pdf_scan
from tests.conftest import FIXTURES

SCANNED = FIXTURES / "documents" / "hmp-eastwick-2023.scanned.pdf"
OCR_WARNING = (
    "PDF read through OCR (it has no text layer: it is a scan), so its text may hold "
    "misread letters or figures: check the names, dates and numbers against the scan"
)
needs_ocr = pytest.mark.skipif(shutil.which("ocrmypdf") is None, reason="ocrmypdf not installed")


def image_pdf(tmp_path, pages: int = 1, draw=None):
    """An image-only PDF (a scan) of `pages` A4 pages at 72 dpi, drawn on by `draw`."""
    images = []
    for _ in range(pages):
        image = Image.new("L", (595, 842), 255)
        if draw:
            draw(ImageDraw.Draw(image))
        images.append(image)
    path = tmp_path / "scan.pdf"
    images[0].save(path, save_all=True, append_images=images[1:], resolution=72)
    return path


@pytest.fixture(scope="module")
def scanned_reading():
    return read_plan_bytes(SCANNED.read_bytes(), SCANNED.name)


@pytest.mark.ocr
@needs_ocr
def test_a_scanned_plan_reads_exactly_through_ocr(scanned_reading, plan_schema):
    import jsonschema

    expected = json.loads((FIXTURES / "plans" / "hmp-eastwick-2023.json").read_text("utf-8"))
    reading = scanned_reading.to_dict()
    assert {key: reading[key] for key in CONTRACT_KEYS} == {
        key: expected[key] for key in CONTRACT_KEYS
    }
    jsonschema.validate(reading, plan_schema)


@pytest.mark.ocr
@needs_ocr
def test_the_first_warning_says_the_text_was_read_by_ocr(scanned_reading):
    # Nothing else needed inferring: the scan's table reads as cleanly as the PDF it shows.
    assert scanned_reading.warnings == [OCR_WARNING]


@pytest.mark.ocr
@needs_ocr
def test_a_blank_scan_is_refused_after_ocr_finds_no_text(tmp_path):
    path = image_pdf(tmp_path, draw=lambda draw: draw.point((10, 10), fill=0))
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(path.read_bytes(), "scan.pdf")
    assert (
        str(raised.value) == "scan.pdf is a scan in which OCR found no text: give the Word version"
    )


def test_without_ocrmypdf_a_scan_is_refused_saying_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_scan.shutil, "which", lambda name: None)
    path = image_pdf(tmp_path)
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(path.read_bytes(), "scan.pdf")
    assert str(raised.value) == (
        "scan.pdf has no text layer (it is probably a scan) and OCR is not installed: install "
        "it (apt-get install ocrmypdf tesseract-ocr tesseract-ocr-eng) or give the Word version"
    )


def test_with_ocr_turned_off_a_scan_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANWATCH_OCR", "off")
    path = image_pdf(tmp_path)
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(path.read_bytes(), "scan.pdf")
    assert str(raised.value) == (
        "scan.pdf has no text layer (it is probably a scan) and OCR is turned off here "
        "(PLANWATCH_OCR): give the Word version"
    )


def test_a_scan_of_too_many_pages_is_refused_before_ocr(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_scan.shutil, "which", lambda name: "/usr/bin/ocrmypdf")
    monkeypatch.setattr(pdf_scan, "MAX_OCR_PAGES", 2)
    path = image_pdf(tmp_path, pages=3)
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(path.read_bytes(), "scan.pdf")
    assert str(raised.value) == (
        "scan.pdf is a scan of 3 pages, more than the 2 a plan would have: give the Word "
        "version, or a scan of the plan alone"
    )


@needs_ocr
def test_ocr_that_takes_too_long_is_stopped_and_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANWATCH_OCR_TIMEOUT", "0.01")
    path = image_pdf(tmp_path)
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(path.read_bytes(), "scan.pdf")
    assert str(raised.value) == (
        "scan.pdf has no text layer (it is probably a scan) and OCR took longer than 0.01 s: "
        "give the Word version, or set PLANWATCH_OCR_TIMEOUT"
    )


def test_a_pdf_with_neither_text_nor_images_is_refused_without_ocr(tmp_path):
    from weasyprint import HTML

    data = HTML(string="<p></p>").write_pdf()
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(data, "blank.pdf")
    assert str(raised.value) == (
        "blank.pdf has neither text nor images: it is blank or damaged; download it again, or "
        "give the Word version"
    )


def test_rules_are_found_in_a_page_image_and_painted_out():
    # A4 at 300 dpi: a table of 3 columns and 2 rows, with a line of "text" in one cell.
    scale = pdf_scan.DPI / 72
    image = Image.new("L", (int(595 * scale), int(842 * scale)), 255)
    draw = ImageDraw.Draw(image)

    def px(value: float) -> int:
        return round(value * scale)

    for x in (50, 150, 300, 450):  # vertical rules, from y=100 to y=400 (from the top)
        draw.line((px(x), px(100), px(x), px(400)), fill=0, width=2)
    for y in (100, 250, 400):
        draw.line((px(50), px(y), px(450), px(y)), fill=0, width=2)
    draw.rectangle((px(60), px(120), px(64), px(127)), fill=0)  # a letter: not a rule
    draw.rectangle((px(70), px(130), px(80), px(131)), fill=0)  # a dash: not a rule
    rules, cleaned = pdf_scan.find_rules(image, 842.0)

    def near(values, wanted):
        return sorted(round(value) for value in values) == wanted

    assert near([rule.position for rule in rules.verticals], [50, 150, 300, 450])
    assert near([rule.position for rule in rules.horizontals], [442, 592, 742])
    assert all(abs(rule.start - 442) < 4 and abs(rule.end - 742) < 4 for rule in rules.verticals)
    assert all(abs(rule.start - 50) < 4 and abs(rule.end - 450) < 4 for rule in rules.horizontals)
    # The rules are gone from the image OCR reads; the letter and the dash are not.
    assert cleaned.getpixel((px(150), px(200))) == 255
    assert cleaned.getpixel((px(100), px(250))) == 255
    assert cleaned.getpixel((px(62), px(124))) == 0
    assert cleaned.getpixel((px(75), px(130.5))) == 0


@pytest.mark.parametrize(
    ("setting", "seconds"), [("", 300.0), ("60", 60.0), ("soon", 300.0), ("-5", 300.0)]
)
def test_the_ocr_time_limit_setting(monkeypatch, setting, seconds):
    monkeypatch.setenv("PLANWATCH_OCR_TIMEOUT", setting)
    assert pdf_scan.ocr_timeout() == seconds


def test_an_ocrd_line_ends_where_the_space_after_its_last_word_does():
    # ocrmypdf sets each word with the space after it across the word's width on the scan,
    # letters evenly spaced: the last letter's box ends a letter short of the word's end,
    # and a word broken at a narrow cell's edge would not be seen to reach it.
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from planwatch.readers.pdf import _Chars, _page_lines

    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(595, 842)
    text = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
    characters = ctypes.create_string_buffer("Recommendatio \0".encode("utf-16-le"))
    raw.FPDFText_SetText(text, ctypes.cast(characters, ctypes.POINTER(raw.FPDF_WCHAR)))
    raw.FPDFPageObj_Transform(text, 1, 0, 0, 1, 100, 700)
    raw.FPDFPage_InsertObject(page.raw, text)
    raw.FPDFPage_GenerateContent(page.raw)
    textpage = page.get_textpage()
    chars = _Chars(textpage)
    letter_right, space_right = chars.box(12)[1], chars.box(13)[1]
    assert space_right > letter_right + 2
    for ocr, right in ((False, letter_right), (True, space_right)):
        [[line]] = _page_lines(chars, [], ocr).values()
        assert (line.text, line.left, line.right) == ("Recommendatio", 100.0, right)
    textpage.close()
    page.close()
    pdf.close()
