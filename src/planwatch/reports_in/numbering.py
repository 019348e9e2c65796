"""The numbers Word and OpenDocument print for automatically numbered paragraphs ("1.", "2."):
files store them as a list's rules, not as text, so the readers' paragraphs lack them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree
from odfdo import Document as OdfDocument

from planwatch.readers.cells import collapse

Labelled = list[tuple[str, str | None]]  # each body paragraph's text and its printed number

_MAX_LEVELS = 9
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"


def _roman(number: int) -> str:
    numerals = (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    )  # fmt: skip
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text += numeral
            number -= value
    return text


def _formatted(number: int, kind: str) -> str:
    """A counter in a list's format: Word's names (decimal, lowerLetter...) or ODF's ("1",
    "a", "A", "i", "I")."""
    if kind in ("lowerLetter", "a") and 1 <= number <= 26:
        return chr(ord("a") + number - 1)
    if kind in ("upperLetter", "A") and 1 <= number <= 26:
        return chr(ord("A") + number - 1)
    if kind in ("lowerRoman", "i") and 0 < number < 4000:
        return _roman(number)
    if kind in ("upperRoman", "I") and 0 < number < 4000:
        return _roman(number).upper()
    return str(number)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --- Word -------------------------------------------------------------------------------


class _WordLists:
    """Word's numbering definitions and the counters of the lists met so far."""

    def __init__(self, word: Any) -> None:
        self.styles: dict[str, tuple[str | None, int | None]] = {}
        self.based_on: dict[str, str] = {}
        for style in word.styles.element.findall(qn("w:style")):
            style_id = style.get(qn("w:styleId"))
            if style_id is None:
                continue
            base = style.find(qn("w:basedOn"))
            if base is not None and base.get(qn("w:val")):
                self.based_on[style_id] = base.get(qn("w:val"))
            num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            if num_pr is not None:
                self.styles[style_id] = self._num_pr(num_pr)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.levels: dict[str, dict[int, tuple[str, int, str]]] = {}
        try:
            numbering = word.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        for abstract in numbering.findall(qn("w:abstractNum")):
            levels: dict[int, tuple[str, int, str]] = {}
            for level in abstract.findall(qn("w:lvl")):
                fmt, start, text = (
                    level.find(qn("w:numFmt")),
                    level.find(qn("w:start")),
                    level.find(qn("w:lvlText")),
                )
                levels[_int(level.get(qn("w:ilvl")), 0)] = (
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    _int(start.get(qn("w:val")) if start is not None else None, 1),
                    text.get(qn("w:val"), "") if text is not None else "",
                )
            self.levels[abstract.get(qn("w:abstractNumId"), "")] = levels
        for num in numbering.findall(qn("w:num")):
            abstract_id = num.find(qn("w:abstractNumId"))
            overrides = {
                _int(override.get(qn("w:ilvl")), 0): _int(start.get(qn("w:val")), 1)
                for override in num.findall(qn("w:lvlOverride"))
                if (start := override.find(qn("w:startOverride"))) is not None
            }
            if abstract_id is not None:
                self.nums[num.get(qn("w:numId"), "")] = (
                    abstract_id.get(qn("w:val"), ""),
                    overrides,
                )
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()

    @staticmethod
    def _num_pr(num_pr: Any) -> tuple[str | None, int | None]:
        num_id, level = num_pr.find(qn("w:numId")), num_pr.find(qn("w:ilvl"))
        return (
            num_id.get(qn("w:val")) if num_id is not None else None,
            _int(level.get(qn("w:val")), 0) if level is not None else None,
        )

    def _style_numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        for _ in range(10):  # styles based on styles, not without end
            if style_id is None:
                break
            if style_id in self.styles:
                return self.styles[style_id]
            style_id = self.based_on.get(style_id)
        return None, None

    def label(self, paragraph: Any) -> str | None:
        properties = paragraph.find(qn("w:pPr"))
        num_id: str | None = None
        level: int | None = None
        style_id = None
        if properties is not None:
            style = properties.find(qn("w:pStyle"))
            style_id = style.get(qn("w:val")) if style is not None else None
            num_pr = properties.find(qn("w:numPr"))
            if num_pr is not None:
                num_id, level = self._num_pr(num_pr)
        if num_id is None or level is None:
            style_num, style_level = self._style_numbering(style_id)
            num_id = num_id or style_num
            level = level if level is not None else style_level
        level = level or 0
        if not num_id or num_id == "0" or num_id not in self.nums or level >= _MAX_LEVELS:
            return None
        abstract_id, overrides = self.nums[num_id]
        levels = self.levels.get(abstract_id, {})
        # Lists restarted by an override count on their own; others continue their kind.
        key = num_id if overrides else abstract_id
        counters = self.counters.setdefault(key, [0] * _MAX_LEVELS)
        if key not in self.started:
            self.started.add(key)
            for index in range(_MAX_LEVELS):
                start = overrides.get(index, levels.get(index, ("decimal", 1, ""))[1])
                counters[index] = start - 1
        counters[level] += 1
        for deeper in range(level + 1, _MAX_LEVELS):
            counters[deeper] = levels.get(deeper, ("decimal", 1, ""))[1] - 1
        fmt, _, text = levels.get(level, ("decimal", 1, f"%{level + 1}."))
        if fmt in ("bullet", "none") or not text:
            return None
        for index in range(level + 1):
            kind = levels.get(index, ("decimal", 1, ""))[0]
            text = text.replace(f"%{index + 1}", _formatted(counters[index], kind))
        return text.strip() or None


