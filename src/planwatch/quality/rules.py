"""The quality rules: each reads the plan model and returns findings that quote their evidence."""

from __future__ import annotations

import calendar
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from difflib import SequenceMatcher

from planwatch.dates import DateError, parse_iso_date, year_in_range
from planwatch.model import Action, Concern, Plan
from planwatch.owners import OwnerIndex
from planwatch.quality.findings import Finding, QualityConfig

Rule = Callable[[Plan, QualityConfig], list[Finding]]


def _numbered(plan: Plan) -> Iterator[tuple[Concern, int, Action]]:
    for concern in plan.concerns:
        for number, action in enumerate(concern.actions, start=1):
            yield concern, number, action


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


def _target_bounds(target: str | None) -> tuple[date, date] | None:
    """First and last day a normalised target can mean; None for completed/ongoing/unknown.

    A plan from JSON may hold any text here: a month or day that does not exist, or a year
    planwatch does not accept, is unknown too.
    """
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", target or "", re.ASCII)
    if not match or not year_in_range(int(match[1])):
        return None
    year, month = int(match[1]), int(match[2])
    try:
        if match[3]:
            day = date(year, month, int(match[3]))
            return day, day
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except (ValueError, calendar.IllegalMonthError):
        return None


def _plan_date(text: str | None) -> date | None:
    """A header date of the plan, or None where it is missing or not one planwatch accepts."""
    try:
        return parse_iso_date(text) if text else None
    except DateError:
        return None


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- owner and date rules -------------------------------------------------------------


def missing_owner(plan: Plan, config: QualityConfig) -> list[Finding]:
    return [
        Finding(
            "missing-owner",
            "error",
            f"No responsible owner for {_quote(action.text, 60)}.",
            "Name the post (not the person) accountable for delivering this action.",
            concern.ref,
            number,
        )
        for concern, number, action in _numbered(plan)
        if not action.owner.strip()
    ]


_NOT_DATES = ("completed", "ongoing")


def target_date(plan: Plan, config: QualityConfig) -> list[Finding]:
    findings = []
    submitted = _plan_date(plan.plan_submitted)
    for concern, number, action in _numbered(plan):
        if not action.target_text.strip():
            findings.append(
                Finding(
                    "missing-target",
                    "error",
                    f"No target date for {_quote(action.text, 60)}.",
                    "Give the month or day by which this action will be delivered.",
                    concern.ref,
                    number,
                )
            )
            continue
        bounds = _target_bounds(action.target)
        if action.target is None or (bounds is None and action.target not in _NOT_DATES):
            findings.append(
                Finding(
                    "unreadable-target",
                    "warning",
                    f"The target date {_quote(action.target_text)} is not a date.",
                    "Write a month and year (“July 2024”) or a day (“31 July 2024”), "
                    "so that progress can be tracked against it.",
                    concern.ref,
                    number,
                )
            )
            continue
        if bounds is None or submitted is None:
            continue
        if bounds[1] < submitted:
            findings.append(
                Finding(
                    "target-before-submission",
                    "warning",
                    f"The target {_quote(action.target_text)} is before the plan was submitted "
                    f"({submitted.isoformat()}).",
                    "If the action is already done, say “Completed” and what was done; "
                    "otherwise give a future date.",
                    concern.ref,
                    number,
                )
            )
        latest = _add_months(submitted, config.max_months_after_submission)
        if bounds[0] > latest:
            findings.append(
                Finding(
                    "target-too-far",
                    "warning",
                    f"The target {_quote(action.target_text)} is more than "
                    f"{config.max_months_after_submission} months after the plan was submitted.",
                    "Break the work into steps, each with its own nearer date, so that "
                    "progress can be seen before the next inspection.",
                    concern.ref,
                    number,
                )
            )
    return findings


# --- owner mismatch -------------------------------------------------------------------

