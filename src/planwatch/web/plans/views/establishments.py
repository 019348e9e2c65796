"""The establishments the user may read, each with the plan in force and its figures."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.caching import shared_with_public
from planwatch.web.plans import lessons, rules
from planwatch.web.plans.models import Action, Establishment, Plan
from planwatch.web.plans.querysets import EMPTY_COUNTS
from planwatch.web.plans.views.common import establishment_by_slug, page


@shared_with_public
def home(request: HttpRequest) -> HttpResponse:
    """Every establishment the user may read, with the plan in force today and its open,
    overdue and completed actions (counted in the database: the estate is large)."""
    if not permissions.anywhere(request.user, permissions.Ability.READ):
        if not request.user.is_authenticated:
            return page(request, "establishments/signed_out.html", {})
        return page(request, "establishments/home.html", {"rows": [], "no_role": True})
    today = rules.today()
    establishments = list(Establishment.objects.visible_to(request.user))
    in_force = Plan.objects.in_force_at([item.pk for item in establishments], today)
    plans = Plan.objects.only("pk", "version", "submitted_on", "state").in_bulk(
        list(in_force.values())
    )
    counts = Action.objects.filter(plan_id__in=list(in_force.values())).counts_by_plan(today)
    rows = []
    for establishment in establishments:
        plan = plans.get(in_force.get(establishment.pk, 0))
        rows.append(
            {
                "establishment": establishment,
                "plan": plan,
                "counts": counts.get(plan.pk, EMPTY_COUNTS) if plan else EMPTY_COUNTS,
            }
        )
    return page(request, "establishments/home.html", {"rows": rows})


@shared_with_public
@requires(Need.READ, load=establishment_by_slug)
def establishment_page(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    plans = Plan.objects.filter(inspection__establishment=establishment).select_related(
        "inspection"
    )
    can_edit = permissions.can_edit(request.user, establishment.pk)
    if not can_edit:
        plans = plans.submitted()
    in_force = plans.in_force_by_establishment(rules.today()).get(establishment.pk)
    return page(
        request,
        "establishments/establishment.html",
        {
            "establishment": establishment,
            "plans": plans.order_by("-inspection__start", "-version"),
            "in_force": in_force,
            "can_edit": can_edit,
            "can_read_private": permissions.can_read_private(request.user, establishment.pk),
            "recurring": lessons.recurring_concerns(establishment),
            "recurring_topics": lessons.recurring_topics(establishment),
        },
    )