def _word_blocks(element: Any) -> Iterator[Any]:
    for child in element.iterchildren():
        if child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _word_blocks(content)
        else:
            yield child


def docx_labels(data: bytes) -> Labelled:
    """Each paragraph outside tables, in order, with the number Word prints before it."""
    word = docx.Document(io.BytesIO(data))
    lists = _WordLists(word)
    labelled: Labelled = []
    for block in _word_blocks(word.element.body):
        if block.tag == qn("w:p"):
            text = collapse(Paragraph(block, None).text)  # type: ignore[arg-type]
            label = lists.label(block)
            if text:
                labelled.append((text, label))
    return labelled


# --- OpenDocument -------------------------------------------------------------------------


def _odf_list_levels(data: bytes) -> dict[str, dict[int, tuple[str, str, str, int]]]:
    """Each list style's numbered levels: (format, prefix, suffix, start value)."""
    styles: dict[str, dict[int, tuple[str, str, str, int]]] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for member in ("styles.xml", "content.xml"):
            if member not in names:
                continue
            root = etree.fromstring(archive.read(member), parser)
            for style in root.iter(f"{{{_ODF_TEXT}}}list-style"):
                name = style.get(f"{{{_ODF_STYLE}}}name", "")
                levels = styles.setdefault(name, {})
                for level in style.iter(f"{{{_ODF_TEXT}}}list-level-style-number"):
                    levels[_int(level.get(f"{{{_ODF_TEXT}}}level"), 1)] = (
                        level.get(f"{{{_ODF_STYLE}}}num-format", ""),
                        level.get(f"{{{_ODF_STYLE}}}num-prefix", ""),
                        level.get(f"{{{_ODF_STYLE}}}num-suffix", ""),
                        _int(level.get(f"{{{_ODF_TEXT}}}start-value"), 1),
                    )
    return styles


def odt_labels(data: bytes) -> Labelled:
    """Each paragraph outside tables, in order, with the number its list prints before it."""
    styles = _odf_list_levels(data)
    body = OdfDocument(io.BytesIO(data)).body
    labelled: Labelled = []
    counters: dict[str, list[int]] = {}

    def paragraph(element: Any, label: str | None) -> bool:
        text = collapse(str(element))
        if text:
            labelled.append((text, label))
        return bool(text)

    def walk_list(element: Any, inherited: str | None, level: int) -> None:
        name = element.get_attribute("text:style-name") or inherited or ""
        counted = counters.setdefault(name, [0] * (_MAX_LEVELS + 2))
        continues = element.get_attribute("text:continue-numbering") in ("true", True)
        if level == 1 and not continues and not element.get_attribute("text:continue-list"):
            counted[:] = [0] * (_MAX_LEVELS + 2)
        levels = styles.get(name, {})
        for item in element.children:
            if item.tag not in ("text:list-item", "text:list-header"):
                continue
            label = None
            if item.tag == "text:list-item" and level <= _MAX_LEVELS and level in levels:
                fmt, prefix, suffix, start = levels[level]
                restart = item.get_attribute("text:start-value")
                counted[level] = (
                    _int(str(restart), 1) if restart else max(counted[level] + 1, start)
                )
                counted[level + 1 :] = [0] * (len(counted) - level - 1)
                if fmt:
                    label = f"{prefix}{_formatted(counted[level], fmt)}{suffix}".strip() or None
            for part in item.children:
                if part.tag in ("text:p", "text:h"):
                    # Only the item's first paragraph carries its number.
                    if paragraph(part, label):
                        label = None
                elif part.tag == "text:list" and level < _MAX_LEVELS:
                    walk_list(part, name, level + 1)

    def walk(element: Any) -> None:
        for child in element.children:
            if child.tag == "text:section":
                walk(child)
            elif child.tag == "text:list":
                walk_list(child, None, 1)
            elif child.tag in ("text:p", "text:h"):
                paragraph(child, None)

    walk(body)
    return labelled


def numbered(texts: list[str], labelled: Labelled) -> list[str]:
    """The readers' paragraphs with their printed numbers put back: each paragraph is found
    in order among the labelled ones by its text; one not found is left as it is."""
    result = []
    position = 0
    for text in texts:
        for index in range(position, min(position + 50, len(labelled))):
            if labelled[index][0] == text:
                label = labelled[index][1]
                position = index + 1
                text = f"{label} {text}" if label else text
                break
        result.append(text)
    return result
