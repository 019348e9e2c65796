"""Rows of cells -> plan: columns, sections, continuations, page-break fragments, alignment."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from planwatch.dates import parse_target, yearless_quarter
from planwatch.errors import PlanReadError
from planwatch.header import read_header
from planwatch.model import Action, Concern, Plan
from planwatch.readers.cells import Cell, Document, Row, collapse

EXPECTED_COLUMNS = (
    "Concern No, Concerns, Response Action Taken/Planned, Responsible Owner, Target Date"
)

# Column titles by what they hold. Order matters: "Responsible Owner" is an owner column
# although it contains "respons", and "Concern No" is the ref column.
_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("owner", re.compile(r"owner|responsib|\blead\b|function|accountab", re.I)),
    ("target", re.compile(r"target|date|timescale|deadline|\bdue\b|completion", re.I)),
    # "Concer nNo": a title broken at the cell's edge and run together by OCR.
    ("ref", re.compile(r"\b(no|ref|number|num)\b|^#$|(?-i:[a-z]No\.?$)", re.I)),
    ("agreement", re.compile(r"agree|accept|reject", re.I)),
    ("action", re.compile(r"action|response|planned|taken", re.I)),
    ("concern", re.compile(r"concern|recommendation|finding|issue", re.I)),
)
_NUMBERING = re.compile(r"^\s*\d+\s*[.)]\s*")
_SECTION = re.compile(
    r"^(?:(?P<priority>priority\s+concerns?)|(?P<key>key\s+concerns?)|"
    r"(?P<recommendation>(?:main\s+|other\s+|key\s+)?recommendations?))\s*:?$",
    re.I,
)
# Older plans group their recommendations under HMIP's healthy prison areas, with a section
# row naming the area ("Safety", "Recommendations: Respect", "Resettlement" before 2017).
# Words may run together where a narrow cell wrapped them ("Purposefulactivity" in some
# tagged PDFs), so the spaces between them are optional.
_AREA_NAMES: tuple[tuple[str, str], ...] = (
    ("safety", r"safety"),
    ("respect", r"respect"),
    ("purposeful_activity", r"purposeful\s*activity"),
    (
        "rehabilitation_release",
        r"(?:rehabilitation\s*(?:and|&)\s*release(?:\s*planning)?|resettlement)",
    ),
)
_AREA_SECTION = re.compile(
    r"^(?:(?:main\s+|other\s+|further\s+)?recommendations?\s*(?:[:\-–—]|\bfor\b|\bon\b)\s*)?"
    r"(?:healthy\s+prison\s+(?:test|area)\s*[:\-–—]?\s*)?"
    r"(?:" + "|".join(f"(?P<{key}>{pattern})" for key, pattern in _AREA_NAMES) + r")"
    r"(?:\s+recommendations?)?\s*:?$",
    re.I,
)
_JUNK = re.compile(r"^[\s\-–—_.=*•|]*$")
_SENTENCE_END = re.compile(r"[.!?:;)\"'’”]$")
_AGREEMENT = (
    (re.compile(r"^(partly|partially|part)\s+(agreed|accepted)", re.I), "partly agreed"),
    (re.compile(r"^(not\s+(agreed|accepted)|rejected|disagreed)", re.I), "not agreed"),
    (re.compile(r"^(agreed|accepted)", re.I), "agreed"),
)
_OCR_REF = re.compile(r"^\$(?=\d)")
_SMALL_WORDS = {"of", "and", "the", "for", "&", "in", "on"}


def is_section_heading(text: str) -> bool:
    """Whether a paragraph is a section heading ("Priority concerns", "Recommendations")."""
    return _SECTION.match(collapse(text)) is not None


def column_role(title: str) -> str | None:
    """What a column holds, from its header title; None if it is not a plan column."""
    text = _NUMBERING.sub("", collapse(title))
    if not text:
        return None
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(text):
            return role
    return None


@dataclass
class Columns:
    """Where each kind of cell sits in the table's rows."""

    index: dict[str, int]
    titles: list[str]

    def __post_init__(self) -> None:
        self.folded_titles = [collapse(title).lower() for title in self.titles]

    def cell(self, row: Row, role: str) -> Cell:
        position = self.index.get(role)
        if position is None or position >= len(row.cells):
            return []
        return row.cells[position]


