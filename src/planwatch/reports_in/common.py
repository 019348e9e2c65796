"""What inspection reports and reviews of progress share: their cover's establishment, dates,
publication date and the names of the healthy prison areas."""

from __future__ import annotations

import re
from collections.abc import Sequence

from planwatch.dates import parse_date_range, parse_day
from planwatch.reports_in.blocks import Block

# The cover is the first few paragraphs; anything later is the report's prose.
COVER_BLOCKS = 20
AREAS = ("safety", "respect", "purposeful activity", "rehabilitation and release planning")
# Older reports called the fourth test "resettlement".
AREA_NAMES = (*AREAS, "resettlement")

_PRISON = re.compile(
    r"\b(?:HMP(?:\s*(?:/|&|and)\s*YOI)?|HMYOI|HM\s*YOI|HMIRC|HM Prison|YOI|IRC|STC)\s+\S.*$",
    re.I,
)
_OF = re.compile(
    r"^report on an? .*?\b(?:inspection|review of progress) (?:of|at)\s*(?P<rest>.*)$", re.I
)
_BY = re.compile(r"^by\s+HM\s+Chief\s+Inspector\s+of\s+Prisons,?\s*", re.I)
_PUBLISHED = re.compile(
    r"^(?:report\s+)?(?:published|publication date)(?:\s+on)?\s*:?\s*(?P<value>.+)$", re.I
)
_DATES = re.compile(r"^\d{1,2}(?:st|nd|rd|th)?\b.*\b\d{4}$")
_NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        )
    )
}


def number(text: str) -> int | None:
    """A count written in figures or words ("11", "six")."""
    text = text.lower()
    if text.isdecimal():
        return int(text)
    return _NUMBER_WORDS.get(text)


def establishment(blocks: Sequence[Block]) -> str | None:
    """The prison the cover names: "Report on an unannounced inspection of" and the name on
    the same or the next line, or the first line that is a prison's name."""
    cover = [block.text for block in blocks[:COVER_BLOCKS] if not block.is_row]
    for index, line in enumerate(cover):
        match = _OF.match(line)
        if match:
            rest = match["rest"].strip()
            if rest:
                return rest
            if index + 1 < len(cover):
                return cover[index + 1]
    for line in cover:
        match = _PRISON.match(line)
        if match and match.start() == 0:
            return line
    return None


def cover_dates(blocks: Sequence[Block]) -> tuple[str, str] | None:
    """The visit's first and last days as the cover prints them ("8–18 January 2024")."""
    for block in blocks[:COVER_BLOCKS]:
        if block.is_row or _PUBLISHED.match(block.text):
            continue
        text = _BY.sub("", block.text)
        if _DATES.match(text):
            found = parse_date_range(text)
            if found:
                return found[0].isoformat(), found[1].isoformat()
    return None


def published(blocks: Sequence[Block]) -> tuple[str | None, str | None]:
    """The publication date the cover prints, as (ISO date, the text as printed)."""
    for block in blocks[:COVER_BLOCKS]:
        match = _PUBLISHED.match(block.text)
        if match and not block.is_row:
            day = parse_day(match["value"])
            return (day.isoformat() if day else None), match["value"].strip()
    return None, None


def area_name(text: str) -> str | None:
    """A healthy prison area as printed, if the text is one."""
    cleaned = " ".join(text.strip(" .:").split())
    return cleaned if cleaned.lower() in AREA_NAMES else None


def establishment_key(name: str) -> str:
    """A prison's name as compared across documents: "HMP Peterborough" on a review's cover
    is "HMP Peterborough (Men)" in the plan; "&" and "and" are one."""
    name = re.sub(r"\([^)]*\)", " ", name.lower()).replace("&", " and ")
    return " ".join(name.split())
