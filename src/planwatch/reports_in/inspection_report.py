"""Read an HMIP inspection report into its numbered concerns: priority and key concerns
(reports since May 2022) or recommendations (older reports), each as printed."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath
from typing import Any

from planwatch.reports_in import ReportReadError, common
from planwatch.reports_in.blocks import Block, load_document, read_blocks

_SECTION = re.compile(r"^(?P<kind>priority|key) concerns\s*:?$", re.I)
_NUMBERED = re.compile(r"^(?P<ref>\d{1,2})[.)]?\s+(?P<text>\S.*)$")
_AREA_LINE = re.compile(
    r"^\(?\s*(?:healthy\s+prison\s+)?area\s*:\s*(?P<area>[^,;()]+?)\s*"
    r"(?:[,;.]\s*(?P<expectation>expectations?\b.*?))?\s*\)?\.?$",
    re.I,
)
_AREA_BRACKETS = re.compile(
    r"^\(\s*(?P<area>[^,;()]+?)\s*(?:[,;]\s*(?P<expectation>expectations?\b.*?))?\s*\)\.?$", re.I
)
_EXPECTATION = re.compile(r"^expectations?\b\s*:?\s*(?P<value>.+?)\.?$", re.I)
_COUNTS = re.compile(
    r"identified\s+(?P<total>\w+)\s+key\s+concerns,?\s+of\s+which\s+(?P<priority>\w+)\s+"
    r"(?:should\s+be\s+treated\s+as|are|were)\s+priorit",
    re.I,
)
_SUMMARY = re.compile(r"^(?:section\s+\d+\.?\s*)?summary of recommendations\b", re.I)
_MAIN = re.compile(r"^main recommendations\s*:?$", re.I)
_OTHER = re.compile(r"^(?:other\s+)?recommendations\s*:?$", re.I)
_GOOD_PRACTICE = re.compile(r"^(?:examples of )?(?:good|notable positive) practice\b", re.I)
_ADDRESSEE = re.compile(r"^to (?:the |hmpps|hm )", re.I)
_LISTED = re.compile(r"^(?P<number>\d{1,2}\.\d{1,3}|\d{1,3})\.?\s+(?P<text>\S.*)$")
_REFERENCE = re.compile(r"\s*\((?P<ref>[A-Z]{0,2}\d+(?:\.\d+)?)(?:[,;][^()]*)?\)\.?$")
# A sentence is complete when it ends so; anything else carries on in the next paragraph
# (a paragraph cut by a page break in a PDF).
_COMPLETE = re.compile(r"""[.!?:;)"”’']$""")


@dataclass
class ReportConcern:
    """One concern or recommendation as the report numbers and words it."""

    ref: str
    category: str  # "priority", "key" or "recommendation"
    text: str
    area: str | None = None  # the healthy prison area, where printed
    expectation: str | None = None  # the expectation it refers to (number or words), if printed
    main: bool = False  # a main recommendation (reports before May 2022)


@dataclass
class InspectionReport:
    """An inspection report's cover and its concerns, with every inference as a warning."""

    establishment: str | None = None
    inspection_start: str | None = None
    inspection_end: str | None = None
    report_published: str | None = None
    layout: str = "concerns"  # "concerns" (since May 2022) or "recommendations"
    concerns: list[ReportConcern] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _complete(text: str) -> bool:
    return bool(_COMPLETE.search(text))


def _expectation(text: str | None) -> str | None:
    if not text:
        return None
    match = _EXPECTATION.match(text.strip())
    return match["value"].strip() if match else None


def _area_and_expectation(text: str) -> tuple[str, str | None] | None:
    """("Safety", "3") from "Area: Safety, expectation 3", "(Safety, expectation 3)" and the
    like; None when the paragraph is not such a line."""
    match = _AREA_LINE.match(text)
    if match:
        return match["area"].strip(), _expectation(match["expectation"])
    match = _AREA_BRACKETS.match(text)
    if match and common.area_name(match["area"]):
        return match["area"].strip(), _expectation(match["expectation"])
    return None


class _Concerns:
    """The priority and key concerns lists: numbered paragraphs under their headings, each
    perhaps followed by the area and expectation it refers to."""

    def __init__(self, report: InspectionReport) -> None:
        self.report = report
        self.category: str | None = None
        self.current: ReportConcern | None = None
        self.done = False
        self.counts: tuple[int, int] | None = None

    def feed(self, block: Block) -> None:
        text = block.text
        if self.counts is None and (found := _COUNTS.search(text)):
            total, priority = common.number(found["total"]), common.number(found["priority"])
            if total is not None and priority is not None:
                self.counts = (total, priority)
        section = _SECTION.match(text)
        if section:
            if self.done:
                return  # the list repeated later in the report (a summary section)
            self.category = section["kind"].lower()
            self.current = None
            return
        if self.category is None or block.is_row:
            if block.is_row and self.category is not None:
                self._end()
            return
        numbered = _NUMBERED.match(text)
        if numbered and (self.current is None or _complete(self.current.text)):
            self.current = ReportConcern(numbered["ref"], self.category, numbered["text"])
            self.report.concerns.append(self.current)
            return
        if self.current is None:
            return  # the section's introduction
        placed = _area_and_expectation(text)
        if placed is not None:
            self.current.area, expectation = placed
            self.current.expectation = expectation or self.current.expectation
            return
        expectation = _expectation(text) if _EXPECTATION.match(text) else None
        if expectation is not None:
            self.current.expectation = expectation
            return
        # A paragraph that carries on the concern: one cut short, or (from a PDF's layout,
        # where a numbered paragraph's first line may stand apart) any but a heading.
        if (
            not _complete(self.current.text)
            or text[:1].islower()
            or (block.from_layout and _complete(text))
        ):
            self.current.text = f"{self.current.text} {text}"
            return
        self._end()

    def _end(self) -> None:
        if self.category == "key" or (self.category and self.report.concerns):
            self.done = self.category == "key"
        self.category = None
        self.current = None


