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


def _reported_chart() -> Chart:
    return Chart(
        id="reported",
        title="Judgements by what owners had reported",
        description="Stacked bars.",
        categories=(
            "All actions completed",
            "Some actions completed",
            "Actions deferred, none completed",
            "No action completed",
        ),
        series=(Series("completed", "Good progress", (1, 2, 3, 4)),),
        axis="What owners had reported",
        named=True,
    )


def test_named_categories_are_each_labelled_in_words_wrapped_under_their_bars():
    root = ET.fromstring(render_svg(_reported_chart()))  # 146 units a bar
    labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "category-label"]
    assert [[span.text for span in label] for label in labels] == [
        ["All actions", "completed"],
        ["Some actions", "completed"],
        ["Actions", "deferred, none", "completed"],
        ["No action", "completed"],
    ]
    for label in labels:  # every line within its bar's width, less the gap
        assert all(len(span.text) * 9.6 <= 146 - 8 for span in label)
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "range"] == [
        "What owners had reported"
    ]
    assert not [t for t in root.iter(f"{SVG}text") if t.get("class") == "category-key"]


def test_named_categories_too_wide_for_a_phone_are_numbered_with_a_key():
    from planwatch.charts import NARROW

    svg = render_svg(_reported_chart(), NARROW)  # 71 units a bar: "completed" is 86
    root = ET.fromstring(svg)
    labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "category-label"]
    assert [[span.text for span in label] for label in labels] == [["1"], ["2"], ["3"], ["4"]]
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "category-key"] == [
        "1: All actions completed",
        "2: Some actions completed",
        "3: Actions deferred, none",
        "completed",
        "4: No action completed",
    ]
    # Every line of text stays inside the chart's height and within a phone's width.
    height = float(root.get("height"))
    for text in root.iter(f"{SVG}text"):
        assert float(text.get("y")) <= height
    longest = max(
        len(t.text or "")
        for t in root.iter(f"{SVG}text")
        if t.get("class") in ("category-key", "range")
    )
    assert 8 + longest * 9.6 <= NARROW - 12