_POST = (
    r"(?:(?:Deputy|Assistant|Senior|Regional|Area|Prison|Group)\s+)*"
    r"(?:Head of [A-Z][\w&']*(?:(?:,|\s)\s*(?:&\s+|and\s+)?[A-Z][\w&']*)*"
    r"|Director|Governor|Chief Executive"
    r"|[A-Z][\w&]*(?:\s+\([A-Z]{2,6}\)|\s+[A-Z][\w&]*)*\s+(?:Managers?|Leads?|Coordinators?|Officers?))"
)
_DOER = re.compile(rf"(?:^|[.;]\s+|\bthe\s+)(?:The\s+)?(?P<post>{_POST})\s+will\s+(?P<verb>\w+)")
_OVERSEER = re.compile(
    rf"\b(?:monitored|overseen|led|chaired|quality assured|completed|owned|delivered|reviewed)"
    rf"(?:\s+\w+ly|\s+weekly|\s+monthly|\s+quarterly|\s+daily)?\s+by\s+the\s+(?P<post>{_POST})"
)
# An owner that is an organisation answers for its own staff (a Trust's clinical managers).
_ORGANISATION = re.compile(
    r"\b(trust|provider|cic|ltd|limited|plc|nhs|council|service|partnership|group)\b", re.I
)
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,8}$")


def _same_post(post: str, owners: list[str]) -> bool:
    """Whether a post named in the text is the owner, allowing a fuller form of the name."""
    folded = post.casefold().strip(" ,")
    for owner in (owner.casefold() for owner in owners):
        if folded == owner:
            return True
        for longer, shorter in ((folded, owner), (owner, folded)):
            if longer.startswith((f"{shorter},", f"{shorter} and ", f"{shorter} &")):
                return True
    return False


def owner_mismatch(plan: Plan, config: QualityConfig) -> list[Finding]:
    """The text names a post doing the work while the Responsible Owner is another post."""
    index = OwnerIndex(action.owner for action in plan.actions)
    findings = []
    for concern, number, action in _numbered(plan):
        owners = index.normalise(action.owner)
        if not owners or any(
            _ORGANISATION.search(owner) or _ACRONYM.match(owner) for owner in owners
        ):
            continue
        for pattern in (_DOER, _OVERSEER):
            match = next(
                (m for m in pattern.finditer(action.text) if not _same_post(m["post"], owners)),
                None,
            )
            if match:
                post = match["post"].strip().rstrip(",")
                findings.append(
                    Finding(
                        "owner-mismatch",
                        "warning",
                        f"The text says {_quote(match.group(0).strip(' .;'))}, but the "
                        f"responsible owner is {_quote(action.owner)}.",
                        f"Make the {post} the responsible owner, or say what the "
                        f"{action.owner} will do to hold the {post} to account.",
                        concern.ref,
                        number,
                    )
                )
                break
    return findings


def owner_concentration(plan: Plan, config: QualityConfig) -> list[Finding]:
    actions = plan.actions
    if len(actions) < 4:
        return []
    index = OwnerIndex(action.owner for action in actions)
    counts = Counter(owner for action in actions for owner in index.normalise(action.owner))
    findings = []
    for owner, count in counts.most_common():
        share = count / len(actions)
        if share <= config.max_owner_share:
            break
        findings.append(
            Finding(
                "owner-concentration",
                "warning",
                f"{_quote(owner)} is the responsible owner of {count} of {len(actions)} actions "
                f"({share:.0%}).",
                "Give each action to the post that will deliver it, so that ownership is "
                "clear and survives a change of governor.",
            )
        )
    return findings


# --- completed at submission ----------------------------------------------------------

_DONE = re.compile(
    r"\b(has|have|had)\s+(?:now\s+|been\s+|also\s+)*\w+|\b(was|were)\s+\w+ed\b"
    r"|\bnow\s+(?:have|has|in place)"
    r"|\b(?:is|are)\s+(?:now\s+|also\s+)?(?:\w+ed|maintained|held|in place|collected|holding)\b"
    r"|\b(completed|implemented|commissioned|introduced|established|appointed|recruited)\b",
    re.I,
)
_FUTURE = re.compile(r"\bwill\b|\bto be\b|\bplan(?:s|ned)? to\b", re.I)