class _Recommendations:
    """The summary of recommendations of older reports: main recommendations, then the
    others under their healthy prison areas, each ending with its reference in brackets."""

    def __init__(self, report: InspectionReport) -> None:
        self.report = report
        self.started = False
        self.main = False
        self.area: str | None = None
        self.open: ReportConcern | None = None  # an item whose reference is still to come
        self.stopped = False

    def feed(self, block: Block) -> None:
        text = block.text
        if not self.started:
            self.started = bool(_SUMMARY.match(text))
            return
        if self.stopped or block.is_row:
            return
        if _MAIN.match(text):
            self._close()
            self.main, self.area = True, None
            return
        if _OTHER.match(text):
            self._close()
            self.main, self.area = False, None
            return
        if _GOOD_PRACTICE.match(text):
            self._close()
            self.stopped = True
            return
        listed = _LISTED.match(text)
        if listed:
            self._close()
            self.open = ReportConcern(
                listed["number"], "recommendation", listed["text"], self.area, main=self.main
            )
            self._finish_if_referenced()
            return
        if self.open is not None:
            self.open.text = f"{self.open.text} {text}"
            self._finish_if_referenced()
            return
        area = common.area_name(text)
        if area is not None:
            self.area = area
        # Addressees ("To the governor") and topics ("Security") head what follows.

    def _finish_if_referenced(self) -> None:
        assert self.open is not None
        match = _REFERENCE.search(self.open.text)
        if match:
            self.open.ref = match["ref"]
            self.open.text = self.open.text[: match.start()].strip()
            self.report.concerns.append(self.open)
            self.open = None

    def _close(self) -> None:
        if self.open is not None:
            self.report.warnings.append(
                f"Recommendation {self.open.ref} has no reference in brackets after it: it is "
                "numbered as it is listed; correct the number on the draft if the plan uses "
                "another"
            )
            self.report.concerns.append(self.open)
            self.open = None

    def finish(self) -> None:
        self._close()


def _check_numbering(report: InspectionReport, counts: tuple[int, int] | None) -> None:
    seen: set[str] = set()
    kept: list[ReportConcern] = []
    previous: int | None = None
    for concern in report.concerns:
        if concern.ref in seen:
            report.warnings.append(
                f"Concern {concern.ref} is numbered twice in the report; the second "
                f"(“{concern.text[:60]}”) was left out: add it on the draft with its own number"
            )
            continue
        seen.add(concern.ref)
        kept.append(concern)
        if report.layout == "concerns" and concern.ref.isdecimal():
            number = int(concern.ref)
            if previous is not None and number != previous + 1:
                report.warnings.append(
                    f"Concern {number} follows concern {previous}: check that no concern "
                    "between them was missed"
                )
            previous = number
    report.concerns = kept
    if counts is not None and report.layout == "concerns":
        total, priority = counts
        read_priority = sum(c.category == "priority" for c in report.concerns)
        if (total, priority) != (len(report.concerns), read_priority):
            report.warnings.append(
                f"The report says it identified {total} key concerns, {priority} of them "
                f"priorities, but {len(report.concerns)} were read, {read_priority} of them "
                "priorities: check the draft against the report"
            )


def parse_report(blocks: Sequence[Block], name: str) -> InspectionReport:
    """The report's cover and concerns from its paragraphs and rows."""
    report = InspectionReport(establishment=common.establishment(blocks))
    dates = common.cover_dates(blocks)
    if dates:
        report.inspection_start, report.inspection_end = dates
    published, printed = common.published(blocks)
    report.report_published = published
    concerns, recommendations = _Concerns(report), _Recommendations(report)
    for block in blocks:
        concerns.feed(block)
    if not report.concerns:
        report.layout = "recommendations"
        for block in blocks:
            recommendations.feed(block)
        recommendations.finish()
    if not report.concerns:
        raise ReportReadError(
            f"{name}: no numbered priority or key concerns, nor a summary of recommendations, "
            "were found in it: give an HMIP inspection report"
        )
    _check_numbering(report, concerns.counts)
    if report.establishment is None:
        report.warnings.append(
            "The establishment's name was not found on the report's cover: choose it on the draft"
        )
    if dates is None:
        report.warnings.append("The inspection's dates were not found on the report's cover")
    if published is None:
        report.warnings.append(
            f"The report's publication date ({printed}) could not be read: enter it on the "
            "draft's dates page"
            if printed
            else "The report does not print its publication date: enter it on the draft's "
            "dates page"
        )
    return report


def read_report_bytes(data: bytes, name: str) -> InspectionReport:
    """Read an inspection report from a file's bytes (PDF, DOCX, ODT or text)."""
    display = PurePath(name).name
    return parse_report(read_blocks(data, display), display)


def read_report(path: str | Path) -> InspectionReport:
    """Read an inspection report file; raises ReportReadError with a one-line message."""
    path = Path(path)
    return read_report_bytes(load_document(path, "report"), str(path))
