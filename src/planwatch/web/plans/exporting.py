"""Stored plans -> PlanExport: the plan model with each action's progress, for the writers."""

from __future__ import annotations

import datetime

from django.db.models import Max

from planwatch.web.plans.models import Action, Plan, ProgressUpdate
from planwatch.writers import PlanExport
from planwatch.writers.layout import ActionProgress


def export_of(plan: Plan, as_of: datetime.date | None = None) -> PlanExport:
    """A stored plan ready to write, with statuses as of a date (today by default)."""
    as_of = as_of or datetime.date.today()
    progress = {}
    actions = Action.objects.filter(concern__plan=plan).select_related("concern")
    for action in actions:
        lineage = action.lineage()
        last = ProgressUpdate.objects.filter(action__in=lineage).aggregate(Max("recorded_at"))
        last_update = last["recorded_at__max"]
        progress[(action.concern.ref, action.number)] = ActionProgress(
            status=action.status,
            overdue=action.is_overdue(as_of),
            owner_normalised=action.owner_normalised,
            due=action.due_date,
            deferred_to=action.deferred_to,
            last_update=last_update.date() if last_update else None,
        )
    return PlanExport(plan=plan.to_model(), version=plan.version, progress=progress)


def file_name(plan: Plan, fmt: str) -> str:
    return f"{plan.establishment.slug}-action-plan-v{plan.version}.{fmt}"