def _row_titles(row: Row) -> list[str]:
    return [" ".join(cell) for cell in row.cells]


def find_columns(row: Row) -> Columns | None:
    """Columns from a header row, if this row is an action plan's header row."""
    titles = _row_titles(row)
    index: dict[str, int] = {}
    for position, title in enumerate(titles):
        role = column_role(title)
        if role and role not in index:
            index[role] = position
    needed = {"action", "owner", "target"}
    if needed <= index.keys() and ({"concern", "ref"} & index.keys()):
        return Columns(index=index, titles=titles)
    return None


def _is_header_repeat(row: Row, columns: Columns) -> bool:
    """A header row printed again at the top of a page (as printed, or read by OCR a little
    differently but with the same columns)."""
    if len(row.cells) != len(columns.titles):
        return False
    if [collapse(title).lower() for title in _row_titles(row)] == columns.folded_titles:
        return True
    again = find_columns(row)
    return again is not None and again.index == columns.index


def read_section(text: str) -> tuple[str | None, str | None] | None:
    """A section row's category and area: ("priority", None) for "Priority concerns",
    ("recommendation", "safety") for "Recommendations: Safety", (None, "respect") for
    "Respect"; None when the text is not a section heading."""
    text = collapse(text)
    area = _AREA_SECTION.match(text)
    if area:
        category = "recommendation" if re.match(r"^\w*\s*recommendation", text, re.I) else None
        return category, area.lastgroup
    section = _SECTION.match(text)
    if section:
        # "Main recommendations" come before the areas: none of them has an area printed.
        return section.lastgroup, None
    return None


def read_agreement(text: str) -> str | None:
    for pattern, value in _AGREEMENT:
        if pattern.match(text.strip()):
            return value
    return None


def split_run_together_owner(owner: str) -> tuple[str, str] | None:
    """Split "Northampton Healthcare Foundation Trust NHFT" into the name and its initials.

    A bracketed acronym ("… Trust (NHFT)") is one owner and is never split.
    """
    match = re.match(r"^(?P<name>.+?)\s+(?P<short>[A-Z]{2,8})$", owner.strip())
    if not match:
        return None
    words = [word for word in re.split(r"[\s\-]+", match["name"]) if word]
    initials = "".join(word[0] for word in words if word.lower() not in _SMALL_WORDS)
    all_initials = "".join(word[0] for word in words)
    if match["short"] in (initials.upper(), all_initials.upper()):
        return match["name"], match["short"]
    return None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass
class _Block:
    """The action, owner and target paragraphs of one row, not yet made into actions."""

    texts: list[str]
    owners: list[str]
    targets: list[str]
    continuation: bool

    def consistent(self) -> bool:
        """Whether the row stands alone: an owner and a date for each action, or one for all."""
        count = len(self.texts)
        return count >= 1 and len(self.owners) in (count, 1) and len(self.targets) in (count, 1)

    def unfinished(self) -> bool:
        """Whether the last action's text stops mid-sentence."""
        return bool(self.texts) and not _SENTENCE_END.search(self.texts[-1])

    def cut_by(self, following: _Block) -> bool:
        """Whether the last action stops mid-sentence and the next part carries on in
        lower case: one paragraph cut in two, whatever the counts say."""
        return self.unfinished() and bool(following.texts) and following.texts[0][:1].islower()

    def joined(self, following: _Block) -> _Block:
        """This row's first part followed by the part printed on the next page.

        Where the parts hold more action paragraphs than owners and dates, or the first
        part stops mid-sentence, the paragraph cut by the page break is one paragraph: join
        it back together; likewise an owner or date cut in two.
        """
        texts = self.texts + following.texts
        extra = len(texts) - max(
            len(self.owners + following.owners), len(self.targets + following.targets)
        )
        if self.texts and following.texts and (extra > 0 or self.unfinished()):
            joined_count = max(1, min(extra, len(following.texts)))
            cut = collapse(" ".join([self.texts[-1], *following.texts[:joined_count]]))
            texts = [*self.texts[:-1], cut, *following.texts[joined_count:]]
        return _Block(
            texts,
            _join_cut(self.owners, following.owners, len(texts), _owner_cut),
            _join_cut(self.targets, following.targets, len(texts), _target_cut),
            self.continuation,
        )


