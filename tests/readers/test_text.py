"""The text-form reader: cells, paragraphs, page breaks and encodings."""

from __future__ import annotations

import pytest

from planwatch.errors import PlanReadError
from planwatch.readers.text import decode, read_text, split_cell


def test_split_cell_keeps_paragraphs_and_collapses_whitespace():
    assert split_cell("<p>One  two</p> <p>\u00a0three</p><p> </p>") == ["One two", "three"]
    assert split_cell("  plain   cell ") == ["plain cell"]
    assert split_cell("") == []
    assert split_cell("<p>Fish &amp; chips</p>") == ["Fish & chips"]


def test_rows_page_breaks_and_header_lines():
    data = b"Action Plan: HMP X\n\nReport Published: 1 May 2024\n\na\tb\n\n\n\nc\td\ne\tf\n"
    document = read_text(data, "plan.txt")
    assert document.lines == ["Action Plan: HMP X", "Report Published: 1 May 2024"]
    assert [row.cells for row in document.rows] == [[["a"], ["b"]], [["c"], ["d"]], [["e"], ["f"]]]
    assert [row.new_page for row in document.rows] == [False, True, False]


def test_windows_1252_is_read_correctly():
    text = "Action Plan: HMP Caf\u00e9 \u2013 \u2018quoted\u2019\n"
    assert decode(text.encode("cp1252"), "x.txt") == text


def test_utf8_with_bom():
    assert decode("\ufeffAction Plan".encode(), "x.txt") == "Action Plan"


@pytest.mark.parametrize("data", [b"\x00\x01\x02garbage", bytes(range(256)) * 4])
def test_binary_garbage_is_refused(data):
    with pytest.raises(PlanReadError, match="is not a text file, PDF, DOCX or ODT"):
        decode(data, "x.bin")
