"""The SVG charts: each bar carries its figure, and the data table holds the same figures."""

from __future__ import annotations

import itertools
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


def test_month_labels_are_thinned_to_keep_apart_and_the_range_is_stated():
    from planwatch.charts import NARROW, WIDE

    months = tuple(
        f"{name} {year}"
        for year in (24, 25)
        for name in (
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        )
    )
    chart = Chart("m", "By month", "Bars.", months, (Series("completed", "Completed", (1,) * 24),))
    for width in (WIDE, NARROW):
        root = ET.fromstring(render_svg(chart, width))
        labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "category-label"]
        xs = [float(t.get("x")) for t in labels]
        assert labels[0].text == "Jan 24"
        # Each label (6 characters, at most 9.6 units each) keeps 8 units from the next.
        assert all(b - a >= 6 * 9.6 + 8 for a, b in itertools.pairwise(xs))
        assert len(labels) < 24
        assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "range"] == [
            "Months: Jan 24 to Dec 25"
        ]
        assert {t.get("font-size") for t in root.iter(f"{SVG}text")} == {"16"}


def test_the_range_line_names_what_the_bars_are():
    from planwatch.charts import Chart, Series, render_svg

    chart = Chart(
        id="years",
        title="Concerns by year",
        description="Bars, one per year.",
        categories=("2019", "2022", "2025"),
        series=(Series("completed", "Concerns", (1, 2, 3)),),
        axis="Inspection years",
    )
    assert '<text x="' in render_svg(chart)
    assert "Inspection years: 2019 to 2025</text>" in render_svg(chart)
    assert "Months:" not in render_svg(chart)
