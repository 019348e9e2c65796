"""The header block: establishment and the three dates, across the variants plans use."""

from __future__ import annotations

from planwatch.header import read_header


def test_seed_style_header():
    header = read_header(
        [
            "HM Prison &",
            "Probation Service",
            "Action Plan: HMP Peterborough (Men)",
            "Action Plan Submitted: 22nd May 2024",
            "A Response to the HMIP Inspection: 8th – 18th January 2024",
            "Report Published: 9th April 2024",
            "ACTION PLAN: HMIP REPORT",
            "ESTABLISHMENT: HMP Peterborough (Men)",
        ]
    )
    assert header.establishment == "HMP Peterborough (Men)"
    assert header.plan_submitted == "2024-05-22"
    assert header.inspection_start == "2024-01-08"
    assert header.inspection_end == "2024-01-18"
    assert header.report_published == "2024-04-09"
    assert header.warnings == []


def test_older_variants_without_colons_and_two_periods():
    header = read_header(
        [
            "ACTION PLAN: HMIP REPORT",
            "HMP Wandsworth",
            "Action Plan Submitted 05 November 2019",
            "A Response to the HMIP Inspection: 24-25th February; 2-6th March 2020",
            "Report Published 19/06/2020",
        ]
    )
    assert header.establishment == "HMP Wandsworth"
    assert header.plan_submitted == "2019-11-05"
    assert (header.inspection_start, header.inspection_end) == ("2020-02-24", "2020-03-06")
    assert header.report_published == "2020-06-19"
    assert header.warnings == []


def test_unreadable_dates_are_null_with_a_warning_never_a_guess():
    header = read_header(
        [
            "Establishment: HMYOI Testshire",
            "Action Plan Submitted: Spring 2024",
            "A Response to the HMIP Inspection: early January",
        ]
    )
    assert header.establishment == "HMYOI Testshire"
    assert header.plan_submitted is None
    assert header.inspection_start is None and header.inspection_end is None
    assert header.report_published is None
    assert header.warnings == [
        "header: 'Action Plan Submitted' date 'Spring 2024' not understood",
        "header: no 'Report Published' date found",
        "header: inspection dates 'early January' not understood",
    ]


def test_no_establishment():
    assert read_header(["ACTION PLAN: HMIP REPORT", "Introduction"]).establishment is None


def test_a_revised_plan_was_submitted_when_it_was_revised():
    lines = [
        "HM Prison &",
        "Probation Service",
        "Action Plan: HMP Peterborough (Men)",
        "Action Plan Submitted: 22nd May 2024",
        "Revised: 3rd September 2024",
        "A Response to the HMIP Inspection: 8th – 18th January 2024",
        "Report Published: 9th April 2024",
    ]
    header = read_header(lines)
    assert header.plan_submitted == "2024-09-03"
    assert header.warnings == []
    lines[4] = "Revised: sometime"
    header = read_header(lines)
    assert header.plan_submitted == "2024-05-22"
    assert header.warnings == ["header: 'Revised' date 'sometime' not understood"]
