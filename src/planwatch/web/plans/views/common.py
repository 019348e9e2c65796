"""What every page shares: finding the record a URL names, the date a page is as of, paging."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from planwatch.web.plans import rules
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Evidence,
    Judgement,
    Plan,
    ProgressUpdate,
)

PAGE_SIZE = 50


def page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("today", rules.today())
    return render(request, template, context, status=status)


def form_status(*forms: Any) -> int:
    """400 when a submitted form has errors, so that tools and tests can tell."""
    return 400 if any(form is not None and form.errors for form in forms) else 200


def refused(form: Any, refusal: Any) -> None:
    """Show a service's refusal (services.Refused) on the form field it names, or above the
    form when it names none of the form's fields."""
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


# --- the record a URL names -------------------------------------------------------------


def establishment_by_slug(slug: str) -> Establishment:
    return get_object_or_404(Establishment, slug=slug)


def plan_by_pk(pk: int) -> Plan:
    return get_object_or_404(
        Plan.objects.select_related("inspection__establishment").defer("quality"), pk=pk
    )


def concern_by_pk(pk: int) -> Concern:
    return get_object_or_404(
        Concern.objects.select_related("plan__inspection__establishment"), pk=pk
    )


def action_by_pk(pk: int) -> Action:
    return get_object_or_404(
        Action.objects.select_related("concern", "plan__inspection__establishment"), pk=pk
    )


def evidence_by_pk(pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related("update__action__plan__inspection__establishment"), pk=pk
    )


def update_by_pk(pk: int) -> ProgressUpdate:
    return get_object_or_404(
        ProgressUpdate.objects.select_related(
            "action__concern", "action__plan__inspection__establishment"
        ),
        pk=pk,
    )


def judgement_by_pk(pk: int) -> Judgement:
    return get_object_or_404(
        Judgement.objects.select_related("concern__plan__inspection__establishment"), pk=pk
    )


# --- query strings ----------------------------------------------------------------------


@dataclass
class AsOfFilter:
    day: datetime.date
    error: str | None
    form: Any  # forms.AsOfForm, bound to what was asked for


def as_of_filter(request: HttpRequest, label: str = "As of") -> AsOfFilter:
    """The date a page is as of, from the three GOV.UK date boxes (?as_of-day=31&as_of-month=7
    &as_of-year=2024) or, for links and older addresses, one year-month-day value
    (?as_of=2024-07-31); today when neither is given. A date that cannot be used leaves the
    page on today, with the error on the boxes."""
    from planwatch.web.plans.forms import AsOfForm

    if any(f"as_of-{part}" in request.GET for part in ("day", "month", "year")):
        form = AsOfForm(request.GET, label=label)
        if form.is_valid():
            day = form.cleaned_data["as_of"]
            if day is None:  # three empty boxes: today, shown in them
                day = rules.today()
                form = AsOfForm(initial={"as_of": day}, label=label)
            return AsOfFilter(day, None, form)
        return AsOfFilter(
            rules.today(), " ".join(str(error) for error in form.errors["as_of"]), form
        )
    text = request.GET.get("as_of", "").strip()
    day = rules.today()
    if not text:
        return AsOfFilter(day, None, AsOfForm(initial={"as_of": day}, label=label))
    try:
        day = rules.parse_query_date(text)
    except ValueError as error:
        form = AsOfForm({}, label=label)
        form.is_valid()
        form.add_error("as_of", str(error))
        return AsOfFilter(day, str(error), form)
    return AsOfFilter(day, None, AsOfForm(initial={"as_of": day}, label=label))


def paginate(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    """One page of a long list; a page number past the end shows the last page."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def pagination(request: HttpRequest, found: Page[Any]) -> dict[str, Any] | None:
    """Parameters for the GOV.UK pagination component, keeping the other query values."""
    if found.paginator.num_pages < 2:
        return None

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    items: list[dict[str, Any]] = []
    for number in found.paginator.get_elided_page_range(found.number, on_each_side=1, on_ends=1):
        if not isinstance(number, int):  # Paginator.ELLIPSIS
            items.append({"ellipsis": True})
        else:
            items.append(
                {"number": number, "href": link(int(number)), "current": number == found.number}
            )
    result: dict[str, Any] = {"items": items}
    if found.has_previous():
        result["previous"] = {"href": link(found.previous_page_number())}
    if found.has_next():
        result["next"] = {"href": link(found.next_page_number())}
    return result
