"""Owner names: one key per body however it is spelt, and the owners named in one cell."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_SMALL_WORDS = {"of", "and", "the", "for", "&", "in", "on", "at"}
_BRACKETED = re.compile(r"^(?P<name>.+?)\s*\((?P<short>[A-Z][A-Za-z&]{1,9})\)$")
_TRAILING = re.compile(r"^(?P<name>.+?)\s+(?P<short>[A-Z]{2,8})$")
_ACRONYM = re.compile(r"^[A-Z][A-Z&]{1,8}$")
# Words that make a phrase a post, team or body, so that "Head of Education, Skills and Work"
# stays one owner while "SMG, Deputy Director" is two.
_ROLE_WORDS = re.compile(
    r"\b(head|director|governor|manager|managers|lead|leads|officer|team|trust|service|group|"
    r"unit|board|provider|coordinator|partnership|nhs|cic|council|agency|department|chair|"
    r"supervisor|nurse|matron|chaplain|inspector|commissioner|ltd|limited|plc|foundation)\b",
    re.I,
)
# Tried strongest first: a cell "A and B / C" is split at "/" before "and".
_SEPARATORS = [
    re.compile(pattern)
    for pattern in (r"\s*;\s*", r"\s+/\s+", r"\s*,\s*", r"\s+and\s+", r"\s+&\s+")
]


def initials(name: str) -> str:
    """Initials of the significant words: "Northamptonshire Healthcare Foundation Trust" -> NHFT."""
    words = [word for word in re.split(r"[\s\-]+", name) if word]
    return "".join(word[0] for word in words if word.lower() not in _SMALL_WORDS).upper()


def split_owners(owner: str) -> list[str]:
    """The owners named in one cell: "SMG, Deputy Director" -> ["SMG", "Deputy Director"].

    Splits only where every part is itself a post, team, body or acronym.
    """
    text = " ".join(owner.split())
    if not text:
        return []
    for separator in _SEPARATORS:
        parts = [part for part in separator.split(text) if part]
        if len(parts) > 1 and all(
            _ROLE_WORDS.search(part) or _ACRONYM.match(part) for part in parts
        ):
            return [name for part in parts for name in split_owners(part)]
    return [text]


def _is_subsequence(short: str, letters: str) -> bool:
    remaining = iter(letters)
    return short[:1] == letters[:1] and all(letter in remaining for letter in short)


def _name_and_short(owner: str) -> tuple[str, str | None]:
    """The long name and the acronym it carries, if any."""
    match = _BRACKETED.match(owner)
    # A bracketed short form may skip words: "… London NHS Foundation Trust (CNWL)".
    if match and _is_subsequence(match["short"].upper(), initials(match["name"])):
        return match["name"], match["short"].upper()
    match = _TRAILING.match(owner)
    if match and initials(match["name"]) == match["short"]:
        return match["name"], match["short"]
    if _ACRONYM.match(owner):
        return owner, owner
    return owner, None


def _fold(name: str) -> str:
    text = re.sub(r"^the\s+", "", " ".join(name.split()), flags=re.I).rstrip(".")
    return text.casefold()


class OwnerIndex:
    """Maps every spelling of an owner to one display name.

    Spellings are one owner when they differ only in case or a leading "The", or when they
    share an acronym: "NHFT", "Northamptonshire Healthcare Foundation Trust (NHFT)" and
    "Northamptonshire Healthcare Foundation Trust" (whose initials are NHFT) are one body.
    The display name is the acronym where there is one, else the most used spelling.
    """

    def __init__(self, owners: Iterable[str]) -> None:
        names = [" ".join(name.split()) for owner in owners for name in split_owners(owner)]
        counts = Counter(names)
        acronyms = {short for name in counts if (short := _name_and_short(name)[1])}
        groups: dict[str, list[str]] = {}
        for name in counts:
            long_name, short = _name_and_short(name)
            if short is None and initials(long_name) in acronyms and len(long_name.split()) > 1:
                short = initials(long_name)
            key = f"acronym:{short}" if short else f"name:{_fold(name)}"
            groups.setdefault(key, []).append(name)
        self._display: dict[str, str] = {}
        self.aliases: dict[str, list[str]] = {}
        for key, spellings in groups.items():
            if key.startswith("acronym:"):
                display = key.removeprefix("acronym:")
            else:
                display = max(spellings, key=lambda spelling: (counts[spelling], spelling))
            for spelling in spellings:
                self._display[spelling] = display
            variants = sorted(spelling for spelling in spellings if spelling != display)
            if variants:
                self.aliases[display] = variants

    def normalise(self, owner: str) -> list[str]:
        """The display names of the owners named in one cell (none for an empty cell)."""
        result: list[str] = []
        for name in split_owners(owner):
            display = self._display.get(name, name)
            if display not in result:
                result.append(display)
        return result

    def label(self, owner: str) -> str:
        """One string for a cell's owners, as normalised: "SMG; Deputy Director"."""
        return "; ".join(self.normalise(owner))
