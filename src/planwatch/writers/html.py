"""Plan -> HTML in the published layout: the source of the accessible PDF."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from planwatch.writers.layout import (
    INTRODUCTION,
    WORDMARK,
    PlanExport,
    header_lines,
    table_rows,
)

environment = Environment(
    loader=PackageLoader("planwatch", "writers/templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def plan_html(export: PlanExport) -> str:
    plan = export.plan
    titles, rows = table_rows(plan)
    return environment.get_template("plan.html").render(
        plan=plan,
        wordmark=WORDMARK,
        header_lines=header_lines(export),
        introduction=INTRODUCTION,
        titles=titles,
        rows=rows,
    )
