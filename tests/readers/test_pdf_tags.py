"""Tagged PDFs: the structure tree read into cells, and damaged trees falling back to layout."""

from __future__ import annotations

import contextlib
import json

import pytest

from planwatch.errors import PlanReadError
from planwatch.model import CONTRACT_KEYS
from planwatch.pipeline import read_plan_bytes
from planwatch.readers import pdf_tags
from planwatch.readers.pdf_tags import Content, Element, build_document
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"
PLAN = "hmyoi-brookfield-2020"
LAYOUT = (
    "PDF read from its layout ({}): cells from the drawn borders, paragraphs from the spacing "
    "and length of lines"
)


def expected() -> dict:
    data = json.loads((FIXTURES / "plans" / f"{PLAN}.json").read_text("utf-8"))
    return {key: data[key] for key in CONTRACT_KEYS}


def tagged_bytes() -> bytes:
    # LibreOffice writes its structure elements as plain objects: easy to damage in place.
    return (DOCUMENTS / f"{PLAN}.lo-tagged.pdf").read_bytes()


def damaged(old: bytes, new: bytes) -> bytes:
    data = tagged_bytes()
    assert len(old) == len(new) and old in data
    return data.replace(old, new)


def read(data: bytes) -> dict:
    return read_plan_bytes(data, "plan.pdf").to_dict()


def test_the_fixture_is_read_from_its_tags():
    reading = read(tagged_bytes())
    assert reading["warnings"][0] == (
        "PDF read from its tags: cells and paragraphs as the document marks them"
    )
    assert {key: reading[key] for key in CONTRACT_KEYS} == expected()


@pytest.mark.parametrize(
    ("case", "old", "new", "reason"),
    [
        # Header cells alone: a table of one row, not a plan.
        ("no data cells", b"/S/TD", b"/S/Zz", "its tagged table does not read as a plan"),
        # A row whose first kid is its own table: pdfium drops the cycle, losing a cell.
        (
            "cycle",
            b"/K[16 0 R 18 0 R",
            b"/K[14 0 R 18 0 R",
            "its tagged table does not read as a plan",
        ),
        (
            "self kid",
            b"/K[16 0 R 18 0 R",
            b"/K[15 0 R 18 0 R",
            "its tagged table does not read as a plan",
        ),
        (
            "most text untagged",
            b"/K[5 0 R 6 0 R 7 0 R 8 0 R 9 0 R 10 0 R 11 0 R 12 0 R 13 0 R 14 0 R ]",
            b"/K[14 0 R" + b" " * 59 + b"]",
            "its tags do not cover its text",
        ),
        ("not marked tagged", b"/Marked true", b"/Marked fals", "it has no tags"),
    ],
)
def test_damaged_tags_fall_back_to_the_layout(case, old, new, reason):
    data = tagged_bytes()
    if old not in data:
        pytest.skip(f"{case}: the fixture does not hold {old!r}")
    reading = read(damaged(old, new))
    assert reading["warnings"][0] == LAYOUT.format(reason)
    assert {key: reading[key] for key in CONTRACT_KEYS} == expected()


def test_a_tree_too_deep_falls_back_to_the_layout(monkeypatch, read_in_process):
    monkeypatch.setattr(pdf_tags, "MAX_DEPTH", 2)
    reading = read(tagged_bytes())
    assert reading["warnings"][0] == LAYOUT.format(
        "its tags are unusable: its structure tree is deeper than 2 levels"
    )
    assert {key: reading[key] for key in CONTRACT_KEYS} == expected()


def test_a_tree_too_large_falls_back_to_the_layout(monkeypatch, read_in_process):
    monkeypatch.setattr(pdf_tags, "MAX_ELEMENTS_PER_PAGE", 10)
    reading = read(tagged_bytes())
    assert reading["warnings"][0] == LAYOUT.format(
        "its tags are unusable: a page's structure tree has over 10 elements"
    )


def test_an_unforeseen_tree_falls_back_to_the_layout(monkeypatch, read_in_process):
    def broken(roots):
        raise IndexError("unforeseen")

    monkeypatch.setattr(pdf_tags, "build_document", broken)
    reading = read(tagged_bytes())
    assert reading["warnings"][0] == LAYOUT.format("its tags could not be read")


def test_garbage_in_the_tree_never_raises_anything_but_plan_read_errors():
    data = tagged_bytes()
    start = data.index(b"/Type/StructElem")
    for offset in range(0, 4000, 97):
        spoilt = bytearray(data)
        position = start + offset
        spoilt[position : position + 6] = b"]]>>[("
        with contextlib.suppress(PlanReadError):
            read(bytes(spoilt))


# -- the tree as plain data ------------------------------------------------------------------


def element(kind: str, *kids: Element | Content) -> Element:
    return Element(kind, dict(enumerate(kids)), size=len(kids))


def cell(kind: str, page: int, left: float, *paragraphs: str) -> Element:
    return element(kind, *(element("P", Content(page, text, left)) for text in paragraphs))


