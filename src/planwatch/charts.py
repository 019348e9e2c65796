"""Accessible SVG charts: stacked bars in colours with patterns, labels that never overlap."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

# GOV.UK Design System colours, each at least 3:1 against white (WCAG 1.4.11).
COLOURS = {
    "completed": "#00703c",
    "in_progress": "#1d70b8",
    "open": "#1d70b8",
    "not_started": "#505a5f",
    "deferred": "#912b88",
    "overdue": "#d4351c",
}

# Each series has its own pattern too, so colour is never the only cue (WCAG 1.4.1): white
# marks over the colour, drawn in a 10-unit tile. None is a plain fill.
PATTERNS: dict[str, str | None] = {
    "completed": None,
    "in_progress": '<path d="M-2,2 l4,-4 M0,10 l10,-10 M8,12 l4,-4" stroke="#fff" '
    'stroke-width="2"/>',
    "open": '<path d="M-2,2 l4,-4 M0,10 l10,-10 M8,12 l4,-4" stroke="#fff" stroke-width="2"/>',
    "not_started": '<circle cx="5" cy="5" r="1.8" fill="#fff"/>',
    "deferred": '<path d="M0,5 h10" stroke="#fff" stroke-width="2"/>',
    "overdue": '<path d="M0,0 l10,10 M10,0 l-10,10" stroke="#fff" stroke-width="1.5"/>',
}

# Text is 16 units high; a chart drawn at its own width shows it at 16 px (GOV.UK's body
# size on a phone). WIDE suits a desktop column and print; NARROW a 375 px phone.
FONT_SIZE = 16
WIDE = 640
NARROW = 340
# An estimate, on the generous side, of a character's width in units (Arial and GDS
# Transport both average under 0.6 of the font size) and the gap kept between labels.
CHAR_WIDTH = 0.6 * FONT_SIZE
LABEL_GAP = 8
# The key of numbered bars starts at the chart's left edge, not the plot's.
KEY_LEFT = 8


@dataclass(frozen=True)
class Series:
    key: str  # a status such as "completed"; also picks the colour
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """A stacked bar chart and the data it draws, for the SVG and the table beside it."""

    id: str
    title: str
    description: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    # What the categories along the bottom are, for the line stating their range.
    axis: str = "Months"
    # Categories in words (not a run of months or years): every one is labelled, its words
    # wrapped under its bar, or numbered with a key below where a word is wider than a bar.
    named: bool = False

    def totals(self) -> list[int]:
        return [
            sum(item.values[index] for item in self.series) for index in range(len(self.categories))
        ]

    def rows(self) -> list[tuple[str, list[int], int]]:
        """The data table: one row per category, a column per series, and the total."""
        return [
            (category, [item.values[index] for item in self.series], total)
            for index, (category, total) in enumerate(
                zip(self.categories, self.totals(), strict=True)
            )
        ]

    def range_text(self) -> str:
        """The span of the categories, said once: "Jan 24 to Sep 24"."""
        if not self.categories:
            return "No months"
        if len(self.categories) == 1:
            return self.categories[0]
        return f"{self.categories[0]} to {self.categories[-1]}"


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def label_every(categories: tuple[str, ...], step: float) -> int:
    """Label every nth category so that no two labels overlap: 1, 2, 3..."""
    widest = max((text_width(category) for category in categories), default=0)
    return max(1, math.ceil((widest + LABEL_GAP) / step)) if step > 0 else 1


def labelled_indexes(count: int, every: int) -> list[int]:
    """The categories that carry a label: the first, then every nth. The last is labelled
    too when it keeps its distance from the one before it."""
    indexes = list(range(0, count, every))
    if count and indexes[-1] != count - 1 and count - 1 - indexes[-1] >= every:
        indexes.append(count - 1)
    return indexes


def wrapped(text: str, width: float) -> list[str] | None:
    """The text in lines no wider than `width`, broken between words; None when one word
    alone is wider."""
    lines: list[str] = []
    for word in text.split():
        if text_width(word) > width:
            return None
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _category_labels(
    chart: Chart, step: float, key_width: float
) -> tuple[list[list[str]], list[str]]:
    """For named categories: the lines under each bar, and the lines of the key below the
    chart (none unless the bars are numbered because a word is wider than a bar)."""
    lines = [wrapped(category, step - LABEL_GAP) for category in chart.categories]
    if all(item is not None for item in lines):
        return [item or [] for item in lines], []
    numbers = [[str(index + 1)] for index in range(len(chart.categories))]
    key: list[str] = []
    for index, name in enumerate(chart.categories):
        entry = f"{index + 1}: {name}"
        key += wrapped(entry, key_width) or [entry]
    return numbers, key


def _legend(chart: Chart, width: int, left: int, pattern_id: str) -> tuple[list[str], int]:
    """The key, wrapped onto as many lines as the width needs: parts and its height."""
    parts: list[str] = []
    x: float = left
    y, line = 0, FONT_SIZE + 8
    for item in chart.series:
        needed = 18 + 6 + text_width(item.label) + 16
        if x > left and x + needed > width:
            x, y = left, y + line
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="18" height="18" '
            f'fill="{_fill(item.key, pattern_id)}" stroke="#0b0c0c" stroke-width="1"/>'
            f'<text x="{x + 24:.1f}" y="{y + 15}" font-size="{FONT_SIZE}" '
            f'fill="#0b0c0c">{escape(item.label)}</text>'
        )
        x += needed
    return parts, y + line


def _fill(key: str, pattern_id: str) -> str:
    return f"url(#{pattern_id}-{key})" if PATTERNS.get(key) else COLOURS[key]


def render_svg(
    chart: Chart, width: int = WIDE, suffix: str = "", plot_height: int | None = None
) -> str:
    """The chart as inline SVG, described for screen readers by its title and description.

    Drawn `width` units wide with 16-unit text: shown at that width in pixels its text is
    16 px. Month labels are thinned so that none overlap, and the range is stated below."""
    svg_id = f"{chart.id}{suffix}"
    left, right = 44, 12
    legend, legend_height = _legend(chart, width - right, left, svg_id)
    top = legend_height + 12
    plot_height = plot_height or (170 if width >= WIDE else 150)
    plot_width = width - left - right
    highest = max(chart.totals(), default=0) or 1
    count = max(len(chart.categories), 1)
    step = plot_width / count
    bar_width = max(step * 0.6, 2)
    every = label_every(chart.categories, step)
    axis = top + plot_height
    line = FONT_SIZE + 4
    names: list[list[str]] = []
    key: list[str] = []
    if chart.named:
        names, key = _category_labels(chart, step, width - KEY_LEFT - right)
        every = 1
    label_lines = max((len(item) for item in names), default=1)
    height = axis + label_lines * line + 4 + (len(key) + 1) * line + 10
    defs = "".join(
        f'<pattern id="{svg_id}-{key}" width="10" height="10" patternUnits="userSpaceOnUse">'
        f'<rect width="10" height="10" fill="{COLOURS[key]}"/>{marks}</pattern>'
        for key, marks in PATTERNS.items()
        if marks and any(item.key == key for item in chart.series)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" id="{svg_id}" '
        f'font-family="GDS Transport, Arial, Liberation Sans, sans-serif">',
        f'<title id="{svg_id}-title">{escape(chart.title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(chart.description)}</desc>',
        f"<defs>{defs}</defs>" if defs else "",
        *legend,
        f'<line x1="{left}" y1="{axis}" x2="{width - right}" y2="{axis}" '
        f'stroke="#0b0c0c" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top + FONT_SIZE - 4}" font-size="{FONT_SIZE}" '
        f'text-anchor="end" fill="#0b0c0c">{highest}</text>',
        f'<text x="{left - 6}" y="{axis}" font-size="{FONT_SIZE}" text-anchor="end" '
        f'fill="#0b0c0c">0</text>',
    ]
    labelled = set(labelled_indexes(len(chart.categories), every))
    for index, category in enumerate(chart.categories):
        x = left + index * step + (step - bar_width) / 2
        y: float = axis
        for item in chart.series:
            value = item.values[index]
            if not value:
                continue
            bar_height = plot_height * value / highest
            y -= bar_height
            # A white edge between segments keeps neighbouring colours apart.
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{bar_height:.1f}" '
                f'fill="{_fill(item.key, svg_id)}" stroke="#fff" stroke-width="1" '
                f'data-category="{escape(category)}" '
                f'data-series="{escape(item.label)}" data-value="{value}">'
                f"<title>{escape(category)}: {value} {escape(item.label.lower())}</title></rect>"
            )
        if index in labelled:
            centre = x + bar_width / 2
            spans = (
                "".join(
                    f'<tspan x="{centre:.1f}" dy="{line if number else 0}">{escape(text)}</tspan>'
                    for number, text in enumerate(names[index])
                )
                if names
                else escape(category)
            )
            parts.append(
                f'<text x="{centre:.1f}" y="{axis + FONT_SIZE + 4}" '
                f'font-size="{FONT_SIZE}" text-anchor="middle" fill="#0b0c0c" '
                f'class="category-label">{spans}</text>'
            )
    below = axis + label_lines * line + 4
    for number, text in enumerate(key):
        parts.append(
            f'<text x="{KEY_LEFT}" y="{below + (number + 1) * line}" font-size="{FONT_SIZE}" '
            f'fill="#0b0c0c" class="category-key">{escape(text)}</text>'
        )
    # Named categories are each labelled: the line says only what they are.
    caption = chart.axis if chart.named else f"{chart.axis}: {chart.range_text()}"
    parts.append(
        f'<text x="{KEY_LEFT if key else left}" y="{height - 8}" font-size="{FONT_SIZE}" '
        f'fill="#0b0c0c" class="range">{escape(caption)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
