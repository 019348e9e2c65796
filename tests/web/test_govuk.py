"""The GOV.UK date field: the Design System's wording for each mistake, and the accepted years."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from jinja2 import DictLoader

from planwatch.web import govuk
from planwatch.web.govuk import GovDateField
from planwatch.web.jinja import environment

TWENTY_DIGITS = "12345678901234567890"


class JudgementForm(forms.Form):
    judged_on = GovDateField(label="Date of the judgement")
    evidence_date = GovDateField(required=False)


def form_with(day: str = "", month: str = "", year: str = "", evidence: str = "") -> JudgementForm:
    """The form with the judged_on boxes filled, and evidence_date as "day month year"."""
    data = {"judged_on-day": day, "judged_on-month": month, "judged_on-year": year}
    for part, value in zip(("day", "month", "year"), evidence.split(), strict=False):
        data[f"evidence_date-{part}"] = value
    return JudgementForm(data)


def error_of(form: JudgementForm, name: str = "judged_on") -> tuple[str, str, tuple[str, ...]]:
    assert not form.is_valid()
    [error] = form.errors.as_data()[name]
    return error.messages[0], error.code, error.params["parts"] if error.params else ()


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("27", "3", "2024", datetime.date(2024, 3, 27)),
        ("07", "03", "2024", datetime.date(2024, 3, 7)),
        (" 1 ", " 1 ", " 1990 ", datetime.date(1990, 1, 1)),
        ("31", "12", "2100", datetime.date(2100, 12, 31)),
        ("29", "2", "2024", datetime.date(2024, 2, 29)),
    ],
)
def test_a_real_date_in_range_is_read(day, month, year, expected):
    form = form_with(day, month, year)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"judged_on": expected, "evidence_date": None}


def test_nothing_entered():
    form = JudgementForm({})
    assert form.errors.as_data()["judged_on"][0].messages == ["Enter the date of the judgement"]
    assert "evidence_date" not in form.errors
    # A field without a label says "a date"; an explicit message wins.
    assert GovDateField().error_messages["required"] == "Enter a date"
    field = GovDateField(label="Day", error_messages={"required": "Enter the day it happened"})
    assert field.error_messages["required"] == "Enter the day it happened"
    assert GovDateField(label="HMIP visit date").error_messages["required"] == (
        "Enter the HMIP visit date"
    )


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "parts"),
    [
        ("27", "", "2024", "Date of the judgement must include a month", ("month",)),
        ("", "3", "2024", "Date of the judgement must include a day", ("day",)),
        ("27", "3", "", "Date of the judgement must include a year", ("year",)),
        ("", "", "2024", "Date of the judgement must include a day and month", ("day", "month")),
        ("27", "", "", "Date of the judgement must include a month and year", ("month", "year")),
    ],
)
def test_an_incomplete_date_names_what_is_missing(day, month, year, message, parts):
    assert error_of(form_with(day, month, year)) == (message, "incomplete", parts)


@pytest.mark.parametrize("year", ["24", "202", "20245", "20x4", "２０２４", TWENTY_DIGITS])
def test_a_year_without_4_numbers(year):
    assert error_of(form_with("27", "3", year)) == (
        "Year must include 4 numbers",
        "year_format",
        ("year",),
    )


@pytest.mark.parametrize("year", ["0000", "1000", "1989", "2101", "9999"])
def test_a_year_out_of_range(year):
    assert error_of(form_with("27", "3", year)) == (
        "Year must be between 1990 and 2100",
        "year_range",
        ("year",),
    )


@pytest.mark.parametrize(
    ("day", "month", "parts"),
    [
        (TWENTY_DIGITS, "3", ("day",)),
        ("27", TWENTY_DIGITS, ("month",)),
        (TWENTY_DIGITS, TWENTY_DIGITS, ("day", "month")),
        ("-1", "3", ("day",)),
        ("27", "March", ("month",)),
        ("٣", "3", ("day",)),
        ("1.5", "3", ("day",)),
    ],
)
def test_a_day_or_month_that_is_not_a_number_of_1_or_2_digits(day, month, parts):
    assert error_of(form_with(day, month, "2024")) == (
        "Date of the judgement must be a real date",
        "invalid",
        parts,
    )


@pytest.mark.parametrize(("day", "month"), [("31", "2"), ("30", "02"), ("0", "3"), ("1", "13")])
def test_a_date_that_does_not_exist(day, month):
    assert error_of(form_with(day, month, "2023")) == (
        "Date of the judgement must be a real date",
        "invalid",
        ("day", "month", "year"),
    )


def test_a_field_without_a_label_says_date():
    form = form_with("27", "3", "2024", evidence="31 2 2024")
    assert error_of(form, "evidence_date")[0] == "Date must be a real date"


def test_twenty_digits_in_every_box_is_an_error_message_not_a_server_error():
    form = form_with(TWENTY_DIGITS, TWENTY_DIGITS, TWENTY_DIGITS)
    assert error_of(form)[0] == "Year must include 4 numbers"
    form = form_with(TWENTY_DIGITS, TWENTY_DIGITS, "2024")
    assert error_of(form)[0] == "Date of the judgement must be a real date"


def rendered_boxes(form: JudgementForm) -> dict[str, str]:
    """Each box of the judged_on field as rendered: its name and its classes."""
    html = str(govuk.field(environment(loader=DictLoader({})), form["judged_on"]))
    return {
        name: classes
        for classes, name in re.findall(
            r'<input\s+class="([^"]*)"\s+id="id_judged_on-\w+"\s+name="judged_on-(\w+)"', html
        )
    }


def test_only_the_boxes_at_fault_are_styled_and_linked_from_the_summary():
    form = form_with("27", "3", "1989")
    boxes = rendered_boxes(form)
    assert [name for name, classes in boxes.items() if "govuk-input--error" in classes] == ["year"]
    assert govuk.error_summary_items(form) == [
        {"text": "Year must be between 1990 and 2100", "href": "#id_judged_on-year"}
    ]

    form = form_with("", "", "2024")
    assert [n for n, c in rendered_boxes(form).items() if "govuk-input--error" in c] == [
        "day",
        "month",
    ]
    assert govuk.error_summary_items(form)[0]["href"] == "#id_judged_on-day"

    # A date that does not exist, or nothing entered: the whole date is in error.
    for form in (form_with("31", "2", "2023"), JudgementForm({})):
        boxes = rendered_boxes(form)
        assert list(boxes) == ["day", "month", "year"]
        assert all("govuk-input--error" in classes for classes in boxes.values())
        assert govuk.error_summary_items(form)[0]["href"] == "#id_judged_on-day"

    # No errors: no box styled.
    assert not any(
        "govuk-input--error" in c for c in rendered_boxes(form_with("1", "2", "2024")).values()
    )


def test_pages_show_stored_dates_they_cannot_read_instead_of_failing():
    assert govuk.format_date("2024-03-27") == "27 March 2024"
    assert govuk.format_date("0000-01-01") == "0000-01-01"
    assert govuk.format_target("0000-01", "January 0000") == "January 0000"
    assert govuk.format_target("0000-01") == "0000-01"
    assert govuk.format_target("2024-13-01", "13/13/2024") == "13/13/2024"
    assert govuk.format_target("2024-07", "Jul 24") == "July 2024"
    assert govuk.format_target("2024-07-31", "31/07/24") == "31 July 2024"
