"""The search page: words and phrases across what the reader may see, narrowed by filters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from planwatch import labels
from planwatch.web.access.decorators import Need, requires
from planwatch.web.caching import shared_with_public
from planwatch.web.plans import search
from planwatch.web.plans.models import Establishment, Inspection, Plan
from planwatch.web.plans.views.common import page, pagination

FILTERS: dict[str, str] = {
    "establishment": "Establishment",
    "area": "Healthy prison area",
    "topic": "Topic",
    "category": "Kind of concern",
    "year": "Year of inspection",
    "status": "Status of an action",
    "rating": "Judgement",
}


def _filters(request: HttpRequest) -> tuple[search.Filters, dict[str, str]]:
    """The filters asked for, and a message for each that cannot be used."""
    # NUL is refused by PostgreSQL in any string: such a value matches no choice anyway.
    values = {name: request.GET.get(name, "").replace("\x00", "").strip()[:200] for name in FILTERS}
    problems: dict[str, str] = {}
    year: int | None = None
    if values["year"]:
        try:
            year = int(values["year"])
        except ValueError:
            problems["year"] = "Enter the year of the inspection as 4 numbers, like 2024"
    chosen = search.Filters(
        establishment=values["establishment"],
        area=values["area"],
        topic=values["topic"],
        category=values["category"],
        year=year,
        status=values["status"],
        rating=values["rating"],
    )
    return chosen, {**search.check_filters(chosen, request.user), **problems}


def _choices(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    """The options of each filter, from what the reader may see."""
    establishments = Establishment.objects.visible_to(request.user).values_list("slug", "name")
    years = sorted(
        {
            start.year
            for start in Inspection.objects.filter(
                plans__in=Plan.objects.visible_to(request.user), start__isnull=False
            ).values_list("start", flat=True)
            if start is not None
        },
        reverse=True,
    )
    return {
        "establishment": list(establishments),
        "area": list(search.areas().items()),
        "topic": list(search.topics().items()),
        "category": list(labels.CATEGORIES.items()),
        "year": [(str(year), str(year)) for year in years],
        "status": list(search.STATUS_CHOICES.items()),
        "rating": list(labels.RATINGS.items()),
    }


@shared_with_public
@requires(Need.READ_ANY)
def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    filters, problems = _filters(request)
    results: search.SearchResults | None = None
    if len(text) > search.MAX_QUERY_CHARS:
        problems = {"q": f"Enter a search of {search.MAX_QUERY_CHARS} characters or fewer"}
    elif not problems:
        try:
            results = search.search(request.user, text, filters, request.GET.get("page"))
        except search.QueryError as error:
            problems = {"q": str(error)}
    choices = _choices(request)
    selects = [
        {
            "id": name,
            "name": name,
            "label": {"text": label},
            "errorMessage": {"text": problems[name]} if name in problems else None,
            "items": [{"value": "", "text": "Any"}]
            + [
                {"value": value, "text": shown, "selected": value == request.GET.get(name)}
                for value, shown in choices[name]
            ],
        }
        for name, label in FILTERS.items()
        # Areas and topics are offered once concerns carry them.
        if choices[name]
    ]
    context: dict[str, Any] = {
        "query": text[: search.MAX_QUERY_CHARS],
        "selects": selects,
        "establishments": choices["establishment"],
        "problems": problems,
        "error_list": [{"text": message, "href": f"#{name}"} for name, message in problems.items()],
        "results": results,
        "pagination": pagination(request, results.page) if results and results.page else None,
    }
    return page(request, "search/search.html", context, status=400 if problems else 200)
