"""The shapes the open API reads and writes (OpenAPI 3 is made from them)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from planwatch.dates import MAX_YEAR, MIN_YEAR

# A day planwatch accepts (years 1990 to 2100), so said in the schema: a client learns the
# range from it, and a day outside it is refused as invalid input (422).
assert (MIN_YEAR, MAX_YEAR) == (1990, 2100), "update DAY_PATTERN with the years"
DAY_PATTERN = r"^(199[0-9]|20[0-9][0-9]|2100)-[0-9]{2}-[0-9]{2}$"


def _in_range(day: datetime.date) -> datetime.date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"the year must be from {MIN_YEAR} to {MAX_YEAR}")
    return day


Day = Annotated[
    datetime.date,
    AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
# An optional day: absent means none (forms cannot send null).
OptionalDay = Day | SkipJsonSchema[None]
MAX_TEXT = 5000  # as the forms and services.MAX_TEXT allow

DisplayStatus = Literal[
    "not_started", "in_progress", "completed", "deferred", "overdue", "superseded"
]
StoredStatus = Literal["not_started", "in_progress", "completed", "deferred"]
Rating = Literal["no_meaningful", "insufficient", "reasonable", "good"]


class Error(Schema):
    detail: str
    field: str | None = None


class ValidationErrors(Schema):
    """422: the first problem in one line and its field, then every problem."""

    detail: str
    field: str | None = None
    errors: list[dict[str, Any]]


class Establishment(Schema):
    id: int
    name: str
    slug: str


class PlanSummary(Schema):
    id: int
    establishment: str
    inspection_id: int
    version: int
    submitted_on: datetime.date | None
    in_force: bool


class Inspection(Schema):
    id: int
    start: datetime.date | None
    end: datetime.date | None
    report_published: datetime.date | None
    plans: list[PlanSummary]


class EstablishmentDetail(Establishment):
    inspections: list[Inspection]


class Action(Schema):
    id: int
    number: int
    text: str
    owner: str
    owner_normalised: str
    target_text: str
    target: str | None
    status: DisplayStatus
    due_date: datetime.date | None
    deferred_to: datetime.date | None
    last_update: datetime.date | None


class Concern(Schema):
    id: int
    ref: str
    category: Literal["priority", "key", "recommendation"]
    agreement: str | None
    text: str
    actions: list[Action]


class PlanDetail(PlanSummary):
    inspection_start: datetime.date | None
    inspection_end: datetime.date | None
    report_published: datetime.date | None
    as_of: datetime.date
    concerns: list[Concern]


class ActionListItem(Schema):
    id: int
    plan_id: int
    establishment: str
    concern_ref: str
    number: int
    text: str
    owner: str
    status: DisplayStatus
    due_date: datetime.date | None
    deferred_to: datetime.date | None


class EvidenceFile(Schema):
    id: int
    name: str
    media_type: str
    size: int
    sha256: str


class Update(Schema):
    id: int
    action_id: int
    status: StoredStatus
    note: str
    evidence_date: datetime.date | None
    new_target_date: datetime.date | None
    deferral_reason: str  # shown on the action's page to all who read it
    recorded_at: datetime.datetime
    corrects: int | None
    author_id: int | None
    evidence: list[EvidenceFile]


class ActionDetail(ActionListItem):
    concern_id: int
    target_text: str
    updates: list[Update]


class Judgement(Schema):
    id: int
    concern_id: int
    rating: Rating | None
    reason: str
    judged_on: datetime.date
    recorded_at: datetime.datetime
    corrects: int | None


class JudgementIn(Schema):
    rating: Rating
    reason: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    judged_on: Day


class ImportOut(Schema):
    outcome: Literal["imported", "skipped"]
    message: str
    plan_id: int


class Page(Schema):
    count: int
    limit: int
    offset: int


class EstablishmentPage(Page):
    items: list[Establishment]


class PlanPage(Page):
    items: list[PlanSummary]


class ActionPage(Page):
    items: list[ActionListItem]