def test_a_row_split_across_pages_is_one_row_with_its_paragraph_joined():
    # One P whose marked content is on two pages: one paragraph, one row.
    action = element(
        "TD", element("P", Content(0, "Staff will be\r\n", 100.0), Content(1, "trained.", 100.0))
    )
    table = element(
        "Table",
        element("TR", cell("TH", 0, 10.0, "Concern No"), cell("TH", 0, 100.0, "Action")),
        element("TR", cell("TD", 0, 10.0, "1"), action),
    )
    document = build_document([element("Document", table)])
    assert [row.cells for row in document.rows] == [
        [["Concern No"], ["Action"]],
        [["1"], ["Staff will be trained."]],
    ]


def test_a_header_row_repeated_on_each_page_is_read_once():
    header = element(
        "TR",
        element("TH", Content(0, "Concern No", 10.0), Content(1, "Concern No", 10.0)),
        element("TH", Content(0, "Action", 100.0), Content(1, "Action", 100.0)),
    )
    document = build_document([element("Table", header)])
    assert [row.cells for row in document.rows] == [[["Concern No"], ["Action"]]]


def test_cells_under_a_cell_spanning_rows_are_placed_by_where_their_text_starts():
    table = element(
        "Table",
        element(
            "TR", *(cell("TH", 0, x, t) for x, t in [(10, "No"), (60, "Action"), (200, "Owner")])
        ),
        element(
            "TR",
            cell("TD", 0, 10.0, "1"),
            cell("TD", 0, 60.0, "First"),
            cell("TD", 0, 200.0, "Governor"),
        ),
        # The concern cell spans two rows: this row has two cells only.
        element("TR", cell("TD", 0, 60.0, "Second"), cell("TD", 0, 200.5, "Director")),
    )
    document = build_document([table])
    assert document.rows[-1].cells == [[], ["Second"], ["Director"]]


def test_a_row_starting_on_a_new_page_is_marked_as_such():
    table = element(
        "Table",
        element("TR", cell("TD", 0, 10.0, "1"), cell("TD", 0, 60.0, "First")),
        element("TR", cell("TD", 1, 10.0, "2"), cell("TD", 1, 60.0, "Second")),
    )
    assert [row.new_page for row in build_document([table]).rows] == [False, True]


def test_text_outside_tables_is_the_header_block_and_hyphens_stay():
    document = build_document(
        [
            element(
                "Document",
                element("H1", Content(0, "Action Plan: HMP X")),
                element(
                    "P", Content(0, "A well-\r\nknown and/\r\nor ", 0.0), Content(0, "odd line")
                ),
            )
        ]
    )
    assert document.lines == ["Action Plan: HMP X", "A well-known and/or odd line"]


def test_elements_of_unknown_kinds_holding_text_are_paragraphs():
    # A producer's own paragraph style that its role map leaves unresolved.
    owners = element(
        "TD", element("Normal", Content(0, "Director")), element("Normal", Content(0, "NHFT"))
    )
    document = build_document([element("Table", element("TR", owners))])
    assert document.rows[0].cells == [["Director", "NHFT"]]


def test_an_untagged_table_without_borders_is_read_from_its_column_titles(tmp_path):
    # WeasyPrint without borders and without tags: the columns start where their titles do.
    # (Cells top- and left-aligned, as Word's are: centred text is not read this way.)
    from weasyprint import HTML

    html = (
        "<style>th, td { vertical-align: top; text-align: left; padding: 2pt 5pt }</style>"
        "<p>Action Plan: HMP X</p><table><tr><th>Concern No</th><th>Concerns</th>"
        "<th>Response Action Taken/Planned</th><th>Responsible Owner</th><th>Target Date</th>"
        "</tr><tr><td>1</td><td>Too few staff.</td><td>Recruit.</td><td>Governor</td>"
        "<td>July 2024</td></tr></table>"
    )
    plan = read_plan_bytes(HTML(string=html).write_pdf(), "plan.pdf")
    assert [
        (c.ref, c.text, [(a.text, a.owner, a.target_text, a.target) for a in c.actions])
        for c in plan.concerns
    ] == [("1", "Too few staff.", [("Recruit.", "Governor", "July 2024", "2024-07")])]
    assert plan.warnings[0] == (
        "PDF read from its layout (it has no tags): its table has no drawn borders, so columns "
        "were placed by the header row's titles and rows by where their text starts: check the "
        "cells were read as printed"
    )


def test_column_titles_run_together_without_borders_are_refused_with_a_reason(tmp_path):
    # The titles set as one line of words: nothing says where one column ends.
    from weasyprint import HTML

    html = (
        "<p>Action Plan: HMP X</p><p>Concern No Concerns Response Action Taken/Planned "
        "Responsible Owner Target Date</p><p>1 Too few staff. Recruit. Governor July 2024</p>"
    )
    with pytest.raises(PlanReadError) as raised:
        read_plan_bytes(HTML(string=html).write_pdf(), "plan.pdf")
    assert str(raised.value) == (
        "plan.pdf: its plan table has no drawn borders, the PDF has no usable tags (it has no "
        "tags) and its column titles do not stand apart, so its cells cannot be told apart: "
        "give the Word version, or a PDF saved from Word (Word tags its PDFs)"
    )
