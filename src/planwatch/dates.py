"""Header dates and target dates as UK plans write them (day first), normalised to ISO forms."""

from __future__ import annotations

import re
from datetime import date

# The years planwatch accepts anywhere: in plans it reads, query strings, imports and forms.
# Inspection action plans began long after 1990; a target after 2100 is a typing mistake.
# A date outside these years is unreadable, like any other date that cannot be read, so
# that nothing downstream has to cope with year 0 or 9999 (date arithmetic overflows there).
MIN_YEAR = 1990
MAX_YEAR = 2100


class DateError(ValueError):
    """A date planwatch cannot accept; str() of it is a one-line message for people."""


def year_in_range(year: int) -> bool:
    """Whether planwatch accepts dates in this year (MIN_YEAR to MAX_YEAR)."""
    return MIN_YEAR <= year <= MAX_YEAR


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)


def _shown(text: str, limit: int = 40) -> str:
    """The text as a message quotes it: on one line, and not too long."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def parse_iso_date(text: str) -> date:
    """Read an ISO date ("2024-05-22"), as from a query string, a form or an import.

    Raises DateError, with a one-line message, for anything else: another format, a day
    that does not exist, or a year outside MIN_YEAR to MAX_YEAR.
    """
    match = _ISO_DATE.fullmatch(text.strip())
    if match is None:
        raise DateError(f"{_shown(text)} is not a date in the form YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    if not year_in_range(year):
        raise DateError(f"{_shown(text)}: the year must be between {MIN_YEAR} and {MAX_YEAR}")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"{_shown(text)} is not a real date") from None


MONTHS = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
# Words people put before a target date that do not change it ("By end of July 2024").
_LEAD = r"(?:(?:by|before|from)\s+)?(?:(?:the\s+)?(?:end|close)\s+(?:of\s+)?)?"

_DAY_MONTH_NAME = re.compile(rf"^{_LEAD}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}$", re.I)
_DAY_NUMERIC = re.compile(
    rf"^{_LEAD}{_DAY}\s*(?P<sep>[/.\-])\s*(?P<month>\d{{1,2}})\s*(?P=sep)\s*{_YEAR}$", re.I
)
_MONTH_YEAR = re.compile(rf"^{_LEAD}{_MONTH}[\s\-,]+{_YEAR}$", re.I)
_COMPLETED = re.compile(r"^(?:completed?|done|achieved)\b", re.I)
_ONGOING = re.compile(r"^(?:on[\s\-]?going|continuous|continual)\b", re.I)


def _year(text: str) -> int:
    value = int(text)
    # Two-digit years in these plans are always this century ("31.07.24").
    return value + 2000 if len(text) == 2 else value


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    return text.rstrip(".").strip()


def parse_day(text: str) -> date | None:
    """Read one full date ("22nd May 2024", "22/05/2024", "22.05.24").

    None if it is not one, or if its year is outside MIN_YEAR to MAX_YEAR.
    """
    cleaned = _clean(text)
    for pattern in (_DAY_MONTH_NAME, _DAY_NUMERIC):
        match = pattern.match(cleaned)
        if match:
            month_text = match["month"].lower()
            month = MONTHS[month_text] if month_text in MONTHS else int(month_text)
            year = _year(match["year"])
            if not year_in_range(year):
                return None
            try:
                return date(year, month, int(match["day"]))
            except ValueError:
                return None
    return None


# Financial-year quarters (the UK government's year, April to March): "Q3 2024/25",
# "Q1 25/26", "Quarter 4 2024-25", "end of Q2 FY2024/25", "by end of Q2" (no year).
_QUARTER = re.compile(
    rf"^{_LEAD}(?:q|quarter|qtr)\s*(?P<quarter>[1-4])"
    r"(?:(?:\s+of)?\s+(?:fy\s*|financial\s+year\s+)?"
    r"(?P<first>\d{4}|\d{2})\s*[/\-–]\s*(?P<second>\d{4}|\d{2}))?$",
    re.I,
)
# The month each quarter of the financial year ends in, and whether that month falls in
# the financial year's second calendar year (Q4 ends in March of the second year).
QUARTER_ENDS = {1: (6, 0), 2: (9, 0), 3: (12, 0), 4: (3, 1)}


def quarter_end(quarter: int, first_year: int) -> str | None:
    """The month ("YYYY-MM") ending quarter 1-4 of the financial year starting in April of
    `first_year`; None when that month's year is outside MIN_YEAR to MAX_YEAR."""
    month, offset = QUARTER_ENDS[quarter]
    year = first_year + offset
    return f"{year:04d}-{month:02d}" if year_in_range(year) else None