def _join_cut(
    first: list[str], following: list[str], count: int, cut: Callable[[str, str], bool]
) -> list[str]:
    """Owners or dates of a row split by a page break, re-joined where one was cut in two:
    where there are more parts than actions, or where the two parts read as one (`cut`)."""
    if (
        first
        and following
        and (len(first) + len(following) > count or cut(first[-1], following[0]))
    ):
        return [*first[:-1], f"{first[-1]} {following[0]}", *following[1:]]
    return first + following


_CONNECTOR = re.compile(r"(?:\b(?:and|of|&|for|the|to)|[,/&(-])$", re.I)


def _owner_cut(before: str, after: str) -> bool:
    """Whether two owner paragraphs either side of a page break are one owner cut in two:
    the first ends in a joining word, the second starts in lower case, or together they
    are a name followed by its own initials ("Northampton Healthcare Foundation" / "Trust
    NHFT")."""
    return bool(
        _CONNECTOR.search(before.strip())
        or after[:1].islower()
        or (split_run_together_owner(f"{before} {after}") and not split_run_together_owner(after))
    )


def _target_cut(before: str, after: str) -> bool:
    """Whether two target paragraphs either side of a page break are one date cut in two."""
    return parse_target(before) is None and parse_target(f"{before} {after}") is not None


