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
