"""Stored plans -> PlanExport: the plan model with each action's progress, for the writers."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from planwatch import labels
from planwatch.web.plans import rules
from planwatch.web.plans.models import Plan
from planwatch.web.plans.reports import plan_states
from planwatch.writers import PlanExport
from planwatch.writers.layout import ActionProgress, ConcernLinks, LinkedConcern


def links_of(plan: Plan, user: Any = None) -> dict[str, ConcernLinks]:
    """{concern number: its concerns on the same matter elsewhere}, from the stored links of
    the newest version of the plan; with `user`, only those the user may read (without, as
    the command line sees them: every submitted plan)."""
    from planwatch.web.plans import lessons
    from planwatch.web.plans.learned import ConcernLink
    from planwatch.web.plans.models import Concern

    concerns = list(plan.concerns.select_related("plan__inspection"))
    sources = {concern.ref: lessons.compared_concern(concern).pk for concern in concerns}
    links = ConcernLink.objects.filter(concern_id__in=list(sources.values()))
    if user is not None:
        links = links.visible_to(user)
    found: dict[int, dict[bool, list[LinkedConcern]]] = {}
    others = Concern.objects.select_related("plan__inspection__establishment").in_bulk(
        list(links.values_list("other_id", flat=True))
    )
    for link in links.order_by("-score", "other_id"):
        other = others[link.other_id]
        inspection = other.plan.inspection
        found.setdefault(link.concern_id, {True: [], False: []})[link.same_establishment].append(
            LinkedConcern(
                establishment=inspection.establishment.name,
                inspection_start=inspection.start.isoformat() if inspection.start else None,
                ref=other.ref,
                similarity=round(link.score, 3),
            )
        )
    result = {}
    for ref, source in sources.items():
        kinds = found.get(source, {True: [], False: []})
        result[ref] = ConcernLinks(recurring=tuple(kinds[True]), elsewhere=tuple(kinds[False]))
    return result


def export_of(
    plan: Plan, as_of: datetime.date | None = None, user: Any = None, document: bool = False
) -> PlanExport:
    """A stored plan ready to write, with each action's progress as of a date (today by
    default), worked out by the same rules as every page and report, and each concern's
    concerns on the same matter (those `user` may read, when given). A `document` (the
    published layout) prints only what the plan printed: no classified or person-set areas,
    which would read back as printed ones."""
    as_of = as_of or rules.today()
    standing = Plan.objects.standing(plan, as_of)
    progress = {}
    # A superseded plan's unfinished actions are not overdue: they left every figure.
    for state in plan_states(plan, as_of, superseded=standing.superseded_by_inspection):
        action = state.action
        progress[(action.concern.ref, action.number)] = ActionProgress(
            status=state.stored_status,
            overdue=state.status == labels.OVERDUE,
            owner_normalised=action.owner_normalised,
            due=state.due,
            deferred_to=state.deferred_to,
            last_update=timezone.localtime(state.latest.recorded_at).date()
            if state.latest
            else None,
            in_force=standing.in_force,
        )
    # A later version submitted after the first is a re-issue: the writers say "Revised".
    first = plan.versions().filter(submitted_on__isnull=False).order_by("version").first()
    return PlanExport(
        plan=plan.to_model(as_printed=document),
        version=plan.version,
        progress=progress,
        first_submitted=first.submitted_on.isoformat() if first and first.submitted_on else None,
        links=links_of(plan, user),
    )


def file_name(plan: Plan, fmt: str) -> str:
    """Names that differ for every plan held: establishment, inspection, version."""
    inspection = plan.inspection
    when = f"-{inspection.start:%Y-%m-%d}" if inspection.start else f"-inspection-{inspection.pk}"
    return f"{plan.establishment.slug}{when}-action-plan-v{plan.version}.{fmt}"
