"""Reports: an establishment's progress on a date (page and PDF) and the estate side by side."""

from __future__ import annotations

import io
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from planwatch import labels
from planwatch.charts import NARROW, WIDE, render_svg
from planwatch.web.access.decorators import Need, requires
from planwatch.web.caching import shared_with_public
from planwatch.web.plans import lessons, reports
from planwatch.web.plans.models import Establishment, Plan, Rating
from planwatch.web.plans.views.common import (
    AsOfFilter,
    as_of_filter,
    establishment_by_slug,
    page,
)
from planwatch.writers.cells import SafeCsvWriter


def _chosen_plan(request: HttpRequest, establishment: Establishment) -> Plan | None:
    """The plan asked for with ?plan=N: a submitted plan of this establishment."""
    text = request.GET.get("plan", "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Http404("No such plan")
    plan = (
        Plan.objects.submitted()
        .filter(inspection__establishment=establishment, pk=int(text))
        .select_related("inspection")
        .first()
    )
    if plan is None:
        raise Http404("No such plan")
    return plan


def _report_context(request: HttpRequest, establishment: Establishment) -> dict[str, Any]:
    chosen_day = as_of_filter(request, label="Report as of")
    day, error = chosen_day.day, chosen_day.error
    chosen = _chosen_plan(request, establishment)
    report = reports.progress_report(establishment, day, chosen)
    return {
        "chosen": chosen.pk if chosen else None,
        "report": report,
        "as_of": day,
        "error": error,
        "form": chosen_day.form,
        "status_names": reports.STATUS_NAMES,
        "status_order": reports.STATUS_ORDER,
        # Each chart drawn twice: the page shows the narrow drawing on phones (its text stays
        # 16 px there), the wide one elsewhere and in the PDF.
        "svg": {chart.id: render_svg(chart, WIDE) for chart in report.charts},
        "narrow_svg": {
            chart.id: render_svg(chart, NARROW, suffix="-narrow") for chart in report.charts
        },
        "plans": Plan.objects.submitted()
        .filter(inspection__establishment=establishment)
        .select_related("inspection")
        .order_by("-inspection__start", "-version"),
    }


@requires(Need.READ, load=establishment_by_slug)
def progress_report_page(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    """An establishment's progress as of a chosen date."""
    context = _report_context(request, establishment)
    return page(request, "reports/report.html", context, status=400 if context["error"] else 200)


@requires(Need.READ, load=establishment_by_slug)
def progress_report_pdf(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    """The same report as an accessible PDF."""
    chosen_day = as_of_filter(request, label="Report as of")
    if chosen_day.error:
        return _bad_date(chosen_day.error)
    day = chosen_day.day
    pdf = reports.progress_report_pdf(establishment, day, _chosen_plan(request, establishment))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = reports.progress_report_file_name(establishment, day)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bad_date(error: str) -> HttpResponse:
    """A download asked for with a date that cannot be used: say so, in one line."""
    return HttpResponse(f"{error}\n", status=400, content_type="text/plain; charset=utf-8")


def _estate(
    request: HttpRequest,
) -> tuple[list[reports.EstateRow], AsOfFilter, str, bool]:
    chosen = as_of_filter(request, label="Report as of")
    day = chosen.day
    rows = reports.estate_report(list(Establishment.objects.visible_to(request.user)), day)
    sort = request.GET.get("sort", "establishment")
    if sort not in reports.ESTATE_COLUMNS:
        sort = "establishment"
    descending = request.GET.get("order") == "descending"
    rows.sort(key=reports.ESTATE_COLUMNS[sort][1], reverse=descending)
    return rows, chosen, sort, descending


@shared_with_public
@requires(Need.READ_ANY)
def estate(request: HttpRequest) -> HttpResponse:
    """Every establishment side by side, sortable by any column."""
    rows, chosen, sort, descending = _estate(request)
    error = chosen.error
    return page(
        request,
        "reports/estate.html",
        {
            "rows": rows,
            "as_of": chosen.day,
            "error": error,
            "form": chosen.form,
            "sort": sort,
            "descending": descending,
            "columns": {key: label for key, (label, _) in reports.ESTATE_COLUMNS.items()},
            "ratings": list(labels.RATINGS.values()),
            "self_reported": lessons.combined(
                [row.self_reported for row in rows if row.self_reported]
            ),
        },
        status=400 if error else 200,
    )


def _self_reported_cells(row: reports.EstateRow) -> list[int | str]:
    """Empty when no concern of the establishment was judged: nothing was counted."""
    found = row.self_reported
    return [found.reported_complete, found.complete_not_met] if found else ["", ""]


@shared_with_public
@requires(Need.READ_ANY)
def estate_csv(request: HttpRequest) -> HttpResponse:
    """The estate report as CSV."""
    rows, chosen, _, _ = _estate(request)
    day = chosen.day
    if chosen.error:
        return _bad_date(chosen.error)
    output = io.StringIO(newline="")
    writer = SafeCsvWriter(output, lineterminator="\r\n")
    ratings = [label for _, label in Rating.choices]
    writer.writerow(
        [
            "establishment",
            "as_of",
            "plan_version",
            "open",
            "overdue",
            "completed",
            "deferred",
            "due_so_far",
            "delivered_on_time",
            "on_time_share",
        ]
        + [f"judgements_{label.lower().replace(' ', '_')}" for label in ratings]
        + ["reported_complete", "reported_complete_judged_not_met"]
    )
    for row in rows:
        share = row.on_time_share
        if row.plan is None:
            # No plan in force that day: nothing was counted, which is not zero.
            writer.writerow(
                [row.establishment.name, day.isoformat()]
                + [""] * (8 + len(ratings))
                + _self_reported_cells(row)
            )
            continue
        writer.writerow(
            [
                row.establishment.name,
                day.isoformat(),
                row.plan.version,
                row.open,
                row.overdue,
                row.completed,
                row.deferred,
                row.due_so_far,
                row.delivered_on_time,
                "" if share is None else f"{share:.3f}",
            ]
            + [row.judgements.get(label, 0) for label in ratings]
            + _self_reported_cells(row)
        )
    response = HttpResponse(
        output.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="estate-{day.isoformat()}.csv"'
    return response
