"""What the estate learns: a concern with its earlier and similar concerns, self-reported
against judged progress (an establishment's and the estate's), and the estate's themes."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest, HttpResponse

from planwatch import labels
from planwatch.charts import NARROW, WIDE, render_svg
from planwatch.web.access.decorators import Need, requires
from planwatch.web.caching import shared_with_public
from planwatch.web.plans import lessons, taxonomy
from planwatch.web.plans.models import Concern, Establishment
from planwatch.web.plans.views.common import concern_by_pk, establishment_by_slug, page
from planwatch.writers.cells import SafeCsvWriter


@shared_with_public
@requires(Need.READ, load=concern_by_pk)
def concern_page(request: HttpRequest, concern: Concern) -> HttpResponse:
    """A concern, its actions, the same establishment's earlier concerns on the same matter
    and how they fared, and what worked elsewhere."""
    found = lessons.concern_lessons(concern, request.user)
    return page(
        request,
        "lessons/concern.html",
        {
            "concern": concern,
            "plan": concern.plan,
            "lessons": found,
            "actions": list(concern.actions.all()),
        },
    )


def _filters(request: HttpRequest, years: list[int]) -> tuple[dict[str, Any], str | None]:
    """The year, area and topic asked for, with a message for a value that cannot be used."""
    text = request.GET.get("year", "").strip()
    year = None
    error = None
    if text:
        if text.isdigit() and int(text) in years:
            year = int(text)
        else:
            error = "Choose an inspection year from the list"
    area, topic, problem = taxonomy.chosen(request.GET)
    return {"year": year, "area": area, "topic": topic}, error or problem


def _self_reported(
    request: HttpRequest, establishment: Establishment | None, listed: bool = True
) -> dict[str, Any]:
    years = lessons.self_reported_years(request.user, establishment)
    chosen, error = _filters(request, years)
    # The estate's page shows counts only (made by the database); lists are per establishment.
    listed = listed and establishment is not None
    result = lessons.self_reported(request.user, establishment, listed=listed, **chosen)
    chart = result.chart()
    return {
        "establishment": establishment,
        "result": result,
        "chart": chart,
        # Drawn twice, as the progress report's charts: narrow on phones, wide elsewhere.
        "svg": render_svg(chart, WIDE),
        "narrow_svg": render_svg(chart, NARROW, suffix="-narrow"),
        "by_establishment": lessons.self_reported_by_establishment(request.user, **chosen)
        if establishment is None
        else [],
        "years": years,
        "chosen": chosen,
        "error": error,
        "areas": taxonomy.areas(),
        "topics": taxonomy.topics(),
        "reported_labels": labels.REPORTED,
        "query": request.GET.urlencode(),
    }


@shared_with_public
@requires(Need.READ, load=establishment_by_slug)
def establishment_self_reported(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    context = _self_reported(request, establishment)
    return page(request, "lessons/self_reported.html", context, status=_status(context))


@shared_with_public
@requires(Need.READ_ANY)
def estate_self_reported(request: HttpRequest) -> HttpResponse:
    context = _self_reported(request, None)
    return page(request, "lessons/self_reported.html", context, status=_status(context))


def _status(context: dict[str, Any]) -> int:
    return 400 if context["error"] else 200


def _bad_filter(error: str) -> HttpResponse:
    return HttpResponse(f"{error}\n", status=400, content_type="text/plain; charset=utf-8")


def _csv(rows: list[list[Any]], name: str) -> HttpResponse:
    output = io.StringIO(newline="")
    # Text a spreadsheet would run (an establishment named "=…") is written as text.
    writer = SafeCsvWriter(output, lineterminator="\r\n")
    writer.writerows(rows)
    response = HttpResponse(
        output.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


SELF_REPORTED_COLUMNS = [
    "establishment",
    "inspection_start",
    "concern_ref",
    "plan_version",
    "judged_on",
    "judgement",
    "actions",
    "completed",
    "deferred",
    "reported",
    "reported_complete_judged_not_met",
]


def _self_reported_csv(request: HttpRequest, establishment: Establishment | None) -> HttpResponse:
    years = lessons.self_reported_years(request.user, establishment)
    chosen, error = _filters(request, years)
    if error:
        return _bad_filter(error)
    result = lessons.self_reported(request.user, establishment, **chosen)
    rows: list[list[Any]] = [SELF_REPORTED_COLUMNS]
    for row in result.rows:
        start = row.inspection.start
        rows.append(
            [
                row.establishment.name,
                start.isoformat() if start else "",
                row.concern_ref,
                row.concern.plan.version,
                row.judged_on.isoformat(),
                row.rating,
                row.actions,
                row.completed,
                row.deferred,
                row.reported,
                "true"
                if row.reported == "all" and row.rating in labels.NOT_MET_RATINGS
                else "false",
            ]
        )
    slug = establishment.slug if establishment else "estate"
    return _csv(rows, f"{slug}-self-reported-against-judged.csv")


@shared_with_public
@requires(Need.READ, load=establishment_by_slug)
def establishment_self_reported_csv(
    request: HttpRequest, establishment: Establishment
) -> HttpResponse:
    return _self_reported_csv(request, establishment)


@shared_with_public
@requires(Need.READ_ANY)
def estate_self_reported_csv(request: HttpRequest) -> HttpResponse:
    return _self_reported_csv(request, None)


def _themes(request: HttpRequest) -> dict[str, Any]:
    area, topic, error = taxonomy.chosen(request.GET)
    category = request.GET.get("category", "").strip()
    if category and category not in labels.CATEGORIES:
        error, category = "Choose a kind of concern from the list", ""
    found = lessons.themes(request.user, area=area, topic=topic, category=category)
    chart = found.chart()
    return {
        "themes": found,
        "chart": chart,
        # Drawn twice, as the progress report's charts: narrow on phones, wide elsewhere.
        "svg": render_svg(chart, WIDE),
        "narrow_svg": render_svg(chart, NARROW, suffix="-narrow"),
        "chosen": {"area": area, "topic": topic, "category": category},
        "error": error,
        "areas": taxonomy.areas(),
        "topics": taxonomy.topics(),
        "categories": labels.CATEGORIES,
        "query": request.GET.urlencode(),
    }


@shared_with_public
@requires(Need.READ_ANY)
def themes(request: HttpRequest) -> HttpResponse:
    """Concerns across the estate by year and area (or kind), and where they recur."""
    context = _themes(request)
    return page(request, "lessons/themes.html", context, status=_status(context))


@shared_with_public
@requires(Need.READ_ANY)
def themes_csv(request: HttpRequest) -> HttpResponse:
    context = _themes(request)
    if context["error"]:
        return _bad_filter(context["error"])
    found = context["themes"]
    by = "area" if taxonomy.has_areas() else "category"
    rows: list[list[Any]] = [
        ["inspection_year", by, "concerns", "raised_at_an_earlier_inspection_too"]
    ]
    for year in found.years:
        for key in found.kinds:
            rows.append(
                [year, key, found.counts.get((year, key), 0), found.recurring.get((year, key), 0)]
            )
    return _csv(rows, "estate-themes.csv")
