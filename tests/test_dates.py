"""Target and header dates: the forms plans use, and property-based round trips."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planwatch.dates import parse_date_range, parse_day, parse_target

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