class _PlanBuilder:
    """Walks the rows once, keeping the current section, concern and unfinished row."""

    def __init__(self, columns: Columns, submitted: date | None = None) -> None:
        self.columns = columns
        # The plan's submission: a target quarter printed without a year is placed from it.
        self.submitted = submitted
        self.pending: _Block | None = None
        self.pending_new_page = False
        self.carry_new_page = False
        self.concerns: list[Concern] = []
        self.warnings: list[str] = []
        self.category: str | None = None
        self.area: str | None = None
        self.saw_section = False
        title_text = " ".join(columns.titles).lower()
        self.default_category = (
            "recommendation"
            if "agreement" in columns.index or "recommendation" in title_text
            else "key"
        )

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def open_section(self, text: str) -> bool:
        """Start the section a heading names; False when the text is not a heading."""
        section = read_section(text)
        if section is None:
            return False
        self.flush()
        category, area = section
        if category is not None:
            self.category = category
            self.saw_section = True
        # An area row keeps the kind of concern; a kind-of-concern row starts anew.
        self.area = area
        return True

    def add_row(self, row: Row) -> None:
        cells = self.columns
        if row.outside_table:
            # Text between tables matters only as a section heading.
            if row.cells and row.cells[0]:
                self.open_section(row.cells[0][0])
            return
        if all(_JUNK.match(paragraph) for cell in row.cells for paragraph in cell) or (
            _is_header_repeat(row, cells)
        ):
            # A dropped row at the top of a page passes its page break on to the next row.
            self.carry_new_page = self.carry_new_page or row.new_page
            return
        again = find_columns(row)
        if again is not None and all(len(" ".join(cell).split()) <= 6 for cell in row.cells):
            # A header row with its columns placed differently (a table of another layout,
            # or a scan whose rules were found a little differently on this page): the
            # rows below follow it.
            self.columns = again
            self.carry_new_page = self.carry_new_page or row.new_page
            return
        new_page = row.new_page or self.carry_new_page
        self.carry_new_page = False
        filled = [cell for cell in row.cells if cell]
        if len(filled) == 1 and len(filled[0]) == 1 and self.open_section(filled[0][0]):
            return

        # OCR reads a concern number's "S" as "$" ("$12"): no number starts with one.
        ref = _OCR_REF.sub("S", collapse(" ".join(cells.cell(row, "ref"))))
        concern_text = collapse(" ".join(cells.cell(row, "concern")))
        agreement = read_agreement(" ".join(cells.cell(row, "agreement")))
        if ref:
            self.flush()
            concern = Concern(
                ref=ref.rstrip(".") if re.fullmatch(r"[\w.]+\.", ref) else ref,
                category=self.category or self.default_category,
                text=concern_text,
                agreement=agreement,
                area=self.area,
            )
            self.concerns.append(concern)
        elif self.concerns:
            concern = self.concerns[-1]
            if concern_text:
                # The concern's text carried on past a page break.
                concern.text = collapse(f"{concern.text} {concern_text}")
            if agreement and concern.agreement is None:
                concern.agreement = agreement
        else:
            if any(cells.cell(row, role) for role in ("action", "owner", "target")):
                self.warn(
                    "a row with actions comes before any numbered concern and was skipped: "
                    f"'{' '.join(cells.cell(row, 'action'))[:60]}'"
                )
            return

        block = _Block(
            texts=list(cells.cell(row, "action")),
            owners=list(cells.cell(row, "owner")),
            targets=list(cells.cell(row, "target")),
            continuation=not ref,
        )
        # Older plans sometimes put the agreement as the first paragraph of the response.
        if block.texts and "agreement" not in cells.index and concern.agreement is None:
            stated = read_agreement(block.texts[0])
            if stated and len(block.texts[0].split()) <= 3:
                concern.agreement = stated
                block.texts = block.texts[1:]
        if not (block.texts or block.owners or block.targets):
            return
        pending = self.pending
        if (
            pending is not None
            and block.continuation
            and new_page
            and (not (pending.consistent() and block.consistent()) or pending.cut_by(block))
        ):
            # One table row split by a page break: put its two parts back together.
            self.pending = pending.joined(block)
            return
        self.flush()
        self.pending = block
        self.pending_new_page = new_page

    def flush(self) -> None:
        """Turn the pending row's paragraphs into actions of the current concern."""
        block, self.pending = self.pending, None
        if block is None:
            return
        concern = self.concerns[-1]
        label = f"concern {concern.ref}"
        texts, owners, targets = block.texts, block.owners, block.targets
        if not texts:
            self.warn(f"{label}: an owner or target date with no action text was ignored")
            return

        # A row whose leading paragraphs have no owner or date of their own finishes the
        # previous action: text carried over a page break, or cut off mid-sentence.
        stated = max(len(owners), len(targets))
        if block.continuation and concern.actions and len(texts) > stated:
            previous = concern.actions[-1]
            if self.pending_new_page or not _SENTENCE_END.search(previous.text):
                extra = len(texts) - stated
                previous.text = collapse(" ".join([previous.text, *texts[:extra]]))
                texts = texts[extra:]
                if not texts:
                    return

        count = len(texts)
        owners = self._align_owners(label, owners, count)
        targets = self._align(label, "target dates", targets, count)
        first_number = len(concern.actions) + 1
        for offset, (text, owner, target_text) in enumerate(
            zip(texts, owners, targets, strict=True)
        ):
            number = first_number + offset
            target = parse_target(target_text, self.submitted)
            if not owner:
                self.warn(f"{label} action {number}: no responsible owner")
            quarter = yearless_quarter(target_text)
            if quarter is not None and self.submitted is not None and target is not None:
                self.warn(
                    f"{label} action {number}: target '{target_text}' gives no year; read as "
                    f"the end of Q{quarter} next after the plan's submission ({target})"
                )
            elif quarter is not None and target is None:
                self.warn(
                    f"{label} action {number}: target '{target_text}' gives no year and the "
                    "plan has no readable submission date to place it by: left unreadable"
                )
            elif target is None:
                if target_text:
                    self.warn(
                        f"{label} action {number}: target date '{target_text}' not understood"
                    )
                else:
                    self.warn(f"{label} action {number}: no target date")
            concern.actions.append(
                Action(text=text, owner=owner, target_text=target_text, target=target)
            )

    def _align_owners(self, label: str, owners: list[str], count: int) -> list[str]:
        if len(owners) == count - 1 and count > 1:
            # One paragraph short: look for a name run together with its own initials.
            for position, owner in enumerate(owners):
                split = split_run_together_owner(owner)
                if split:
                    self.warn(
                        f"{label}: {count} actions but {len(owners)} owners; read '{owner}' "
                        f"as two owners, '{split[0]}' and '{split[1]}'"
                    )
                    return owners[:position] + list(split) + owners[position + 1 :]
        return self._align(label, "owners", owners, count)

    def _align(self, label: str, what: str, values: list[str], count: int) -> list[str]:
        """Give each of `count` actions one value, warning about every inference made."""
        if len(values) == count:
            return values
        if len(values) == 1:
            self.warn(f"{label}: one of the {what} ('{values[0]}') applies to all {count} actions")
            return values * count
        if not values:
            return [""] * count
        if len(values) < count:
            missing = (
                f"action {count} has none"
                if len(values) + 1 == count
                else f"actions {len(values) + 1} to {count} have none"
            )
            self.warn(f"{label}: {count} actions but {len(values)} {what}; {missing}")
            return values + [""] * (count - len(values))
        self.warn(
            f"{label}: {_count(count, 'action')} but {len(values)} {what}; the extra ones were "
            "joined to the last action's"
        )
        return [*values[: count - 1], "; ".join(values[count - 1 :])]


