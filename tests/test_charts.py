"""The SVG charts: each bar carries its figure, and the data table holds the same figures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from planwatch.charts import Chart, Series, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_every_bar_draws_its_figure_and_the_chart_is_labelled():
    chart = Chart(
        id="c",
        title="Status by month",
        description="Stacked bars.",
        categories=("Jun 24", "Jul 24"),
        series=(
            Series("completed", "Completed", (2, 0)),
            Series("overdue", "Overdue", (1, 3)),
        ),
    )
    root = ET.fromstring(render_svg(chart))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Status by month"
    bars = [
        (rect.get("data-category"), rect.get("data-series"), int(rect.get("data-value")))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("data-value")
    ]
    assert bars == [("Jun 24", "Completed", 2), ("Jun 24", "Overdue", 1), ("Jul 24", "Overdue", 3)]
    assert chart.rows() == [("Jun 24", [2, 1], 3), ("Jul 24", [0, 3], 3)]
    # The tallest stack fills the plot; heights are proportional to the figures.
    heights = {
        (rect.get("data-category"), rect.get("data-series")): float(rect.get("height"))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("data-value")
    }
    assert abs(heights[("Jun 24", "Completed")] - 2 * heights[("Jun 24", "Overdue")]) < 0.2
