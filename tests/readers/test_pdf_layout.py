"""Untagged PDFs: paragraphs from line positions alone, on plain data, and page-break cuts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planwatch.pipeline import read_plan
from planwatch.readers.pdf_layout import Line, merged, paragraphs, usual_pitch
from tests.conftest import FIXTURES

DOCUMENTS = FIXTURES / "documents"
CHAR = 5.0  # the width of one character in these made-up lines, in points


def lines(texts: list[str], pitches: list[float], left: float = 100.0, size: float = 10.0):
    """Lines set top to bottom, each baseline `pitch` below the one before."""
    baseline = 700.0
    made = []
    for text, pitch in zip(texts, [0.0, *pitches], strict=True):
        baseline -= pitch
        indent = 10.0 if text.startswith("  ") else 0.0
        text = text.strip()
        made.append(Line(text, left + indent, left + indent + CHAR * len(text), baseline, size))
    return made


def test_tight_paragraph_spacing_still_separates_stacked_owners():
    # Line pitch 13pt, paragraph spacing only 2.5pt more: owners one paragraph each.
    owners = lines(["Director", "Director", "Head of Operations", "Director"], [15.5, 15.5, 15.5])
    # Most of a plan's lines are wrapped action text, at the line pitch.
    wrapped = lines(
        ["The Head of Reducing", "Reoffending will", "hold monthly case", "audits."], [13.0] * 3
    )
    pitch = usual_pitch([wrapped, owners])
    assert paragraphs(owners, pitch, True, 95.0, 300.0) == [
        "Director",
        "Director",
        "Head of Operations",
        "Director",
    ]


def test_without_any_paragraph_spacing_a_line_ending_short_ends_a_paragraph():
    # Column from 95 to 205: 20 characters fit on a line.
    cell = lines(["December 2024", "April 2025", "March 2025"], [12.0, 12.0])
    assert paragraphs(cell, 1.2, False, 95.0, 205.0) == [
        "December 2024",
        "April 2025",
        "March 2025",
    ]


def test_a_wrapped_line_is_not_ended_short():
    # "Northamptonshire" (16 characters) did not fit after "Trust" on a 20-character line.
    cell = lines(["Healthcare Trust", "Northamptonshire NHFT"], [12.0])
    assert paragraphs(cell, 1.2, False, 95.0, 205.0) == ["Healthcare Trust Northamptonshire NHFT"]


def test_an_indented_first_line_starts_a_paragraph():
    cell = lines(
        ["  The first paragraph runs", "on to a second line.", "  The second one starts here"],
        [12.0, 12.0],
    )
    assert paragraphs(cell, 1.2, True, 95.0, 300.0) == [
        "The first paragraph runs on to a second line.",
        "The second one starts here",
    ]


def test_hyphens_and_words_broken_at_the_right_edge_are_joined():
    cell = lines(["A well-known", "Northamptonshi", "re trust"], [12.0, 12.0])
    # "Northamptonshi" fills the cell to its right edge (100 + 14 * 5 = 170).
    assert paragraphs(cell, 1.2, True, 95.0, 175.0) == ["A well-known Northamptonshire trust"]


def test_pieces_on_one_baseline_are_one_line():
    pieces = [
        Line("Head of", 100.0, 135.0, 700.0, 10.0),
        Line("Healthcare", 138.0, 188.0, 700.2, 10.0),
        Line("Next", 100.0, 120.0, 688.0, 10.0),
    ]
    assert [line.text for line in merged(pieces)] == ["Head of Healthcare", "Next"]


@pytest.mark.parametrize("producer", ["chromium", "chromium-untagged", "chromium-tight"])
def test_an_owner_cut_by_a_page_break_is_one_owner(producer):
    # In these printings concern 8's first owner paragraph, "Northampton Healthcare
    # Foundation Trust NHFT", is cut by a page break after "Foundation".
    plan = read_plan(DOCUMENTS / f"hmp-peterborough-2024.{producer}.pdf")
    concern = next(concern for concern in plan.concerns if concern.ref == "8")
    assert [action.owner for action in concern.actions] == [
        "Northampton Healthcare Foundation Trust",
        "NHFT",
        "NHFT",
        "NHFT",
    ]
    assert concern.actions[0].text.startswith("A new audit system has been implemented")
    assert concern.actions[0].text.endswith("and complaints.")


finite = st.floats(min_value=-2000, max_value=2000, allow_nan=False)
any_line = st.builds(
    Line,
    text=st.text(max_size=30),
    left=finite,
    right=finite,
    baseline=finite,
    size=st.floats(min_value=0, max_value=300, allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(any_line, max_size=12), st.floats(min_value=0.5, max_value=3))
def test_any_lines_group_into_paragraphs_without_error(made, pitch):
    lines = merged(made)
    texts = paragraphs(lines, usual_pitch([lines]), pitch > 1.5, 0.0, 500.0)
    assert all(text == text.strip() and text for text in texts)


# --- tables without drawn borders ---------------------------------------------------------


def run(*cells: tuple[float, str], baseline: float):
    """A run pdfium reads as one line: texts starting at the given x, on one baseline."""
    from planwatch.readers.pdf_layout import Run

    glyphs: list[tuple[str, float, float]] = []
    for left, text in cells:
        if glyphs:
            glyphs.append((" ", 0.0, 0.0))
        for number, char in enumerate(text):
            x = left + CHAR * number
            glyphs.append((char, 0.0, 0.0) if char == " " else (char, x, x + CHAR - 0.5))
    return Run(glyphs, baseline, 10.0)


def roles_of(titles):
    from planwatch.readers.cells import Row
    from planwatch.tables import find_columns

    columns = find_columns(Row(cells=[[title] if title else [] for title in titles]))
    return None if columns is None else columns.index


def test_an_unruled_table_is_read_from_its_column_titles():
    from planwatch.readers.pdf_layout import read_unruled
    from planwatch.tables import is_section_heading

    # Columns at x = 50, 100, 200, 350, 450; line pitch 12pt, rows 20pt apart.
    page = [
        run((50, "Action Plan: HMP X"), baseline=780),
        run(
            (50, "No"),
            (100, "Concern"),
            (200, "Action"),
            (350, "Owner"),
            (450, "Target"),
            baseline=740,
        ),
        run((350, "responsible"), (450, "date"), baseline=728),
        run((100, "Key concerns"), baseline=708),
        run(
            (50, "1"),
            (100, "Too few staff"),
            (200, "Recruit twenty"),
            (350, "Governor"),
            (450, "July 2024"),
            baseline=688,
        ),
        run((100, "on the wings."), (200, "officers."), baseline=676),
        # A second action row: action, owner and target all start level.
        run((200, "Train them."), (350, "Head of"), (450, "Completed"), baseline=656),
        run((350, "Learning"), baseline=644),
        run(
            (50, "2"),
            (100, "Dirty cells."),
            (200, "Clean them."),
            (350, "Governor"),
            (450, "2024-25"),
            baseline=624,
        ),
        run((50, "Page 1"), baseline=40),
    ]
    table = read_unruled([page], roles_of, is_section_heading, is_section_heading)
    assert table is not None
    assert table.lines == ["Action Plan: HMP X"]
    assert [row.cells for row in table.rows] == [
        [["No"], ["Concern"], ["Action"], ["Owner responsible"], ["Target date"]],
        [[], ["Key concerns"], [], [], []],
        [
            ["1"],
            ["Too few staff on the wings."],
            ["Recruit twenty officers."],
            ["Governor"],
            ["July 2024"],
        ],
        [[], [], ["Train them."], ["Head of Learning"], ["Completed"]],
        [["2"], ["Dirty cells."], ["Clean them."], ["Governor"], ["2024-25"]],
    ]


def test_an_unruled_section_row_wrapped_in_a_narrow_column_is_a_heading():
    from planwatch.readers.pdf_layout import read_unruled
    from planwatch.tables import is_section_heading, read_section

    header = run(
        (50, "No"), (100, "Concern"), (200, "Action"), (350, "Owner"), (450, "Target"), baseline=740
    )
    page = [
        header,
        run(
            (50, "1"),
            (100, "Treat the men held"),
            (200, "Train staff."),
            (350, "Governor"),
            (450, "May 2017"),
            baseline=720,
        ),
        # A line of the concern that happens to be an area's name, in lower case: still the
        # concern's text.
        run((100, "with"), baseline=708),
        run((100, "respect"), baseline=696),
        # An area's name alone in the concern column, wrapped, a row's padding apart.
        run((100, "Rehabilitation"), baseline=676),
        run((100, "and release"), baseline=664),
        run((100, "planning"), baseline=652),
        run(
            (50, "2"),
            (100, "Plan release."),
            (200, "Plan it."),
            (350, "OMU"),
            (450, "June 2017"),
            baseline=632,
        ),
    ]
    table = read_unruled(
        [page], roles_of, is_section_heading, lambda text: read_section(text) is not None
    )
    assert table is not None
    assert [row.cells for row in table.rows][1:] == [
        [["1"], ["Treat the men held with respect"], ["Train staff."], ["Governor"], ["May 2017"]],
        [[], ["Rehabilitation and release planning"], [], [], []],
        [["2"], ["Plan release."], ["Plan it."], ["OMU"], ["June 2017"]],
    ]


def test_without_a_header_row_no_unruled_table_is_found():
    from planwatch.readers.pdf_layout import read_unruled
    from planwatch.tables import is_section_heading

    page = [run((50, "Minutes"), (200, "of the"), (350, "meeting"), baseline=700)]
    assert read_unruled([page], roles_of, is_section_heading, is_section_heading) is None
