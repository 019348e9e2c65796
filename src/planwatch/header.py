"""The header block above the plan table: establishment, plan, inspection and report dates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planwatch.dates import parse_date_range, parse_day

_SEPARATOR = r"\s*(?:[:\-–—]\s*|\s)"
_ESTABLISHMENT = re.compile(rf"^(?:establishment|prison){_SEPARATOR}(?P<value>.+)$", re.I)
_ACTION_PLAN_FOR = re.compile(r"^action plan\s*[:\-–—]\s*(?P<value>.+)$", re.I)
_PRISON_NAME = re.compile(
    r"^(?:HMP(?:\s*(?:/|&|and)\s*YOI)?|HMYOI|HM\s*YOI|HMIRC|HM Prison|YOI|IRC|STC)\b", re.I
)
_SUBMITTED = re.compile(
    rf"^(?:date\s+)?action plan submitted(?:\s+on)?{_SEPARATOR}?(?P<value>.*)$", re.I
)
# A re-issued plan keeps its first submission date and prints "Revised: <date>" below it.
_REVISED = re.compile(rf"^(?:date\s+)?revised(?:\s+on)?{_SEPARATOR}?(?P<value>.*)$", re.I)
_INSPECTION = re.compile(
    rf"^(?:a response to the hmip inspection(?:\s+of)?|(?:date|dates) of inspection|"
    rf"inspection dates?){_SEPARATOR}?(?P<value>.*)$",
    re.I,
)
_PUBLISHED = re.compile(
    rf"^(?:date\s+)?(?:report published|publication date|report publication date)"
    rf"(?:\s+on)?{_SEPARATOR}?(?P<value>.*)$",
    re.I,
)


@dataclass
class Header:
    """What the header block states; dates are ISO strings or None."""

    establishment: str | None = None
    plan_submitted: str | None = None
    inspection_start: str | None = None
    inspection_end: str | None = None
    report_published: str | None = None
    warnings: list[str] = field(default_factory=list)


def _first(pattern: re.Pattern[str], lines: list[str]) -> str | None:
    for line in lines:
        match = pattern.match(line)
        if match:
            return match["value"].strip()
    return None


def _establishment(lines: list[str]) -> str | None:
    value = _first(_ESTABLISHMENT, lines)
    if value:
        return value
    for line in lines:
        match = _ACTION_PLAN_FOR.match(line)
        # "ACTION PLAN: HMIP REPORT" is a title, not a prison.
        if match and not re.search(r"\b(report|hmip|submitted)\b", match["value"], re.I):
            return match["value"].strip()
    for line in lines:
        if _PRISON_NAME.match(line) and len(line) <= 80:
            return line.strip()
    return None


def read_header(lines: list[str]) -> Header:
    """Read the header block; what cannot be read is None plus a warning, never a guess."""
    header = Header(establishment=_establishment(lines))

    for label, pattern, attribute in (
        ("Action Plan Submitted", _SUBMITTED, "plan_submitted"),
        ("Report Published", _PUBLISHED, "report_published"),
    ):
        value = _first(pattern, lines)
        if value is None:
            header.warnings.append(f"header: no '{label}' date found")
            continue
        day = parse_day(value)
        if day is None:
            header.warnings.append(f"header: '{label}' date '{value}' not understood")
        else:
            setattr(header, attribute, day.isoformat())

    # The version in hand was submitted when it was revised, not when the plan first was.
    revised = _first(_REVISED, lines)
    if revised is not None:
        day = parse_day(revised)
        if day is None:
            header.warnings.append(f"header: 'Revised' date '{revised}' not understood")
        else:
            header.plan_submitted = day.isoformat()

    value = _first(_INSPECTION, lines)
    if value is None:
        header.warnings.append(
            "header: no inspection dates found ('A Response to the HMIP Inspection')"
        )
    else:
        period = parse_date_range(value)
        if period is None:
            header.warnings.append(f"header: inspection dates '{value}' not understood")
        else:
            header.inspection_start = period[0].isoformat()
            header.inspection_end = period[1].isoformat()
    return header