def completed_at_submission(plan: Plan, config: QualityConfig) -> list[Finding]:
    findings = []
    for concern, number, action in _numbered(plan):
        if action.target != "completed":
            continue
        future = _FUTURE.search(action.text)
        if future and not _DONE.search(action.text):
            findings.append(
                Finding(
                    "completed-unevidenced",
                    "warning",
                    f"Marked {_quote(action.target_text)} but the text only says what "
                    f"will happen ({_quote(action.text, 70)}).",
                    "Say what was done, when, and what shows it (minutes, an audit, data).",
                    concern.ref,
                    number,
                )
            )
        else:
            findings.append(
                Finding(
                    "completed-at-submission",
                    "info",
                    f"Already {_quote(action.target_text)} when the plan was submitted: "
                    f"{_quote(action.text, 70)}",
                    "Check that the evidence of completion is held and that the change "
                    "will be sustained.",
                    concern.ref,
                    number,
                )
            )
    return findings


# --- not measurable -------------------------------------------------------------------

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|half|third|quarter|single|double|twice"
)
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_MEASURE = re.compile(
    # "third-party" names no quantity.
    rf"\d|%|\bper ?cent\b|\b(?:{_NUMBER_WORDS})\b(?![\s-]part(?:y|ies))|\b(?:{_MONTHS})\b"
    r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|annual(?:ly)?|yearly|every|each day|"
    r"each week|each month|at least|no more than|no fewer than|target|baseline)\b"
    r"|\bwithin (?:a|an) (?:working )?(?:day|week|month|hour)"
    # Observable outputs: a thing that will exist, so delivery can be checked.
    r"|\b(?:strategy|plan|policy|policies|guidelines?|calendar|log|audits?|system|training|"
    r"induction|programme|sessions?|clinics?|triage|visit|units?|classes|courses|checks|"
    r"roles?|positions?|posts?|tutors?|coordinators?|coaches|board|provider)\b"
    r"|\b(?:introduc\w*|implement\w*|commission\w*|recruited|appoint\w*|publish\w*|"
    r"launch\w*|install\w*|revise[ds]?)\b",
    re.I,
)
_VAGUE = re.compile(
    r"\b(?:reviewed|review|evaluated|evaluation|evaluate|monitored|ensure|improved?|"
    r"strengthen|explore|consider|joint working|work(?:ing)? (?:closely )?with|partnering|"
    r"regular(?:ly)?|appropriate(?:ly)?|effective(?:ly)?|efficient(?:ly)?|meaningful|promote)\b",
    re.I,
)


def not_measurable(plan: Plan, config: QualityConfig) -> list[Finding]:
    findings = []
    for concern, number, action in _numbered(plan):
        if action.target == "completed":
            continue
        vague = _VAGUE.search(action.text)
        if vague and not _MEASURE.search(action.text):
            findings.append(
                Finding(
                    "not-measurable",
                    "warning",
                    f"Nothing in {_quote(action.text, 80)} can be measured: it says "
                    f"{_quote(vague.group(0))} but gives no number, frequency, threshold, "
                    "date or output.",
                    "Say what will change and how it will be seen: a number or rate, how "
                    "often, by when, or what will be produced.",
                    concern.ref,
                    number,
                )
            )
    return findings


# --- uncertain delivery ---------------------------------------------------------------

_UNCERTAIN = re.compile(
    r"\b(?:(?:funding\s+)?(?:is |are )?to be sought|will be sought|will be bid for|"
    r"bid(?:s|ding)? for funding|"
    r"subject to|where possible|if possible|when possible|as far as possible|it is hoped|"
    r"hope to|hoped that|aim(?:s)? to|would like to|may be|might|could be|if funding|"
    r"dependent (?:up)?on|depending on|consider whether|consider if|explore whether|"
    r"explore the possibility|where appropriate|resources permitting|if agreed)\b",
    re.I,
)


