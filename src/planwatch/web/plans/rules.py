"""The domain rules, once: when an action is due, past due, where it stood on a day, and which
plan is in force. Plain functions over plain values; the QuerySets and services apply them."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from planwatch import labels
from planwatch.dates import DateError, parse_iso_date


def today() -> datetime.date:
    """Today where the service runs (Europe/London), the default date of every figure."""
    return timezone.localdate()


def end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` ends, local time: "as of a day" includes all of it."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


def due_date_for(target: str | None) -> datetime.date | None:
    """The last day a normalised target allows: the month's end for "2024-07"."""
    if not target or not target[:4].isdigit():
        return None
    try:
        year, month = int(target[:4]), int(target[5:7])
        if len(target) == 7:
            return datetime.date(year, month, calendar.monthrange(year, month)[1])
        return datetime.date.fromisoformat(target)
    except ValueError:
        return None


def initial_status(target: str | None) -> str:
    """Where an action stands before any update: done if the plan printed "Completed"."""
    return labels.COMPLETED if target == "completed" else labels.NOT_STARTED


def is_past_due(status: str, due: datetime.date | None, as_of: datetime.date) -> bool:
    """The one overdue rule: not completed, and its due day ended before `as_of`."""
    return status != labels.COMPLETED and due is not None and due < as_of


def display_status(status: str, due: datetime.date | None, as_of: datetime.date) -> str:
    """The status people see: the stored one, or "overdue" when past due."""
    return labels.OVERDUE if is_past_due(status, due, as_of) else status


def days_overdue(status: str, due: datetime.date | None, as_of: datetime.date) -> int:
    """How many days past due an action is on `as_of` (0 when it is not past due)."""
    return (as_of - due).days if is_past_due(status, due, as_of) and due else 0


class UpdateFacts(Protocol):
    """What the rules need of a progress update."""

    @property
    def status(self) -> str: ...
    @property
    def new_target_date(self) -> datetime.date | None: ...
    @property
    def evidence_date(self) -> datetime.date | None: ...
    @property
    def recorded_at(self) -> datetime.datetime: ...
    @property
    def pk(self) -> int | None: ...


@dataclass(frozen=True)
class State:
    """Where an action stood at the end of a day."""

    status: str  # stored status: not_started, in_progress, completed or deferred
    deferred_to: datetime.date | None
    completed_on: datetime.date | None
    due: datetime.date | None
    shown: str  # the status people see on that day: the stored one, or "overdue"


def state(
    target: str | None,
    target_due: datetime.date | None,
    updates: Iterable[UpdateFacts],
    as_of: datetime.date,
    submitted_on: datetime.date | None = None,
    known_at: datetime.datetime | None = None,
) -> State:
    """Where an action stood at the end of `as_of`, from the updates recorded by then.

    The newest update gives the status; the newest deferral gives the deferred date (kept
    when the action later moves on); the first completion gives the day it was completed.
    An update replaced by a correction known by then counts for none of these.
    `known_at` overrides the cut-off (the stored status uses every update recorded so far).
    """
    cutoff = known_at or end_of(as_of)
    known = sorted(
        (update for update in updates if update.recorded_at < cutoff),
        key=lambda update: (update.recorded_at, update.pk or 0),
    )
    # A correction replaces the update it corrects: that one no longer dates a completion
    # or a deferral (the correction, newer, gives the status anyway).
    corrected = {getattr(update, "corrects_id", None) for update in known} - {None}
    known = [update for update in known if update.pk not in corrected]
    status = initial_status(target)
    deferred_to = None
    completed_on = submitted_on if status == labels.COMPLETED else None
    for update in known:
        status = update.status
        if update.status == labels.DEFERRED and update.new_target_date:
            deferred_to = update.new_target_date
        if update.status == labels.COMPLETED and completed_on is None:
            completed_on = update.evidence_date or timezone.localtime(update.recorded_at).date()
    due = deferred_to or target_due
    return State(
        status=status,
        deferred_to=deferred_to,
        completed_on=completed_on,
        due=due,
        shown=display_status(status, due, as_of),
    )


@dataclass(frozen=True)
class PlanFacts:
    """What the rules need of a plan version to decide which is in force."""

    pk: int
    establishment_id: int
    inspection_id: int
    inspection_start: datetime.date | None
    version: int
    in_force_from: datetime.date | None


def plans_in_force(plans: Sequence[PlanFacts], as_of: datetime.date) -> dict[int, int]:
    """The plan in force for each establishment on `as_of` -> {establishment id: plan id}.

    It is the latest version submitted on or before that date of the establishment's latest
    inspection whose plan had been submitted by then. A newer inspection's plan supersedes
    the older inspection's plans; a newer version supersedes older versions.
    """
    chosen: dict[int, tuple[tuple[datetime.date, int, int], int]] = {}
    for plan in plans:
        if plan.in_force_from is None or plan.in_force_from > as_of:
            continue
        rank = (plan.inspection_start or datetime.date.min, plan.inspection_id, plan.version)
        held = chosen.get(plan.establishment_id)
        if held is None or rank > held[0]:
            chosen[plan.establishment_id] = (rank, plan.pk)
    return {establishment: pk for establishment, (_, pk) in chosen.items()}


def parse_query_date(text: str) -> datetime.date:
    """A year-month-day date from a query string: planwatch.dates.parse_iso_date, with the
    message people read on the page."""
    try:
        return parse_iso_date(text)
    except DateError as error:
        raise ValueError(
            f"Enter the date as year-month-day, for example 2024-07-31 ({error})"
        ) from None


def reported_progress(statuses: Sequence[str]) -> str | None:
    """What a concern's owners had reported, from its actions' stored statuses on a day:
    "all" completed, "some" completed, "deferred" (none completed, one or more deferred) or
    "none"; None for a concern without actions (nothing was reported)."""
    if not statuses:
        return None
    completed = sum(status == labels.COMPLETED for status in statuses)
    if completed == len(statuses):
        return "all"
    if completed:
        return "some"
    if labels.DEFERRED in statuses:
        return "deferred"
    return "none"
