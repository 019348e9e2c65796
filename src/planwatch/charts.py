"""Accessible SVG charts: stacked bars whose every bar carries the figure it draws."""

from __future__ import annotations

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


def render_svg(chart: Chart, width: int = 640, height: int = 280) -> str:
    """The chart as inline SVG, described for screen readers by its title and description."""
    left, right, top, bottom = 40, 10, 10, 70
    plot_width, plot_height = width - left - right, height - top - bottom
    highest = max(chart.totals(), default=0) or 1
    step = plot_width / max(len(chart.categories), 1)
    bar_width = max(step * 0.6, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart.id}-title {chart.id}-desc" id="{chart.id}">',
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.id}-desc">{escape(chart.description)}</desc>',
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" '
        f'y2="{top + plot_height}" stroke="#0b0c0c" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top + 10}" font-size="11" text-anchor="end" '
        f'fill="#0b0c0c">{highest}</text>',
        f'<text x="{left - 6}" y="{top + plot_height}" font-size="11" text-anchor="end" '
        f'fill="#0b0c0c">0</text>',
    ]
    for index, category in enumerate(chart.categories):
        x = left + index * step + (step - bar_width) / 2
        y: float = top + plot_height
        for item in chart.series:
            value = item.values[index]
            if not value:
                continue
            bar_height = plot_height * value / highest
            y -= bar_height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" height="{bar_height:.1f}" '
                f'fill="{COLOURS[item.key]}" data-category="{escape(category)}" '
                f'data-series="{escape(item.label)}" data-value="{value}">'
                f"<title>{escape(category)}: {value} {escape(item.label.lower())}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar_width / 2:.1f}" y="{top + plot_height + 14}" font-size="11" '
            f'text-anchor="middle" fill="#0b0c0c">{escape(category)}</text>'
        )
    legend_x = left
    for item in chart.series:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 22}" width="12" height="12" '
            f'fill="{COLOURS[item.key]}"/>'
            f'<text x="{legend_x + 16}" y="{height - 12}" font-size="11" '
            f'fill="#0b0c0c">{escape(item.label)}</text>'
        )
        legend_x += 16 + 7 * len(item.label) + 16
    parts.append("</svg>")
    return "".join(parts)
