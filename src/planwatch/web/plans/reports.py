"""Progress and estate reports: where every action stood on a chosen date, and the charts."""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from planwatch import labels
from planwatch.charts import Chart, Series
from planwatch.web.plans import lessons, rules
from planwatch.web.plans.models import (
    OVERDUE,
    SUPERSEDED,
    Action,
    Establishment,
    Judgement,
    Plan,
    ProgressUpdate,
    Rating,
    Status,
)
from planwatch.web.plans.querysets import EMPTY_COUNTS

STATUS_ORDER = labels.STATUS_ORDER
STATUS_NAMES = labels.DISPLAY_STATUSES


@dataclass
class ActionState:
    """An action as it stood at the end of a day."""

    action: Action
    status: str  # the status people see: stored status, "overdue" or "superseded"
    stored_status: str  # not_started, in_progress, completed or deferred
    due: datetime.date | None
    deferred_to: datetime.date | None
    latest: ProgressUpdate | None
    completed_on: datetime.date | None
    updates: list[ProgressUpdate] = field(default_factory=list, repr=False)


def state_as_of(
    action: Action, as_of: datetime.date, updates: list[ProgressUpdate], superseded: bool = False
) -> ActionState:
    """Where an action stood at the end of `as_of` (rules.state), from its updates in every
    version of the plan."""
    found = rules.state(
        action.target, action.target_due, updates, as_of, submitted_on=action.plan.submitted_on
    )
    cutoff = rules.end_of(as_of)
    known = [update for update in updates if update.recorded_at < cutoff]
    shown = found.shown
    if superseded and found.status != Status.COMPLETED:
        shown = SUPERSEDED
    return ActionState(
        action=action,
        status=shown,
        stored_status=found.status,
        due=found.due,
        deferred_to=found.deferred_to,
        latest=max(known, key=lambda update: (update.recorded_at, update.pk)) if known else None,
        completed_on=found.completed_on,
        updates=updates,
    )


def plan_states(plan: Plan, as_of: datetime.date, superseded: bool = False) -> list[ActionState]:
    """Every action of a plan as it stood at the end of `as_of`, in two queries."""
    actions = list(
        Action.objects.filter(plan=plan)
        .select_related("concern", "plan")
        .order_by("concern__position", "position")
    )
    updates: dict[object, list[ProgressUpdate]] = {}
    for update in ProgressUpdate.objects.filter(
        lineage__in={action.lineage for action in actions}
    ).select_related("author"):
        updates.setdefault(update.lineage, []).append(update)
    return [
        state_as_of(action, as_of, updates.get(action.lineage, []), superseded)
        for action in actions
    ]