def build_plan(document: Document, name: str) -> Plan:
    """Turn a document's header lines and table rows into a plan."""
    columns = None
    header_index = 0
    for index, row in enumerate(document.rows):
        columns = find_columns(row)
        if columns:
            header_index = index
            break
    if columns is None:
        table_rows = [row for row in document.rows if sum(1 for cell in row.cells if cell) >= 2]
        if not table_rows:
            raise PlanReadError(
                f"{name} has no action plan table: expected a table with the columns "
                f"{EXPECTED_COLUMNS}"
            )
        found = ", ".join(f"'{title}'" for title in _row_titles(table_rows[0]) if title) or "none"
        raise PlanReadError(
            f"{name}: the table's header row is not an action plan's (found columns {found}); "
            f"expected {EXPECTED_COLUMNS}"
        )

    # Rows above the plan's header row (a table of key facts, say) belong to the header block.
    lines = document.lines + [
        " ".join(" ".join(cell) for cell in row.cells if cell)
        for row in document.rows[:header_index]
    ]
    header = read_header([line for line in lines if line])
    if not header.establishment:
        raise PlanReadError(
            f"{name} does not name the establishment: the header block needs a line such as "
            "'Action Plan: HMP Peterborough (Men)' or 'Establishment: HMP Peterborough'"
        )
    submitted = None
    if header.plan_submitted:
        try:
            submitted = date.fromisoformat(header.plan_submitted)
        except ValueError:
            submitted = None
    builder = _PlanBuilder(columns, submitted)
    # A section heading just above the table ("Priority concerns") opens its first section.
    for row in document.rows[:header_index]:
        filled = [cell for cell in row.cells if cell]
        if len(filled) == 1:
            builder.open_section(filled[0][0])
    for row in document.rows[header_index + 1 :]:
        builder.add_row(row)
    builder.flush()
    if not builder.concerns:
        raise PlanReadError(f"{name}: the action plan table has no numbered concerns")
    if not builder.saw_section and builder.default_category == "key":
        builder.warn(
            "no 'Priority concerns' or 'Key concerns' section row; concerns read as key concerns"
        )
    return Plan(
        establishment=header.establishment,
        plan_submitted=header.plan_submitted,
        inspection_start=header.inspection_start,
        inspection_end=header.inspection_end,
        report_published=header.report_published,
        concerns=builder.concerns,
        warnings=document.warnings + header.warnings + builder.warnings,
    )
