"""Target and header dates: the forms plans use, and property-based round trips."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planwatch.dates import (
    MAX_YEAR,
    MIN_YEAR,
    DateError,
    parse_date_range,
    parse_day,
    parse_iso_date,
    parse_target,
    year_in_range,
)
from planwatch.model import Plan
from planwatch.pipeline import read_plan_bytes
from planwatch.quality import check_plan
from tests.conftest import HEADER_BLOCK, plan_text

MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("July 2024", "2024-07"),
        ("31 July 2024", "2024-07-31"),
        ("31st July 2024", "2024-07-31"),
        ("31/07/2024", "2024-07-31"),
        ("31.07.24", "2024-07-31"),
        ("Sept 2024", "2024-09"),
        ("End of March 2025", "2025-03"),
        ("end March 2025", "2025-03"),
        ("By the end of June 2024", "2024-06"),
        ("Completed", "completed"),
        ("Complete", "completed"),
        ("COMPLETED", "completed"),
        ("Ongoing", "ongoing"),
        ("On-going", "ongoing"),
        (" July\u00a02024 ", "2024-07"),
        ("1/7/24", "2024-07-01"),
    ],
)
def test_target_forms(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    "text", ["", "Q3 2024", "31/02/2024", "ASAP", "TBC", "2024", "Summer 2024", "13/13/2024"]
)
def test_unreadable_targets_are_none(text):
    assert parse_target(text) is None


def _day_forms(day: date) -> list[str]:
    month = MONTH_NAMES[day.month - 1]
    forms = [
        f"{day.day} {month} {day.year}",
        f"{ordinal(day.day)} {month} {day.year}",
        f"{day.day:02d} {month} {day.year}",
        f"{day.day} {month[:3]} {day.year}",
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
    ]
    if 2000 <= day.year <= 2099:
        forms += [
            f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}",
            f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}",
        ]
    return forms


def _month_forms(day: date) -> list[str]:
    month = MONTH_NAMES[day.month - 1]
    forms = [
        f"{month} {day.year}",
        f"{month[:3]} {day.year}",
        f"{month.upper()} {day.year}",
        f"End of {month} {day.year}",
        f"by end of {month} {day.year}",
    ]
    if month == "September":
        forms.append(f"Sept {day.year}")
    return forms


plan_days = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))


@given(day=plan_days, choice=st.integers(min_value=0, max_value=50))
def test_any_day_in_any_day_form_round_trips(day, choice):
    forms = _day_forms(day)
    text = forms[choice % len(forms)]
    assert parse_target(text) == day.isoformat(), text
    assert parse_day(text) == day, text


@given(day=plan_days, choice=st.integers(min_value=0, max_value=50))
def test_any_month_in_any_month_form_round_trips(day, choice):
    forms = _month_forms(day)
    text = forms[choice % len(forms)]
    assert parse_target(text) == f"{day.year:04d}-{day.month:02d}", text


@given(text=st.text(max_size=40))
def test_parse_target_never_raises(text):
    result = parse_target(text)
    assert result is None or result in ("completed", "ongoing") or result[:4].isdigit()


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("8th – 18th January 2024", date(2024, 1, 8), date(2024, 1, 18)),
        ("24-25th February; 2-6th March 2020", date(2020, 2, 24), date(2020, 3, 6)),
        ("1 – 12 July 2019", date(2019, 7, 1), date(2019, 7, 12)),
        ("29 April to 10 May 2019", date(2019, 4, 29), date(2019, 5, 10)),
        ("30 December 2019 – 10 January 2020", date(2019, 12, 30), date(2020, 1, 10)),
        ("30 December – 10 January 2020", date(2019, 12, 30), date(2020, 1, 10)),
        ("14 October 2021", date(2021, 10, 14), date(2021, 10, 14)),
    ],
)
def test_inspection_periods(text, start, end):
    assert parse_date_range(text) == (start, end)


@pytest.mark.parametrize("text", ["", "January 2024", "8th – 18th", "soon", "31st February 2024"])
def test_unreadable_inspection_periods_are_none(text):
    assert parse_date_range(text) is None


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    length=st.integers(min_value=0, max_value=20),
)
def test_any_inspection_period_round_trips(start, length):
    from datetime import timedelta

    end = start + timedelta(days=length)
    if (start.year, start.month) == (end.year, end.month):
        text = f"{ordinal(start.day)} – {ordinal(end.day)} {MONTH_NAMES[end.month - 1]} {end.year}"
    else:
        text = (
            f"{start.day} {MONTH_NAMES[start.month - 1]} – "
            f"{end.day} {MONTH_NAMES[end.month - 1]} {end.year}"
        )
    assert parse_date_range(text) == (start, end), text


# --- the years planwatch accepts ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-22", date(2024, 5, 22)),
        ("1990-01-01", date(1990, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)),
        (" 2024-02-29 ", date(2024, 2, 29)),
    ],
)
def test_parse_iso_date_reads_dates_in_range(text, expected):
    assert parse_iso_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1989-12-31", "'1989-12-31': the year must be between 1990 and 2100"),
        ("2101-01-01", "'2101-01-01': the year must be between 1990 and 2100"),
        ("0000-01-01", "'0000-01-01': the year must be between 1990 and 2100"),
        ("9999-12-31", "'9999-12-31': the year must be between 1990 and 2100"),
        ("2024-02-30", "'2024-02-30' is not a real date"),
        ("2024-13-01", "'2024-13-01' is not a real date"),
        ("12345678901234567890", "'12345678901234567890' is not a date in the form YYYY-MM-DD"),
        (
            "12345678901234567890-01-01",
            "'12345678901234567890-01-01' is not a date in the form YYYY-MM-DD",
        ),
        ("", "'' is not a date in the form YYYY-MM-DD"),
        ("soon", "'soon' is not a date in the form YYYY-MM-DD"),
        ("2024-5-22", "'2024-5-22' is not a date in the form YYYY-MM-DD"),
        ("22/05/2024", "'22/05/2024' is not a date in the form YYYY-MM-DD"),
        ("20240522", "'20240522' is not a date in the form YYYY-MM-DD"),
        ("2024-05-22T10:00", "'2024-05-22T10:00' is not a date in the form YYYY-MM-DD"),
        ("２０２４-05-22", "'２０２４-05-22' is not a date in the form YYYY-MM-DD"),
        ("2024-05-22\nX", "'2024-05-22 X' is not a date in the form YYYY-MM-DD"),
        ("9" * 60, f"'{'9' * 39}…' is not a date in the form YYYY-MM-DD"),
    ],
)
def test_parse_iso_date_refuses_with_a_one_line_message(text, message):
    with pytest.raises(DateError) as raised:
        parse_iso_date(text)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


@given(text=st.text(max_size=30))
def test_parse_iso_date_returns_a_date_in_range_or_raises_date_error(text):
    try:
        day = parse_iso_date(text)
    except DateError as error:
        assert "\n" not in str(error)
    else:
        assert MIN_YEAR <= day.year <= MAX_YEAR


def test_the_accepted_years():
    assert (MIN_YEAR, MAX_YEAR) == (1990, 2100)
    assert [year_in_range(year) for year in (1989, 1990, 2100, 2101)] == [
        False,
        True,
        True,
        False,
    ]


TWENTY_DIGITS = "12345678901234567890"


@pytest.mark.parametrize(
    "text",
    [
        "January 0000",
        "December 1989",
        "January 2101",
        "31/12/9999",
        "01/01/0000",
        "31st December 9999",
        f"January {TWENTY_DIGITS}",
        f"31/12/{TWENTY_DIGITS}",
        f"{TWENTY_DIGITS}/12/2024",
        f"31/{TWENTY_DIGITS}/2024",
    ],
)
def test_dates_with_a_year_out_of_range_are_unreadable(text):
    assert parse_target(text) is None
    assert parse_day(text) is None


def test_the_first_and_last_accepted_years_are_read():
    assert parse_target("January 1990") == "1990-01"
    assert parse_target("December 2100") == "2100-12"
    assert parse_target("31/12/2100") == "2100-12-31"
    assert parse_day("1st January 1990") == date(1990, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "8th – 18th January 9999",
        "8th – 18th January 0000",
        "30 December 1989 – 10 January 1990",
        "30 December – 10 January 1990",
        f"8th – 18th January {TWENTY_DIGITS}",
    ],
)
def test_inspection_periods_with_a_year_out_of_range_are_unreadable(text):
    assert parse_date_range(text) is None


@given(year=st.integers(min_value=0, max_value=10**20), day=st.integers(1, 31))
def test_no_year_out_of_range_is_ever_read(year, day):
    for text in (f"January {year}", f"{day}/01/{year}", f"{day} January {year}"):
        target = parse_target(text)
        assert target is None or MIN_YEAR <= int(target[:4]) <= MAX_YEAR, text


# --- through the reader ---------------------------------------------------------------


def test_a_plan_with_dates_out_of_range_reads_them_as_unreadable():
    header = HEADER_BLOCK.replace("22nd May 2024", "31/12/9999").replace(
        "8th – 18th January 2024", "8th – 18th January 0000"
    )
    text = plan_text(
        "\tKey concerns\t\t\t",
        "1\tA concern.\tThe Head of Safety will publish a strategy.\tHead of Safety\tJanuary 0000",
        "2\tAnother.\tThe Governor will chair a meeting.\tGovernor\t31/12/9999",
        f"3\tA third.\tThe Head of Residence will audit cells.\tHead of Residence\t"
        f"January {TWENTY_DIGITS}",
        header=header,
    )
    plan = read_plan_bytes(text.encode(), "plan.txt")
    assert (plan.plan_submitted, plan.inspection_start, plan.inspection_end) == (
        None,
        None,
        None,
    )
    assert plan.report_published == "2024-04-09"
    assert [(a.target_text, a.target) for a in plan.actions] == [
        ("January 0000", None),
        ("31/12/9999", None),
        (f"January {TWENTY_DIGITS}", None),
    ]
    assert plan.warnings == [
        "header: 'Action Plan Submitted' date '31/12/9999' not understood",
        "header: inspection dates '8th – 18th January 0000' not understood",
        "concern 1 action 1: target date 'January 0000' not understood",
        "concern 2 action 1: target date '31/12/9999' not understood",
        f"concern 3 action 1: target date 'January {TWENTY_DIGITS}' not understood",
    ]
    # The quality check reads the plan without failing: three unreadable targets.
    findings = check_plan(plan).findings
    assert [(f.rule, f.concern_ref) for f in findings if "target" in f.rule] == [
        ("unreadable-target", "1"),
        ("unreadable-target", "2"),
        ("unreadable-target", "3"),
    ]


def test_the_quality_check_treats_out_of_range_dates_in_plan_json_as_unreadable():
    # Plan JSON comes from outside too: the rules must not fail on what the reader refuses.
    plan = Plan.from_dict(
        {
            "establishment": "HMP Test",
            "plan_submitted": "9999-12-31",
            "report_published": "0000-01-01",
            "concerns": [
                {
                    "ref": "1",
                    "category": "key",
                    "text": "A concern.",
                    "actions": [
                        {"text": "A.", "owner": "X", "target_text": "Jan 0", "target": "0000-01"},
                        {"text": "B.", "owner": "X", "target_text": "x", "target": "2024-13"},
                        {"text": "C.", "owner": "X", "target_text": "x", "target": "9999-12-31"},
                        {
                            "text": "D.",
                            "owner": "X",
                            "target_text": "July 2024",
                            "target": "2024-07",
                        },
                    ],
                }
            ],
        }
    )
    findings = check_plan(plan).findings
    assert [(f.rule, f.action_number) for f in findings if "target" in f.rule] == [
        ("unreadable-target", 1),
        ("unreadable-target", 2),
        ("unreadable-target", 3),
    ]
    assert [f for f in findings if f.rule == "plan-timeliness"] == []


# --- financial-year quarters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q1 2024/25", "2024-06"),
        ("Q2 2024/25", "2024-09"),
        ("Q3 2024/25", "2024-12"),
        ("Q4 2024/25", "2025-03"),
        ("Q1 25/26", "2025-06"),
        ("Quarter 4 2024-25", "2025-03"),
        ("Q4 2024/2025", "2025-03"),
        ("End of Q2 FY24/25", "2024-09"),
        ("by end of Q3 2024/25", "2024-12"),
        ("Q2 of 2024/25", "2024-09"),
        ("Qtr 1 2025-26", "2025-06"),
        ("q3 2024 / 25", "2024-12"),
        ("Q4 2099/00", "2100-03"),
        ("Q3 1990/91", "1990-12"),
    ],
)
def test_financial_year_quarters_are_their_last_month(text, expected):
    assert parse_target(text) == expected
    assert parse_target(text, date(2024, 5, 22)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Q3 2024",  # a calendar or financial year? Not said: unreadable
        "Q3 2024/26",  # not one financial year
        "Q3 2025/24",
        "Q5 2024/25",
        "Q0 2024/25",
        "Q4 2100/01",  # ends in March 2101, after MAX_YEAR
        "Q1 1989/90",  # ends in June 1989, before MIN_YEAR
        "Q3",  # no year and no submission date to place it by
        "by end of Q2",
    ],
)
def test_unreadable_quarters_are_none(text):
    assert parse_target(text) is None


@pytest.mark.parametrize(
    ("text", "submitted", "expected"),
    [
        ("by end of Q2", date(2024, 5, 22), "2024-09"),
        ("by end of Q1", date(2024, 5, 22), "2024-06"),
        ("End of Q3", date(2024, 5, 22), "2024-12"),
        ("Q4", date(2024, 5, 22), "2025-03"),
        ("by end of Q1", date(2024, 6, 30), "2024-06"),  # on or after: the quarter's own end
        ("by end of Q1", date(2024, 7, 1), "2025-06"),
        ("Quarter 4", date(2024, 2, 10), "2024-03"),
        ("by end of Q2", date(2100, 10, 1), None),  # the next one, in 2101, is out of range
    ],
)
def test_a_quarter_without_a_year_is_the_next_one_after_submission(text, submitted, expected):
    assert parse_target(text, submitted) == expected


def test_a_plan_reads_quarters_and_keeps_the_printed_text():
    text = plan_text(
        "\tKey concerns\t\t\t",
        "1\tA concern.\tThe Head of Safety will publish a strategy.\tHead of Safety\tQ3 2024/25",
        "2\tAnother.\tThe Governor will chair a meeting.\tGovernor\tby end of Q2",
        "3\tA third.\tThe Head of Residence will audit cells.\tHead of Residence\tQ1 25/26",
    )
    plan = read_plan_bytes(text.encode(), "plan.txt")
    actions = [action for concern in plan.concerns for action in concern.actions]
    assert [(a.target_text, a.target) for a in actions] == [
        ("Q3 2024/25", "2024-12"),
        ("by end of Q2", "2024-09"),
        ("Q1 25/26", "2025-06"),
    ]
    assert plan.warnings == [
        "concern 2 action 1: target 'by end of Q2' gives no year; read as the end of Q2 next "
        "after the plan's submission (2024-09)"
    ]
    assert not [f for f in check_plan(plan).findings if f.rule == "unreadable-target"]


def test_a_quarter_without_a_year_in_a_plan_without_a_submission_date_is_unreadable():
    header = HEADER_BLOCK.replace("Action Plan Submitted: 22nd May 2024\n\n", "")
    text = plan_text(
        "\tKey concerns\t\t\t",
        "1\tA concern.\tThe Governor will chair a meeting.\tGovernor\tby end of Q2",
        header=header,
    )
    plan = read_plan_bytes(text.encode(), "plan.txt")
    action = plan.concerns[0].actions[0]
    assert (action.target_text, action.target) == ("by end of Q2", None)
    assert plan.warnings[-1] == (
        "concern 1 action 1: target 'by end of Q2' gives no year and the plan has no readable "
        "submission date to place it by: left unreadable"
    )
    assert [f.rule for f in check_plan(plan).findings if f.rule == "unreadable-target"] == [
        "unreadable-target"
    ]