def tally(states: list[ActionState]) -> dict[str, int]:
    """Counts by the status people see, with "open" (all but completed) and "total": the
    same keys as ActionQuerySet.counts."""
    counts = {status: 0 for status in (*STATUS_ORDER, SUPERSEDED)}
    for state in states:
        counts[state.status] += 1
    counts["total"] = len(states)
    counts["open"] = len(states) - counts[Status.COMPLETED]
    return counts


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _months(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    months: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 60:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass
class ProgressReport:
    establishment: Establishment
    plan: Plan | None
    as_of: datetime.date
    in_force: bool = True
    not_yet: bool = False  # the chosen plan was not submitted by `as_of`
    states: list[ActionState] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    concerns: list[dict[str, object]] = field(default_factory=list)
    overdue: list[ActionState] = field(default_factory=list)
    deferred: list[ActionState] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    # Of this plan's concerns judged by `as_of`: reported complete, and of those judged
    # insufficient or no meaningful progress (lessons.SelfReported), or None.
    self_reported: Any = None


def progress_report(
    establishment: Establishment, as_of: datetime.date, plan: Plan | None = None
) -> ProgressReport:
    """A plan as it stood at the end of `as_of`: the plan in force that day unless another
    submitted plan of the establishment is chosen."""
    in_force_id = (
        Plan.objects.filter(inspection__establishment=establishment)
        .in_force_by_establishment(as_of)
        .get(establishment.pk)
    )
    if plan is None and in_force_id is not None:
        plan = Plan.objects.select_related("inspection").get(pk=in_force_id)
    report = ProgressReport(establishment=establishment, plan=plan, as_of=as_of)
    if plan is None:
        report.counts = tally([])
        return report
    report.in_force = plan.pk == in_force_id
    if plan.in_force_from is None or plan.in_force_from > as_of:
        # Asked for a plan on a day before it was submitted: there is nothing to count.
        report.not_yet = True
        report.counts = tally([])
        return report
    standing = Plan.objects.standing(plan, as_of)
    states = plan_states(plan, as_of, superseded=standing.superseded_by_inspection)
    report.states = states
    report.counts = tally(states)
    by_concern: dict[int, list[ActionState]] = {}
    for state in states:
        by_concern.setdefault(state.action.concern_id, []).append(state)
    judgements = Judgement.objects.latest_by_concern(plan.inspection_id, as_of)
    for concern in plan.concerns.all():
        report.concerns.append(
            {
                "concern": concern,
                "states": by_concern.get(concern.pk, []),
                "judgement": judgements.get(concern.ref),
            }
        )
    report.self_reported = lessons.self_reported_for_reports(
        as_of, [establishment.pk], plan.inspection_id
    ).get(establishment.pk)
    report.overdue = [state for state in states if state.status == OVERDUE]
    report.deferred = [state for state in states if state.deferred_to]
    report.charts = [status_over_time(plan, states, as_of), targets_by_month(states, as_of)]
    return report


def status_over_time(plan: Plan, states: list[ActionState], as_of: datetime.date) -> Chart:
    """How many actions stood at each status at the end of each month up to `as_of`."""
    start = plan.submitted_on or plan.inspection.report_published or as_of
    months = _months(min(start, as_of), as_of)
    columns: list[Counter] = []
    for year, month in months:
        day = min(_month_end(year, month), as_of)
        columns.append(
            Counter(state_as_of(state.action, day, state.updates).status for state in states)
        )
    return Chart(
        id="status-over-time",
        title="Status of the plan's actions at the end of each month",
        description=(
            f"Stacked bars, one per month from {calendar.month_name[months[0][1]]} "
            f"{months[0][0]} to "
            f"{as_of:%B %Y}, counting actions completed, in progress, not started, deferred "
            "and overdue. The figures are in the table after the chart."
        ),
        categories=tuple(
            f"{calendar.month_abbr[month]} {year % 100:02d}" for year, month in months
        ),
        series=tuple(
            Series(status, STATUS_NAMES[status], tuple(column[status] for column in columns))
            for status in STATUS_ORDER
        ),
    )


def targets_by_month(states: list[ActionState], as_of: datetime.date) -> Chart:
    """Actions by the month of their original target: completed, still open, overdue."""
    months = sorted(
        {state.action.target_due.replace(day=1) for state in states if state.action.target_due}
    )
    keys = [(day.year, day.month) for day in months]
    completed: Counter[tuple[int, int]] = Counter()
    still_open: Counter[tuple[int, int]] = Counter()
    late: Counter[tuple[int, int]] = Counter()
    for state in states:
        if not state.action.target_due:
            continue
        key = (state.action.target_due.year, state.action.target_due.month)
        if state.status == Status.COMPLETED:
            completed[key] += 1
        elif state.status == OVERDUE:
            late[key] += 1
        else:
            still_open[key] += 1
    return Chart(
        id="targets-by-month",
        title="Actions by the month of their original target date",
        description=(
            "Stacked bars, one per target month, splitting each month's actions into completed, "
            f"open and overdue on {as_of:%d %B %Y}. Actions marked completed or ongoing when "
            "the plan was submitted have no target month. The figures are in the table after "
            "the chart."
        ),
        categories=tuple(f"{calendar.month_abbr[month]} {year % 100:02d}" for year, month in keys),
        series=(
            Series("completed", "Completed", tuple(completed[key] for key in keys)),
            Series("open", "Open", tuple(still_open[key] for key in keys)),
            Series("overdue", "Overdue", tuple(late[key] for key in keys)),
        ),
    )


@dataclass
class EstateRow:
    establishment: Establishment
    plan: Plan | None
    open: int = 0
    overdue: int = 0
    completed: int = 0
    deferred: int = 0
    due_so_far: int = 0
    delivered_on_time: int = 0
    judgements: dict[str, int] = field(default_factory=dict)
    self_reported: Any = None  # lessons.SelfReported for the establishment, or None

    @property
    def on_time_share(self) -> float | None:
        """Of actions whose original target has passed, the share completed by it."""
        return self.delivered_on_time / self.due_so_far if self.due_so_far else None


ESTATE_COLUMNS = {
    "establishment": ("Establishment", lambda row: row.establishment.name.lower()),
    "open": ("Open", lambda row: row.open),
    "overdue": ("Overdue", lambda row: row.overdue),
    "completed": ("Completed", lambda row: row.completed),
    "on_time": ("Delivered by original target", lambda row: row.on_time_share or 0.0),
    "deferred": ("Deferred", lambda row: row.deferred),
}


def estate_report(establishments: list[Establishment], as_of: datetime.date) -> list[EstateRow]:
    """Each establishment's plan in force on `as_of`, counted as the progress report counts it
    (rules.state, here in the database: a few queries for the whole estate)."""
    in_force = Plan.objects.in_force_at([item.pk for item in establishments], as_of)
    plans = Plan.objects.select_related("inspection").in_bulk(list(in_force.values()))
    judged = lessons.self_reported_for_reports(as_of, [item.pk for item in establishments])
    actions = Action.objects.filter(plan_id__in=list(plans))
    counts = actions.counts_by_plan(as_of)
    delivery = actions.delivery_by_plan(as_of)
    judgements = Judgement.objects.latest_by_inspection(
        [plan.inspection_id for plan in plans.values()], as_of
    )
    rows = []
    for establishment in establishments:
        plan = plans.get(in_force.get(establishment.pk, 0))
        row = EstateRow(establishment=establishment, plan=plan)
        row.self_reported = judged.get(establishment.pk)
        rows.append(row)
        if plan is None:
            continue
        found = counts.get(plan.pk, EMPTY_COUNTS)
        row.open, row.overdue = found["open"], found[OVERDUE]
        row.completed, row.deferred = found[Status.COMPLETED], found[Status.DEFERRED]
        delivered = delivery.get(plan.pk, {})
        row.due_so_far = delivered.get("due_so_far", 0)
        row.delivered_on_time = delivered.get("delivered_on_time", 0)
        ratings = Counter(
            judgement.rating for judgement in judgements.get(plan.inspection_id, {}).values()
        )
        row.judgements = {
            label: ratings[value] for value, label in Rating.choices if ratings[value]
        }
    return rows


def progress_report_pdf(
    establishment: Establishment, as_of: datetime.date, chosen: Plan | None = None
) -> bytes:
    """The progress report as an accessible PDF: the page's content, charts drawn shorter so
    that a year's charts and their figures share the first page. The one way it is made, for
    the download and for the background job."""
    from django.template.loader import render_to_string

    from planwatch.charts import WIDE, render_svg
    from planwatch.writers.pdf import html_to_pdf

    report = progress_report(establishment, as_of, chosen)
    context = {
        "chosen": chosen.pk if chosen else None,
        "report": report,
        "as_of": as_of,
        "error": None,
        "status_names": STATUS_NAMES,
        "status_order": STATUS_ORDER,
        "svg": {chart.id: render_svg(chart, WIDE, plot_height=90) for chart in report.charts},
    }
    return html_to_pdf(render_to_string("reports/print.html", context))


def progress_report_file_name(establishment: Establishment, as_of: datetime.date) -> str:
    return f"{establishment.slug}-progress-{as_of.isoformat()}.pdf"
