"""Scanned PDFs: table rules found in the page images, and the text read by OCR (ocrmypdf)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image, ImageDraw

from planwatch.errors import PlanReadError

# Pages are rendered at this resolution for rule finding and OCR (Tesseract reads 10pt
# type best from about 300 dots per inch).
DPI = 300
# How long OCR may take for one file, and the most pages it is asked to read: a plan is a
# few pages; a scan of hundreds is not one.
OCR_TIMEOUT = 300.0
MAX_OCR_PAGES = 40
# A rule is a run of dark pixels at least this long (in points), at most this thick:
# longer than any letter or dash, thinner than shading.
MIN_HORIZONTAL = 36.0
MIN_VERTICAL = 14.0
MAX_THICKNESS = 3.0
# Pixels are averaged along a rule's direction in windows this long; a window this dark
# lies on a rule (text strokes leave gaps).
WINDOW = 12
DARK = 110
# Cells are read this far inside their rules (in points; cell padding is wider).
CELL_INSET = 0.5

INSTALL = "apt-get install ocrmypdf tesseract-ocr tesseract-ocr-eng"


@dataclass
class Rule:
    """A rule drawn in a page image, in PDF points (y grows upwards): `position` is x for a
    vertical rule, y for a horizontal one; it runs from `start` to `end` along the other."""

    position: float
    start: float
    end: float


@dataclass
class PageRules:
    verticals: list[Rule]
    horizontals: list[Rule]


def ocr_timeout() -> float:
    """Seconds OCR may take for one file: PLANWATCH_OCR_TIMEOUT if it is a positive number,
    else OCR_TIMEOUT."""
    try:
        seconds = float(os.environ.get("PLANWATCH_OCR_TIMEOUT", ""))
    except ValueError:
        return OCR_TIMEOUT
    return seconds if 0 < seconds < 86400 else OCR_TIMEOUT


# Pixel values mapped to "1" where dark enough to lie on a rule, "0" elsewhere.
_DARKNESS = bytes(ord("1") if value < DARK else ord("0") for value in range(256))
_DARK_RUN = re.compile(rb"1+")


def _runs(image: Image.Image) -> list[tuple[int, int, int]]:
    """The dark runs in each row of a window-averaged image: (row, first, last)."""
    width = image.width
    marks = image.tobytes().translate(_DARKNESS)
    return [
        (row, match.start() - row * width, match.end() - 1 - row * width)
        for row in range(image.height)
        for match in _DARK_RUN.finditer(marks, row * width, (row + 1) * width)
    ]


def _rules(
    runs: list[tuple[int, int, int]], minimum: int, thickest: int
) -> list[tuple[int, int, int, int]]:
    """Runs on neighbouring lines that overlap are one rule: (first line, last line,
    first, last)."""
    rules: list[list[int]] = []  # [first line, last line, first, last]
    for line, first, last in sorted(runs):
        if last - first + 1 < minimum:
            continue
        for rule in rules:
            if line - rule[1] <= 1 and first <= rule[3] and last >= rule[2]:
                rule[1] = line
                rule[2], rule[3] = min(rule[2], first), max(rule[3], last)
                break
        else:
            rules.append([line, line, first, last])
    return [
        (rule[0], rule[1], rule[2], rule[3]) for rule in rules if rule[1] - rule[0] + 1 <= thickest
    ]


def find_rules(image: Image.Image, page_height: float) -> tuple[PageRules, Image.Image]:
    """The horizontal and vertical rules in a page image rendered at DPI, in PDF points,
    and the image with them painted out (so OCR does not read them as letters)."""
    gray = image.convert("L")
    width, height = gray.size
    scale = DPI / 72.0
    thickest = max(int(MAX_THICKNESS * scale), 1)
    cleaned = gray.copy()
    draw = ImageDraw.Draw(cleaned)
    # Horizontal rules: average along x in windows, then find long dark runs in each row.
    across = gray.resize((max(width // WINDOW, 1), height), Image.Resampling.BOX)
    runs = _runs(across)
    horizontals = []
    for upper, lower, first, last in _rules(runs, int(MIN_HORIZONTAL * scale / WINDOW), thickest):
        left, right = first * WINDOW, (last + 1) * WINDOW
        y = (upper + lower) / 2
        horizontals.append(Rule(page_height - y / scale, left / scale, right / scale))
        # Only the rule's own pixels (and their blur): letters may sit right on it.
        draw.rectangle((left, upper - 1, right, lower + 1), fill=255)
    # Vertical rules likewise, in the image turned on its side (rows become columns).
    down = gray.resize((width, max(height // WINDOW, 1)), Image.Resampling.BOX)
    runs = _runs(down.transpose(Image.Transpose.TRANSPOSE))
    verticals = []
    for left, right, first, last in _rules(runs, int(MIN_VERTICAL * scale / WINDOW), thickest):
        top, bottom = first * WINDOW, (last + 1) * WINDOW
        x = (left + right) / 2
        verticals.append(Rule(x / scale, page_height - bottom / scale, page_height - top / scale))
        draw.rectangle((left - 1, top, right + 1, bottom), fill=255)
    return PageRules(verticals, horizontals), cleaned


def check_ocr(name: str, pages: int) -> None:
    """Refuse a scan that OCR cannot or should not read: OCR turned off, no ocrmypdf, or
    too many pages."""
    if os.environ.get("PLANWATCH_OCR", "on").strip().lower() in ("off", "0", "no", "false"):
        raise PlanReadError(
            f"{name} has no text layer (it is probably a scan) and OCR is turned off here "
            "(PLANWATCH_OCR): give the Word version"
        )
    if shutil.which("ocrmypdf") is None:
        raise PlanReadError(
            f"{name} has no text layer (it is probably a scan) and OCR is not installed: "
            f"install it ({INSTALL}) or give the Word version"
        )
    if pages > MAX_OCR_PAGES:
        raise PlanReadError(
            f"{name} is a scan of {pages} pages, more than the {MAX_OCR_PAGES} a plan "
            "would have: give the Word version, or a scan of the plan alone"
        )


def render(page: Any) -> Image.Image:
    """A pypdfium2 page as a grey image at DPI."""
    image: Image.Image = page.render(scale=DPI / 72.0, grayscale=True).to_pil()
    return image


Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def parts(image: Image.Image, page_height: float, columns: list[list[Box]]) -> list[bytes]:
    """The page image cut into the parts read apart: the page outside its tables, then each
    table column's cells alone (each a whole page, white but for that part, so that text
    keeps its place on the page)."""
    scale = DPI / 72.0

    def pixels(box: Box, inset: float = 0.0) -> tuple[int, int, int, int]:
        left, bottom, right, top = box
        return (
            int((left + inset) * scale),
            int((page_height - top + inset) * scale),
            int((right - inset) * scale) + 1,
            int((page_height - bottom - inset) * scale) + 1,
        )

    outside = image.copy()
    draw = ImageDraw.Draw(outside)
    for column in columns:
        for box in column:
            draw.rectangle(pixels(box), fill=255)
    # Each part kept as a one-page PDF (the image compressed), not as pixels: a page's
    # parts in grey would take tens of megabytes. (Made black and white, they read worse.)
    result = [_one_page(outside)]
    del outside, draw
    for column in columns:
        part = Image.new("L", image.size, 255)
        for box in column:
            # A little inside the cell's rules: what is left of a rule would read as "|".
            area = pixels(box, CELL_INSET)
            part.paste(image.crop(area), area[:2])
        result.append(_one_page(part))
    return result


def _one_page(image: Image.Image) -> bytes:
    """An image as a one-page PDF at DPI."""
    buffer = io.BytesIO()
    # JPEG at a high quality: the scan's own compression is loss enough.
    image.save(buffer, "PDF", resolution=DPI, quality=95)
    return buffer.getvalue()


# Tesseract's page segmentation modes: 4 reads one column of text of varying sizes, keeping
# its paragraphs' spacing; 6 one uniform block, which finds a lone figure (a concern's
# number beside its text) that 4 may miss.
COLUMN, BLOCK = "4", "6"


def ocr(batches: list[tuple[list[bytes], str]], name: str) -> list[bytes]:
    """Read batches of one-page image PDFs (from `parts`), each batch with a Tesseract page
    segmentation mode, with ocrmypdf (English), the batches at once: for each, a PDF of its
    pages with their text as an invisible layer, each word where it is printed."""
    ocrmypdf = shutil.which("ocrmypdf") or "ocrmypdf"
    with tempfile.TemporaryDirectory(prefix="planwatch-ocr-") as folder:
        running = []
        for number, (pages, mode) in enumerate(batches):
            source = Path(folder) / f"scan{number}.pdf"
            result = Path(folder) / f"ocr{number}.pdf"
            joined = pdfium.PdfDocument.new()
            for page in pages:
                one = pdfium.PdfDocument(page)
                joined.import_pages(one)
                one.close()
            joined.save(str(source))
            joined.close()
            command = [
                ocrmypdf,
                "--language",
                "eng",
                "--output-type",
                "pdf",
                "--optimize",
                "0",
                "--tesseract-pagesegmode",
                mode,
                "--jobs",
                "1",
                "--quiet",
                str(source),
                str(result),
            ]
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            running.append((process, result))
        timeout = ocr_timeout()
        deadline = time.monotonic() + timeout
        outputs = []
        try:
            for process, result in running:
                try:
                    _, errors = process.communicate(timeout=max(deadline - time.monotonic(), 0))
                except subprocess.TimeoutExpired:
                    raise PlanReadError(
                        f"{name} has no text layer (it is probably a scan) and OCR took "
                        f"longer than {timeout:g} s: give the Word version, or set "
                        "PLANWATCH_OCR_TIMEOUT"
                    ) from None
                if process.returncode != 0 or not result.exists():
                    reason = errors.decode("utf-8", "replace").strip().splitlines()
                    raise PlanReadError(
                        f"{name} has no text layer (it is probably a scan) and OCR failed "
                        f"({reason[-1] if reason else f'exit status {process.returncode}'}): "
                        "give the Word version"
                    )
                outputs.append(result.read_bytes())
        finally:
            for process, _ in running:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return outputs