def uncertain_delivery(plan: Plan, config: QualityConfig) -> list[Finding]:
    findings = []
    for concern, number, action in _numbered(plan):
        match = _UNCERTAIN.search(action.text)
        if match:
            findings.append(
                Finding(
                    "uncertain-delivery",
                    "warning",
                    f"Delivery is conditional: {_quote(match.group(0))} in "
                    f"{_quote(action.text, 70)}.",
                    "State what will be done if the condition is not met, or make the "
                    "condition itself the action, with an owner and a date.",
                    concern.ref,
                    number,
                )
            )
    return findings


# --- plan structure -------------------------------------------------------------------


def concern_without_actions(plan: Plan, config: QualityConfig) -> list[Finding]:
    return [
        Finding(
            "concern-without-actions",
            "error",
            f"Concern {concern.ref} has no actions: {_quote(concern.text, 70)}",
            "Every concern needs at least one action with an owner and a target date.",
            concern.ref,
        )
        for concern in plan.concerns
        if not concern.actions
    ]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


# Near-duplicate search. Comparing every pair of actions with SequenceMatcher is quadratic
# (a 1,000-action plan took minutes), so only candidate pairs are compared: texts that share
# at least half of their six-character sequences. At a ratio of 0.9 a pair differs in at
# most a tenth of its characters and each difference removes at most six sequences, so a
# near-duplicate falls below that share only when its differences are spread evenly
# through the text, one every dozen characters or so.
_GRAM = 6
_MIN_SHARED = 0.5
# Longer texts index only the sequences whose checksum is divisible by _SAMPLE: both texts
# of a pair sample the same sequences, so the shared share is kept with an eighth of the
# work. Texts up to twice _SHORT characters index every sequence, where a sample would be
# too small to trust; a pair of near-duplicates (lengths within a fifth of each other) is
# always either both longer than _SHORT or both at most twice it.
_SAMPLE = 8
_SHORT = 64


def _grams(text: str) -> set[str]:
    return {text[i : i + _GRAM] for i in range(len(text) - _GRAM + 1)} or {text}


def _sampled(grams: set[str]) -> set[str]:
    # crc32, not hash(): str hashes change from run to run, and findings must not.
    return {gram for gram in grams if zlib.crc32(gram.encode()) % _SAMPLE == 0}


def _sharing(gram_sets: list[set[str] | None]) -> list[set[int]]:
    """For each set, the earlier sets holding at least _MIN_SHARED of its and their items."""
    index: dict[str, list[int]] = {}
    found: list[set[int]] = []
    for position, grams in enumerate(gram_sets):
        if grams is None:
            found.append(set())
            continue
        shared: Counter[int] = Counter()
        for gram in grams:
            posting = index.setdefault(gram, [])
            shared.update(posting)  # counted in C: the loop that makes this fast
            posting.append(position)
        found.append(
            {
                other
                for other, count in shared.items()
                if count >= _MIN_SHARED * max(len(grams), len(gram_sets[other] or ()))
            }
        )
    return found


def _duplicate_candidates(texts: list[str]) -> list[list[int]]:
    """For each text, the earlier texts that may be near-duplicates of it, in order.

    Each distinct text is indexed once (a plan of one action copied thousands of times
    would otherwise cost memory by the square of its length): a repeated text has the
    candidates of its first occurrence (where any earlier match is found first) and then
    that first occurrence itself."""
    first: dict[str, int] = {}
    for position, text in enumerate(texts):
        first.setdefault(text, position)
    unique = list(first)
    grams = [_grams(text) for text in unique]
    short = _sharing(
        [g if len(t) <= 2 * _SHORT else None for t, g in zip(unique, grams, strict=True)]
    )
    sampled = _sharing(
        [_sampled(g) if len(t) > _SHORT else None for t, g in zip(unique, grams, strict=True)]
    )
    at_first = {
        text: [first[unique[index]] for index in sorted(a | b)]
        for text, a, b in zip(unique, short, sampled, strict=True)
    }
    repeated = {text: [*found, first[text]] for text, found in at_first.items()}
    return [
        at_first[text] if first[text] == position else repeated[text]
        for position, text in enumerate(texts)
    ]


