"""Inspection reports read into their concerns: every fixture in every format, and what the
reader does with what it cannot be sure of."""

from __future__ import annotations

import json

import pytest

from planwatch.reports_in import ReportReadError
from planwatch.reports_in.inspection_report import read_report, read_report_bytes
from tests.conftest import FIXTURES

REPORTS = FIXTURES / "reports"
FORMATS = ("txt", "docx", "pdf", "lo-tagged.pdf", "odt")
NAMES = sorted(path.name.removesuffix(".expected.json") for path in REPORTS.glob("*.json"))


def test_at_least_four_reports_across_both_layouts():
    layouts = [
        json.loads((REPORTS / f"{name}.expected.json").read_text())["layout"] for name in NAMES
    ]
    assert len(NAMES) >= 4
    assert set(layouts) == {"concerns", "recommendations"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", NAMES)
def test_every_report_in_every_format_reads_exactly(name, fmt):
    expected = json.loads((REPORTS / f"{name}.expected.json").read_text())
    assert read_report(REPORTS / f"{name}.{fmt}").to_dict() == expected


def test_a_report_since_2022_priority_and_key_concerns_with_areas_and_expectations():
    report = read_report(REPORTS / "hmp-longshire-2024.pdf")
    assert [(c.ref, c.category, c.area, c.expectation) for c in report.concerns] == [
        (
            "1",
            "priority",
            "Purposeful activity",
            "Prisoners spend most of their day out of their cell, engaged in activities which "
            "support their rehabilitation",
        ),
        ("2", "priority", "Safety", "8"),
        (
            "3",
            "key",
            "Purposeful activity",
            "All prisoners are engaged in education, skills or work activities that meet their "
            "needs",
        ),
    ]
    assert (report.inspection_start, report.inspection_end, report.report_published) == (
        "2024-03-04",
        "2024-03-15",
        "2024-07-02",
    )


def test_an_older_report_main_recommendations_marked_and_grouped_by_area():
    report = read_report(REPORTS / "hmp-oldbury-2019.docx")
    assert report.layout == "recommendations"
    assert [(c.ref, c.main, c.area) for c in report.concerns] == [
        ("S40", True, None),
        ("S41", True, None),
        ("1.23", False, "Safety"),
        ("1.35", False, "Safety"),
        ("2.12", False, "Respect"),
        ("3.18", False, "Purposeful activity"),
        ("4.40", False, "Rehabilitation and release planning"),
    ]
    # Examples of good practice are not recommendations.
    assert "peer mentors" not in " ".join(c.text for c in report.concerns)


def test_a_concern_cut_by_a_page_break_is_read_whole():
    text = REPORTS / "hmp-peterborough-2024.pdf"
    concern = read_report(text).concerns[4]
    assert concern.text.endswith(
        "too many others were engaged in work which had no formal training, was too easy and "
        "did not develop employability skills."
    )


def test_a_missing_publication_date_is_a_warning_not_a_guess():
    report = read_report(REPORTS / "hmp-riverside-2025.txt")
    assert report.report_published is None
    assert report.warnings == [
        "The report does not print its publication date: enter it on the draft's dates page"
    ]


REPORT_HEAD = (
    "Report on an unannounced inspection of\nHMP Testshire\nby HM Chief Inspector of Prisons\n"
    "8–18 January 2024\nPublished: 9 April 2024\n"
)


def _read(body: str):
    return read_report_bytes((REPORT_HEAD + body).encode(), "report.txt")


def test_a_gap_in_the_numbering_and_counts_that_disagree_are_warnings():
    report = _read(
        "During our inspection, we identified four key concerns, of which two should be "
        "treated as priorities.\nPriority concerns\n1. First.\n2. Second.\nKey concerns\n"
        "4. Fourth.\nAbout HMP Testshire\n"
    )
    assert [c.ref for c in report.concerns] == ["1", "2", "4"]
    assert report.warnings == [
        "Concern 4 follows concern 2: check that no concern between them was missed",
        "The report says it identified 4 key concerns, 2 of them priorities, but 3 were read, "
        "2 of them priorities: check the draft against the report",
    ]


def test_a_number_used_twice_keeps_the_first_and_says_so():
    report = _read("Priority concerns\n1. First.\nKey concerns\n1. Again.\n")
    assert [(c.ref, c.text) for c in report.concerns] == [("1", "First.")]
    assert report.warnings[0] == (
        "Concern 1 is numbered twice in the report; the second (“Again.”) was left out: add it "
        "on the draft with its own number"
    )


def test_the_list_repeated_later_in_the_report_is_read_once():
    report = _read(
        "Priority concerns\n1. First.\nKey concerns\n2. Second.\nAbout HMP Testshire\n"
        "Section 6 Summary of priority and key concerns\nPriority concerns\n1. First.\n"
        "Key concerns\n2. Second.\n"
    )
    assert [c.ref for c in report.concerns] == ["1", "2"]
    assert report.warnings == []


def test_a_recommendation_without_its_reference_is_numbered_as_listed_with_a_warning():
    report = _read(
        "Section 5. Summary of recommendations and good practice\nMain recommendations\n"
        "5.1 Prisoners should shower daily.\nRecommendations\nSafety\n5.2 Fewer fights. (1.2)\n"
    )
    assert [(c.ref, c.text) for c in report.concerns] == [
        ("5.1", "Prisoners should shower daily."),
        ("1.2", "Fewer fights."),
    ]
    assert report.warnings == [
        "Recommendation 5.1 has no reference in brackets after it: it is numbered as it is "
        "listed; correct the number on the draft if the plan uses another"
    ]


def test_a_document_with_no_concerns_is_refused_in_one_line():
    with pytest.raises(ReportReadError) as refused:
        _read("Introduction\nThe prison was fine.\n")
    assert str(refused.value) == (
        "report.txt: no numbered priority or key concerns, nor a summary of recommendations, "
        "were found in it: give an HMIP inspection report"
    )


def test_a_binary_file_is_refused_as_a_report():
    with pytest.raises(ReportReadError) as refused:
        read_report_bytes(b"\x00\x01binary" * 100, "x.bin")
    assert str(refused.value) == (
        "x.bin is not a text file, PDF, DOCX or ODT: give a report in one of those formats"
    )


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ReportReadError) as refused:
        read_report(tmp_path / "none.pdf")
    assert str(refused.value) == f"{tmp_path / 'none.pdf'} does not exist: check the path"


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_automatic_list_numbers_are_read_as_printed(fmt):
    """Word's and OpenDocument's numbered lists store no number as text."""
    from planwatch.readers import read_document

    path = REPORTS / f"hmp-peterborough-2024.{fmt}"
    document = read_document(path.read_bytes(), path.name)
    paragraphs = document.lines + [
        text for row in document.rows if row.outside_table for text in row.cells[0]
    ]
    assert "About a third of officers were typically unavailable for duty." in " ".join(paragraphs)
    assert not any(text.startswith("1. About") for text in paragraphs)
    assert [c.ref for c in read_report(path).concerns] == [str(n) for n in range(1, 12)]


def test_numbers_in_each_list_format():
    from planwatch.reports_in.numbering import _formatted, numbered

    assert [_formatted(4, kind) for kind in ("decimal", "lowerLetter", "A", "lowerRoman", "I")] == [
        "4",
        "d",
        "D",
        "iv",
        "IV",
    ]
    labelled = [("Intro", None), ("First", "1."), ("Second", "2.")]
    assert numbered(["Intro", "Not in the list", "First", "Second"], labelled) == [
        "Intro",
        "Not in the list",
        "1. First",
        "2. Second",
    ]
