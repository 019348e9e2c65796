"""Progress and estate reports: where every action stood on a chosen date, and the charts."""

from __future__ import annotations

import calendar
import datetime
from collections import Counter
from dataclasses import dataclass, field

from planwatch.charts import Chart, Series
from planwatch.web.plans.models import (
    OVERDUE,
    Action,
    Establishment,
    Judgement,
    Plan,
    ProgressUpdate,
    Rating,
    Status,
)

STATUS_ORDER = (
    Status.COMPLETED,
    Status.IN_PROGRESS,
    Status.NOT_STARTED,
    Status.DEFERRED,
    OVERDUE,
)
STATUS_NAMES = {
    Status.COMPLETED: "Completed",
    Status.IN_PROGRESS: "In progress",
    Status.NOT_STARTED: "Not started",
    Status.DEFERRED: "Deferred",
    OVERDUE: "Overdue",
}


@dataclass
class ActionState:
    """An action as it stood at the end of a day."""

    action: Action
    status: str  # stored status, or "overdue"
    due: datetime.date | None
    deferred_to: datetime.date | None
    latest: ProgressUpdate | None
    completed_on: datetime.date | None
    updates: list[ProgressUpdate] = field(default_factory=list, repr=False)


def _end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=datetime.UTC)


def state_as_of(action: Action, as_of: datetime.date, updates: list[ProgressUpdate]) -> ActionState:
    """Status from the updates recorded by the end of `as_of` (across plan versions)."""
    known = [update for update in updates if update.recorded_at <= _end_of(as_of)]
    known.sort(key=lambda update: (update.recorded_at, update.pk))
    status = Status.COMPLETED if action.target == "completed" else Status.NOT_STARTED
    deferred_to = None
    completed_on = action.plan.submitted_on if status == Status.COMPLETED else None
    for update in known:
        status = update.status
        if update.status == Status.DEFERRED and update.new_target_date:
            deferred_to = update.new_target_date
        if update.status == Status.COMPLETED and completed_on is None:
            completed_on = update.evidence_date or update.recorded_at.date()
    due = deferred_to or action.target_due
    shown = OVERDUE if status != Status.COMPLETED and due and due < as_of else status
    return ActionState(
        action=action,
        status=shown,
        due=due,
        deferred_to=deferred_to,
        latest=known[-1] if known else None,
        completed_on=completed_on,
        updates=updates,
    )


def plan_states(plan: Plan, as_of: datetime.date) -> list[ActionState]:
    actions = list(
        Action.objects.filter(concern__plan=plan)
        .select_related("concern__plan", "carried_from")
        .order_by("concern__position", "position")
    )
    states = []
    for action in actions:
        updates = list(
            ProgressUpdate.objects.filter(action__in=action.lineage()).select_related("author")
        )
        states.append(state_as_of(action, as_of, updates))
    return states


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _months(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 60:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass
class ProgressReport:
    establishment: Establishment
    plan: Plan | None
    as_of: datetime.date
    states: list[ActionState] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    concerns: list[dict] = field(default_factory=list)
    overdue: list[ActionState] = field(default_factory=list)
    deferred: list[ActionState] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def progress_report(establishment: Establishment, as_of: datetime.date) -> ProgressReport:
    """The establishment's latest submitted plan as it stood at the end of `as_of`."""
    plan = (
        Plan.objects.filter(inspection__establishment=establishment, state=Plan.State.SUBMITTED)
        .order_by("-inspection__report_published", "-inspection__start", "-version")
        .first()
    )
    report = ProgressReport(establishment=establishment, plan=plan, as_of=as_of)
    if plan is None:
        return report
    states = plan_states(plan, as_of)
    report.states = states
    report.counts = {status: sum(s.status == status for s in states) for status in STATUS_ORDER}
    by_concern: dict[int, list[ActionState]] = {}
    for state in states:
        by_concern.setdefault(state.action.concern_id, []).append(state)
    for concern in plan.concerns.all():
        judgement = (
            Judgement.objects.filter(concern=concern, judged_on__lte=as_of)
            .order_by("-judged_on", "-recorded_at")
            .first()
        )
        report.concerns.append(
            {"concern": concern, "states": by_concern.get(concern.pk, []), "judgement": judgement}
        )
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
            f"Stacked bars, one per month from {months[0][1]}/{months[0][0]} to "
            f"{as_of:%B %Y}, counting actions completed, in progress, not started, deferred "
            "and overdue. The table beside the chart gives the figures."
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
    completed = Counter()
    still_open = Counter()
    late = Counter()
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
            "the plan was submitted have no target month. The table beside the chart gives "
            "the figures."
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


def estate_report(establishments, as_of: datetime.date) -> list[EstateRow]:
    rows = []
    for establishment in establishments:
        report = progress_report(establishment, as_of)
        row = EstateRow(establishment=establishment, plan=report.plan)
        for state in report.states:
            if state.status == Status.COMPLETED:
                row.completed += 1
            else:
                row.open += 1
            if state.status == OVERDUE:
                row.overdue += 1
            if state.deferred_to:
                row.deferred += 1
            original = state.action.target_due
            if original and original < as_of:
                row.due_so_far += 1
                if state.completed_on and state.completed_on <= original:
                    row.delivered_on_time += 1
        ratings = Counter(
            item["judgement"].rating for item in report.concerns if item["judgement"] is not None
        )
        row.judgements = {
            label: ratings[value] for value, label in Rating.choices if ratings[value]
        }
        rows.append(row)
    return rows
