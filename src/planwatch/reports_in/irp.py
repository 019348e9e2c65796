"""Read an HMIP independent review of progress (IRP): each concern or recommendation followed
up, with what inspectors found and their judgement; and match each to the concerns held."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path, PurePath
from typing import Any

from planwatch.dates import MONTHS, parse_date_range
from planwatch.reports_in import ReportReadError, common
from planwatch.reports_in.blocks import Block, load_document, read_blocks

RATINGS = {
    "no meaningful": "no_meaningful",
    "insufficient": "insufficient",
    "reasonable": "reasonable",
    "good": "good",
}
_RATING = r"(?P<rating>no meaningful|insufficient|reasonable|good)"
_JUDGED = re.compile(
    rf"\bwe judged that (?:there (?:had been|was|has been)|the prison had made) {_RATING} "
    r"progress\b[^.]*\.?",
    re.I,
)
_TABLE_RATING = re.compile(rf"^{_RATING} progress\.?$", re.I)
_REF = r"(?P<ref>[A-Z]{0,2}\d+(?:\.\d+)?)"
_ITEM = re.compile(
    r"^(?P<kind>priority concern|key concern|concern|main recommendation|key recommendation|"
    rf"recommendation)\s+{_REF}\b\s*[:.–—-]?\s*(?P<text>.*)$",
    re.I,
)
# Reviews since 2022 may head each item "Concern:" with no number, followed by the
# inspectorate's "Recommendation:"; such items are matched by their text.
_UNNUMBERED = re.compile(
    r"^(?P<kind>priority concern|key concern|concern|recommendation)\s*:\s*(?P<text>.*)$", re.I
)
_TABLE_REF = re.compile(
    r"^(?:(?P<kind>priority concern|key concern|concern|main recommendation|key recommendation|"
    rf"recommendation)\s+)?{_REF}\s*[:.]?$",
    re.I,
)
_FINDINGS = re.compile(r"^(?:what we found|findings|progress)\s*:?$", re.I)
_SECTION = re.compile(r"^section\s+\d+\b", re.I)
_FOLLOWED = re.compile(
    r"\binspection\s+(?:(?:held|carried out)\s+)?(?:in|of|on)\s+(?P<when>(?:\d[^.;()]*?|"
    r"[A-Za-z]+\s+)\d{4})\b",
    re.I,
)
_CATEGORIES = {
    "priority concern": "priority",
    "key concern": "key",
    "main recommendation": "recommendation",
    "key recommendation": "recommendation",
    "recommendation": "recommendation",
}
# A match by number stands only when the texts agree at least this much, and no other
# concern's text is clearly closer; a match by text needs this much on its own.
NUMBER_AGREES = 0.35
CLEARLY_CLOSER = 0.1
TEXT_MATCHES = 0.5
LIKENESS_CHARS = 600


@dataclass
class ReviewItem:
    """One concern or recommendation followed up, as the review numbers and words it."""

    ref: str
    kind: str  # as printed: "priority concern", "concern", "recommendation"...
    category: str | None  # "priority", "key", "recommendation", or None when not said
    text: str
    rating: str | None = None  # no_meaningful, insufficient, reasonable, good
    judgement: str = ""  # the judgement as printed

    @property
    def label(self) -> str:
        """The item as the review names it: "priority concern 1", or "concern" unnumbered."""
        return f"{self.kind} {self.ref}".strip()


@dataclass
class Review:
    """A review of progress: its cover, the inspection it followed up, and its judgements."""

    establishment: str | None = None
    review_start: str | None = None
    review_end: str | None = None
    published: str | None = None
    inspection_start: str | None = None  # the inspection followed up, where the review says
    inspection_end: str | None = None
    inspection_month: str | None = None  # "2024-03" where only the month is given
    items: list[ReviewItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def judged_on(self) -> str | None:
        """The date judgements are recorded with: the last day of the review visit (the
        publication date when the visit's dates are not printed)."""
        return self.review_end or self.published

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Review:
        values = dict(data)
        values["items"] = [ReviewItem(**item) for item in data["items"]]
        return cls(**values)


def _followed_up(review: Review, blocks: Sequence[Block]) -> None:
    """The inspection the review followed up, from "our inspection of 8–18 January 2024" or
    "our inspection in March 2024"."""
    for block in blocks:
        for match in _FOLLOWED.finditer(block.text):
            when = match["when"].strip()
            found = parse_date_range(when)
            if found:
                review.inspection_start, review.inspection_end = (
                    found[0].isoformat(),
                    found[1].isoformat(),
                )
                return
            words = when.split()
            month = MONTHS.get(words[-2].lower()) if len(words) >= 2 else None
            if month:
                review.inspection_month = f"{int(words[-1]):04d}-{month:02d}"
                return


def _table(blocks: Sequence[Block]) -> list[tuple[str, str | None, str, str]]:
    """(ref, kind, rating, as printed) from the summary table's rows."""
    rows = []
    for block in blocks:
        if not block.is_row:
            continue
        cells = [cell.strip() for cell in block.cells]
        rating = next((m for cell in cells if (m := _TABLE_RATING.match(cell))), None)
        ref = next((m for cell in cells if (m := _TABLE_REF.match(cell))), None)
        if rating and ref:
            kind = ref["kind"].lower() if ref["kind"] else None
            rows.append((ref["ref"], kind, RATINGS[rating["rating"].lower()], rating.group(0)))
    return rows


def _items(review: Review, blocks: Sequence[Block]) -> None:
    """Each item: its heading ("Priority concern 1: ..."), its text up to "What we found",
    then the findings up to the judgement sentence."""
    current: ReviewItem | None = None
    in_text = False
    for block in blocks:
        if block.is_row:
            continue
        text = block.text
        heading = _ITEM.match(text) or _UNNUMBERED.match(text)
        if heading:
            kind = heading["kind"].lower()
            ref = heading.groupdict().get("ref") or ""
            if not ref and kind == "recommendation" and current is not None and in_text:
                # The recommendation made with an unnumbered concern: not the concern's text.
                in_text = False
                continue
            current = ReviewItem(
                ref=ref,
                kind=kind,
                category=_CATEGORIES.get(kind),
                text=heading["text"].strip(),
            )
            review.items.append(current)
            in_text = True
            continue
        if current is None:
            continue
        judged = _JUDGED.search(text)
        if judged:
            if current.rating is None:
                current.rating = RATINGS[judged["rating"].lower()]
                current.judgement = judged.group(0).strip()
            current, in_text = None, False
            continue
        if _FINDINGS.match(text) or _SECTION.match(text):
            in_text = False
        elif in_text:
            current.text = f"{current.text} {text}".strip()


def parse_review(blocks: Sequence[Block], name: str) -> Review:
    """The review's cover, the inspection it followed up, and each judgement."""
    review = Review(establishment=common.establishment(blocks))
    dates = common.cover_dates(blocks)
    if dates:
        review.review_start, review.review_end = dates
    review.published, _ = common.published(blocks)
    _followed_up(review, blocks)
    _items(review, blocks)
    by_ref = {item.ref: item for item in review.items}
    for ref, kind, rating, printed in _table(blocks):
        item = by_ref.get(ref)
        if item is None:
            item = ReviewItem(ref, kind or "concern", _CATEGORIES.get(kind or ""), "", rating)
            item.judgement = printed
            review.items.append(item)
            by_ref[ref] = item
            review.warnings.append(
                f"{item.label.capitalize()} is judged in the summary table only: its text "
                "was not found, so it is matched by its number"
            )
        elif item.rating is None:
            item.rating, item.judgement = rating, printed
        elif item.rating != rating:
            review.warnings.append(
                f"{item.label.capitalize()}: the summary table says {printed.lower()}, the "
                f"text “{item.judgement}”: the text's judgement is taken"
            )
    if not review.items:
        raise ReportReadError(
            f"{name}: no judged concerns or recommendations were found in it (such as "
            "“Priority concern 1: …” followed by “We judged that there had been reasonable "
            "progress”): give an HMIP independent review of progress"
        )
    for item in review.items:
        if item.rating is None:
            review.warnings.append(
                f"{item.label.capitalize()} has no judgement that could be read: it "
                "will not be recorded"
            )
    if review.establishment is None:
        review.warnings.append("The establishment's name was not found on the review's cover")
    if review.judged_on is None:
        review.warnings.append("The review's dates were not found on its cover")
    return review


def read_review_bytes(data: bytes, name: str) -> Review:
    """Read a review of progress from a file's bytes (PDF, DOCX, ODT or text)."""
    display = PurePath(name).name
    return parse_review(read_blocks(data, display), display)


def read_review(path: str | Path) -> Review:
    """Read a review of progress file; raises ReportReadError with a one-line message."""
    path = Path(path)
    return read_review_bytes(load_document(path, "review"), str(path))


# --- matching review items to the concerns held -------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "by",
        "for",
        "from",
        "had",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "not",
        "of",
        "on",
        "or",
        "the",
        "their",
        "there",
        "this",
        "to",
        "too",
        "was",
        "were",
        "which",
        "with",
    )
)