def _lcs_length(text: str, other: str, masks: dict[str, int]) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyrö); `masks` from _masks.

    SequenceMatcher matches no more characters than this, so it bounds the ratio cheaply.
    """
    full = (1 << len(text)) - 1
    row = full
    for char in other:
        matched = row & masks.get(char, 0)
        row = ((row + matched) | (row - matched)) & full
    return len(text) - row.bit_count()


def _masks(text: str) -> dict[str, int]:
    """For each character of the text, the bit set of the positions where it occurs."""
    masks: dict[str, int] = {}
    for position, char in enumerate(text):
        masks[char] = masks.get(char, 0) | (1 << position)
    return masks


def duplicate_actions(plan: Plan, config: QualityConfig) -> list[Finding]:
    """An action the same as, or nearly the same as (SequenceMatcher ratio), an earlier one."""
    findings = []
    threshold = config.near_duplicate_ratio
    numbered = list(_numbered(plan))
    texts = [_words(action.text) for _, _, action in numbered]
    candidates = _duplicate_candidates(texts)
    masks: dict[int, dict[str, int]] = {}
    for position, (concern, number, action) in enumerate(numbered):
        words = texts[position]
        for other in candidates[position]:
            other_words = texts[other]
            total = len(words) + len(other_words)
            # Exact bounds first, cheapest first: lengths, then the longest common
            # subsequence; SequenceMatcher.ratio itself costs milliseconds a pair.
            if total and 2 * min(len(words), len(other_words)) / total < threshold:
                continue
            if other not in masks:
                masks[other] = _masks(other_words)
            if total and 2 * _lcs_length(other_words, words, masks[other]) / total < threshold:
                continue
            # The same text is ratio 1 (SequenceMatcher would take O(n²) time to say so).
            ratio = (
                1.0
                if words == other_words
                else SequenceMatcher(None, words, other_words, autojunk=False).ratio()
            )
            if ratio >= threshold:
                other_concern, other_number, _ = numbered[other]
                kind = "the same as" if ratio == 1 else "nearly the same as"
                findings.append(
                    Finding(
                        "duplicate-action",
                        "warning",
                        f"{_quote(action.text, 60)} is {kind} concern {other_concern.ref} "
                        f"action {other_number}.",
                        "Merge the two, or say what each does that the other does not.",
                        concern.ref,
                        number,
                    )
                )
                break
    return findings


def plan_timeliness(plan: Plan, config: QualityConfig) -> list[Finding]:
    submitted, published = _plan_date(plan.plan_submitted), _plan_date(plan.report_published)
    if submitted is None or published is None:
        return []
    days = (submitted - published).days
    late = days > config.max_days_to_submit
    return [
        Finding(
            "plan-timeliness",
            "warning" if late else "info",
            f"The plan was submitted {days} days after the report was published "
            f"({plan.report_published} to {plan.plan_submitted})"
            + (f", more than the {config.max_days_to_submit} days expected." if late else "."),
            "Submit the plan promptly so that the first actions are under way well before "
            "the independent review of progress."
            if late
            else "No change needed.",
        )
    ]


RULES: tuple[Rule, ...] = (
    missing_owner,
    target_date,
    owner_mismatch,
    owner_concentration,
    completed_at_submission,
    not_measurable,
    uncertain_delivery,
    concern_without_actions,
    duplicate_actions,
    plan_timeliness,
)

RULE_IDS = (
    "missing-owner",
    "missing-target",
    "unreadable-target",
    "target-before-submission",
    "target-too-far",
    "owner-mismatch",
    "owner-concentration",
    "completed-at-submission",
    "completed-unevidenced",
    "not-measurable",
    "uncertain-delivery",
    "concern-without-actions",
    "duplicate-action",
    "plan-timeliness",
)