def next_quarter_end(quarter: int, on_or_after: date) -> str | None:
    """The first end of quarter 1-4 (of any financial year) in or after the month of
    `on_or_after`: "by end of Q2" in a plan submitted in May 2024 is September 2024."""
    month, _ = QUARTER_ENDS[quarter]
    year = on_or_after.year if month >= on_or_after.month else on_or_after.year + 1
    return f"{year:04d}-{month:02d}" if year_in_range(year) else None


def yearless_quarter(text: str) -> int | None:
    """The quarter named by a target that gives no year ("by end of Q2"), else None."""
    match = _QUARTER.match(_clean(text))
    if match is None or match["first"] is not None:
        return None
    return int(match["quarter"])


def _quarter_target(cleaned: str, submitted: date | None) -> str | None:
    match = _QUARTER.match(cleaned)
    if match is None:
        return None
    quarter = int(match["quarter"])
    if match["first"] is None:
        return next_quarter_end(quarter, submitted) if submitted is not None else None
    first = _year(match["first"])
    second = int(match["second"])
    if len(match["second"]) == 2:
        # "2099/00": the second year's last two digits, in the century that follows.
        second += first // 100 * 100
        if second < first:
            second += 100
    # "2024/25" is one financial year: the second year must follow the first.
    if second != first + 1:
        return None
    return quarter_end(quarter, first)


def parse_target(text: str, submitted: date | None = None) -> str | None:
    """Normalise a target date cell.

    Returns "YYYY-MM-DD" for a day, "YYYY-MM" for a month (a financial-year quarter is its
    last month: "Q3 2024/25" is "2024-12"), "completed", "ongoing", or None when the text
    is none of these or its year is outside MIN_YEAR to MAX_YEAR (the caller keeps the
    text and warns). A quarter without a year ("by end of Q2") is the first end of that
    quarter in or after the month of `submitted`, the plan's submission; None without it.
    """
    cleaned = _clean(text)
    if not cleaned:
        return None
    quarter = _quarter_target(cleaned, submitted)
    if quarter is not None:
        return quarter
    if _COMPLETED.match(cleaned):
        return "completed"
    if _ONGOING.match(cleaned):
        return "ongoing"
    day = parse_day(cleaned)
    if day is not None:
        return day.isoformat()
    match = _MONTH_YEAR.match(cleaned)
    if match:
        year = _year(match["year"])
        if year_in_range(year):
            return f"{year:04d}-{MONTHS[match['month'].lower()]:02d}"
    return None


# A token in a date range: a day, a month name or a year.
_RANGE_TOKEN = re.compile(
    r"(?P<year>\b\d{4}\b)|(?P<day>\b\d{1,2})(?:st|nd|rd|th)?\b|(?P<month>\b[A-Za-z]+\b)"
)


def parse_date_range(text: str) -> tuple[date, date] | None:
    """Read inspection dates such as "8th – 18th January 2024" or
    "24-25th February; 2-6th March 2020" into (first day, last day).

    Days without a month or year take them from the next day that states them,
    as people write ranges. Returns None if any day cannot be placed.
    """
    parts: list[dict[str, int | None]] = []
    for match in _RANGE_TOKEN.finditer(text):
        if match["day"]:
            parts.append({"day": int(match["day"]), "month": None, "year": None})
        elif match["month"]:
            month = MONTHS.get(match["month"].lower())
            if month is None:
                continue  # a word such as "and" or "to"
            if not parts or parts[-1]["month"] is not None:
                return None  # a month with no day before it
            parts[-1]["month"] = month
        elif match["year"]:
            if not parts or parts[-1]["month"] is None:
                return None
            # The year belongs to every preceding day that has none yet.
            for part in parts:
                if part["year"] is None:
                    part["year"] = int(match["year"])
    if not parts:
        return None
    # Fill months backwards: "8th – 18th January" means 8 January.
    next_month: int | None = None
    for part in reversed(parts):
        if part["month"] is None:
            part["month"] = next_month
        next_month = part["month"]
    if any(part["month"] is None or part["year"] is None for part in parts):
        return None
    try:
        days = [date(int(p["year"]), int(p["month"]), int(p["day"])) for p in parts]  # type: ignore[arg-type]
    except ValueError:
        return None
    # "30 December – 10 January 2020": the year written once belongs to the last day.
    for index in range(len(days) - 2, -1, -1):
        if days[index] > days[index + 1]:
            try:
                days[index] = days[index].replace(year=days[index].year - 1)
            except ValueError:
                return None
    if any(days[i] > days[i + 1] for i in range(len(days) - 1)):
        return None
    if not all(year_in_range(day.year) for day in days):
        return None
    return days[0], days[-1]
