"""Work lists across establishments: overdue, due soon, and the actions a person acts for."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse

from planwatch.web.access.decorators import Need, requires
from planwatch.web.access.models import OwnerMapping
from planwatch.web.plans import rules
from planwatch.web.plans.models import Action
from planwatch.web.plans.querysets import ActionQuerySet
from planwatch.web.plans.views.common import as_of, page, paginate, pagination


def _page_of(
    request: HttpRequest, actions: ActionQuerySet, as_of: datetime.date
) -> tuple[Page[Any], list[Action]]:
    """One page of a long list of actions, in order of when they are due. The page is chosen
    by a narrow query (numbers only, from the index) and only its actions are read whole."""
    found = paginate(request, actions.order_by("state_due", "pk").values_list("pk", flat=True))
    wanted = list(found.object_list)
    rows = Action.objects.filter(pk__in=wanted).with_state(as_of)
    by_pk = {action.pk: action for action in _listed(rows)}
    return found, [by_pk[pk] for pk in wanted]


def _listed(actions: ActionQuerySet) -> ActionQuerySet:
    return actions.select_related("concern", "plan__inspection__establishment")


@requires(Need.READ_ANY)
def overdue(request: HttpRequest) -> HttpResponse:
    day, error = as_of(request)
    found, actions = _page_of(
        request, Action.objects.in_force(day, visible_to=request.user).overdue(day), day
    )
    return page(
        request,
        "lists/overdue.html",
        {
            "page": found,
            "actions": actions,
            "as_of": day,
            "error": error,
            "pagination": pagination(request, found),
        },
        status=400 if error else 200,
    )


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
    found, actions = _page_of(
        request,
        Action.objects.in_force(today, visible_to=request.user).due_between(today, until),
        today,
    )
    return page(
        request,
        "lists/due.html",
        {
            "page": found,
            "actions": actions,
            "weeks": weeks,
            "until": until,
            "as_of": today,
            "error": error,
            "pagination": pagination(request, found),
        },
        status=400 if error else 200,
    )


@requires(Need.ACT_ANY)
def my_actions(request: HttpRequest) -> HttpResponse:
    """The open actions of the plans in force whose owners the user acts for."""
    today = rules.today()
    actions = _listed(
        Action.objects.current()
        .visible_to(request.user)
        .acted_for(request.user)
        .with_state(today)
        .exclude(state_status="completed")
        .order_by("state_due", "pk")
    )
    return page(
        request,
        "lists/my_actions.html",
        {
            "actions": actions,
            "mappings": OwnerMapping.objects.filter(
                user_id=int(request.user.pk or 0)
            ).select_related("establishment"),
            "as_of": today,
        },
    )
