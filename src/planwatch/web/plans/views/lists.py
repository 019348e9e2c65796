"""Work lists across establishments: overdue, due soon, and the actions a person acts for."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from planwatch.web.access.decorators import Need, requires
from planwatch.web.access.models import OwnerMapping
from planwatch.web.caching import shared_with_public
from planwatch.web.plans import forms, rules
from planwatch.web.plans.models import Action, Establishment
from planwatch.web.plans.querysets import (
    DEFAULT_WORK_LIST_SORT,
    WORK_LIST_SORTS,
    ActionQuerySet,
)
from planwatch.web.plans.views.common import as_of_filter, page, paginate, pagination


def _work_list(
    request: HttpRequest, actions: ActionQuerySet, as_of: datetime.date
) -> dict[str, Any]:
    """One page of a work list, narrowed by its filters and in the order asked for, with
    what its template needs to show them: the filter form, sortable headings, pagination.

    The page is chosen by a narrow query (numbers only; in the default order, from the due
    index) and only its actions are read whole."""
    establishments = list(Establishment.objects.visible_to(request.user).order_by("name"))
    criteria = forms.WorkListFilterForm(request.GET, establishments=establishments).criteria()
    sort = request.GET.get("sort", DEFAULT_WORK_LIST_SORT)
    if sort not in WORK_LIST_SORTS:
        sort = DEFAULT_WORK_LIST_SORT
    descending = request.GET.get("order") == "descending"
    ordered = actions.narrowed(criteria).sorted_for_list(sort, descending)
    found = paginate(request, ordered.values_list("pk", flat=True))
    wanted = list(found.object_list)
    rows = Action.objects.filter(pk__in=wanted).with_state(as_of)
    by_pk = {action.pk: action for action in _listed(rows)}
    listed = [by_pk[pk] for pk in wanted]
    for action in listed:
        action.days_overdue = rules.days_overdue(action.state_status, action.state_due, as_of)
    return {
        "page": found,
        "actions": listed,
        "filters": forms.WorkListFilterForm(initial=criteria, establishments=establishments),
        "filtered": bool(criteria),
        "sorting": _sorting(request, sort, descending),
        "pagination": pagination(request, found),
    }


def _sorting(request: HttpRequest, sort: str, descending: bool) -> dict[str, Any]:
    """For each sortable column: its link (the same filters, first page) and its aria-sort."""
    columns: dict[str, dict[str, str]] = {}
    for key in WORK_LIST_SORTS:
        active = key == sort
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = key
        query["order"] = "ascending" if (active and descending) or not active else "descending"
        columns[key] = {
            "href": f"?{query.urlencode()}",
            "aria": ("descending" if descending else "ascending") if active else "none",
        }
    return {"sort": sort, "descending": descending, "columns": columns}


def _listed(actions: ActionQuerySet) -> ActionQuerySet:
    # Not the plan's quality report nor its reading warnings: JSON no list shows, decoded
    # for every row otherwise.
    return actions.select_related("concern", "plan__inspection__establishment").defer(
        "plan__quality", "plan__warnings"
    )


@shared_with_public
@requires(Need.READ_ANY)
def overdue(request: HttpRequest) -> HttpResponse:
    chosen = as_of_filter(request, label="Overdue as of")
    day = chosen.day
    context = _work_list(
        request, Action.objects.in_force(day, visible_to=request.user).overdue(day), day
    )
    context.update(as_of=day, error=chosen.error, form=chosen.form)
    return page(request, "lists/overdue.html", context, status=400 if chosen.error else 200)


@shared_with_public
@requires(Need.READ_ANY)
def due_soon(request: HttpRequest) -> HttpResponse:
    error = None
    try:
        weeks = int(request.GET.get("weeks", "4"))
        if not 1 <= weeks <= 104:
            raise ValueError
    except ValueError:
        weeks, error = 4, "Enter a number of weeks from 1 to 104"
    today = rules.today()
    until = today + datetime.timedelta(weeks=weeks)
    context = _work_list(
        request,
        Action.objects.in_force(today, visible_to=request.user).due_between(today, until),
        today,
    )
    context.update(weeks=weeks, until=until, as_of=today, error=error)
    return page(request, "lists/due.html", context, status=400 if error else 200)


@requires(Need.ACT_ANY)
def my_actions(request: HttpRequest) -> HttpResponse:
    """The open actions of the plans in force whose owners the user acts for."""
    today = rules.today()
    actions = (
        Action.objects.current()
        .visible_to(request.user)
        .acted_for(request.user)
        .with_state(today)
        .exclude(state_status="completed")
    )
    context = _work_list(request, actions, today)
    context.update(
        mappings=OwnerMapping.objects.filter(user_id=int(request.user.pk or 0)).select_related(
            "establishment"
        ),
        as_of=today,
    )
    return page(request, "lists/my_actions.html", context)