def _words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOP}


def similarity(first: str, second: str) -> float:
    """How alike two concern texts are, 0 to 1: the share of the shorter one's words found in
    the other (a review often restates a concern in part), or their character likeness."""
    words_a, words_b = _words(first), _words(second)
    shared = len(words_a & words_b) / min(len(words_a), len(words_b)) if words_a and words_b else 0
    # Character likeness is quadratic in length: the opening of each text is enough.
    ratio = SequenceMatcher(
        None,
        " ".join(first.lower().split())[:LIKENESS_CHARS],
        " ".join(second.lower().split())[:LIKENESS_CHARS],
    )
    return max(shared, ratio.ratio())


@dataclass
class Match:
    """A review item and the concern held it is matched to (None when none is)."""

    item: ReviewItem
    concern_ref: str | None
    how: str  # "number", "text" or "" when unmatched
    score: float


def _same_ref(first: str, second: str) -> bool:
    return first.strip().lower() == second.strip().lower()


def match_items(items: Sequence[ReviewItem], concerns: Sequence[tuple[str, str]]) -> list[Match]:
    """Match each item to a concern held, given as (ref, text): by number where the texts
    agree (a review may number its items its own way), then by text similarity; each concern
    is matched at most once."""
    matches: list[Match | None] = [None] * len(items)
    taken: set[str] = set()
    for index, item in enumerate(items):
        numbered = next((c for c in concerns if _same_ref(c[0], item.ref)), None)
        if numbered is None or numbered[0] in taken:
            continue
        if not item.text:
            matches[index] = Match(item, numbered[0], "number", 1.0)
            taken.add(numbered[0])
            continue
        score = similarity(item.text, numbered[1])
        closest = max(similarity(item.text, text) for _, text in concerns)
        if score >= NUMBER_AGREES and score >= closest - CLEARLY_CLOSER:
            matches[index] = Match(item, numbered[0], "number", score)
            taken.add(numbered[0])
    candidates = sorted(
        (
            (similarity(item.text, text), index, ref)
            for index, item in enumerate(items)
            if matches[index] is None and item.text
            for ref, text in concerns
            if ref not in taken
        ),
        key=lambda candidate: (-candidate[0], candidate[1]),
    )
    for score, index, ref in candidates:
        if score < TEXT_MATCHES:
            break
        if matches[index] is None and ref not in taken:
            matches[index] = Match(items[index], ref, "text", score)
            taken.add(ref)
    return [
        match if match is not None else Match(items[index], None, "", 0.0)
        for index, match in enumerate(matches)
    ]
