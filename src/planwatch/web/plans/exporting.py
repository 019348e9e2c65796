"""Stored plans -> PlanExport: the plan model with each action's progress, for the writers."""

from __future__ import annotations

import datetime

from django.utils import timezone

from planwatch import labels
from planwatch.web.plans import rules
from planwatch.web.plans.models import Plan
from planwatch.web.plans.reports import plan_states
from planwatch.writers import PlanExport
from planwatch.writers.layout import ActionProgress


def export_of(plan: Plan, as_of: datetime.date | None = None, document: bool = False) -> PlanExport:
    """A stored plan ready to write, with each action's progress as of a date (today by
    default), worked out by the same rules as every page and report. A `document` (the
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
    return PlanExport(
        plan=plan.to_model(as_printed=document), version=plan.version, progress=progress
    )


def file_name(plan: Plan, fmt: str) -> str:
    """Names that differ for every plan held: establishment, inspection, version."""
    inspection = plan.inspection
    when = f"-{inspection.start:%Y-%m-%d}" if inspection.start else f"-inspection-{inspection.pk}"
    return f"{plan.establishment.slug}{when}-action-plan-v{plan.version}.{fmt}"
