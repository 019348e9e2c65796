"""What every writer shares: a plan with its progress, and the published layout's wording."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from planwatch import labels
from planwatch.model import Concern, Plan

INTRODUCTION = (
    "HM Inspectorate of Prisons (HMIP) and HM Inspectorate of Probation for England and Wales "
    "are independent inspectorates which provide scrutiny of the conditions for, and treatment "
    "of prisoners and offenders. In response to the report HMPPS / MoJ are required to draft a "
    "robust and timely action plan to address the priority and key concerns. Action plans "
    "provide specific steps and actions to address the priority and key concerns, that are "
    "clear, outcome focussed, measurable, achievable, and relevant with the owner and timescale "
    "of each step clearly identified. Action plans are sent to HMIP and published on the GOV.UK "
    "website. Progress against the implementation and delivery of the action plans will also "
    "be monitored and reported on."
)
CONCERN_COLUMNS = (
    "Concern No",
    "Concerns",
    "Response Action Taken/Planned",
    "Responsible Owner",
    "Target Date",
)
RECOMMENDATION_COLUMNS = (
    "Rec No",
    "Recommendation",
    "Agreed/Partly Agreed/Not Agreed",
    "Response",
    "Function Responsible",
    "Target Date",
)
# The HMPPS wordmark as the published plans print it, top left of the header block: text, so
# that it reads aloud and copies like the rest of the document.
WORDMARK = ("HM Prison &", "Probation Service")
SECTION_TITLES = {"priority": "Priority concerns", "key": "Key concerns"}
# Older plans print their recommendations under the healthy prison areas; those with none
# come first, as the report's main recommendations.
AREA_SECTION_TITLES: dict[str | None, str] = {None: "Main recommendations"}
AREA_SECTION_TITLES.update(labels.AREAS)
AGREEMENT_TEXT = {"agreed": "Agreed", "partly agreed": "Partly Agreed", "not agreed": "Not Agreed"}


@dataclass(frozen=True)
class ActionProgress:
    """Where an action stands: for data exports and reports, not the published layout."""

    status: str  # not_started, in_progress, completed or deferred
    overdue: bool = False  # derived: not completed and past its due date
    owner_normalised: str = ""
    due: datetime.date | None = None
    deferred_to: datetime.date | None = None
    last_update: datetime.date | None = None
    in_force: bool | None = None  # whether the plan version was in force on the day


@dataclass(frozen=True)
class LinkedConcern:
    """A concern on the same matter in another plan, as open data names it."""

    establishment: str
    inspection_start: str | None
    ref: str
    similarity: float


@dataclass(frozen=True)
class ConcernLinks:
    """A concern's concerns on the same matter: at the same establishment's other
    inspections, and at other establishments."""

    recurring: tuple[LinkedConcern, ...] = ()
    elsewhere: tuple[LinkedConcern, ...] = ()


@dataclass
class PlanExport:
    """A plan to write, with its version and, where held, each action's progress."""

    plan: Plan
    version: int | None = None
    progress: dict[tuple[str, int], ActionProgress] = field(default_factory=dict)
    # When the plan was first submitted, where this version re-issued it later (ISO date).
    first_submitted: str | None = None

    @property
    def revised(self) -> bool:
        """Whether this is a re-issue: submitted later than the plan first was."""
        submitted = self.plan.plan_submitted
        return bool(self.first_submitted and submitted and self.first_submitted < submitted)

    # {concern number: its links}, for stored plans; None for a plan read from a file.
    links: dict[str, ConcernLinks] | None = None

    def progress_of(self, concern: Concern, number: int) -> ActionProgress | None:
        return self.progress.get((concern.ref, number))


def ordinal_date(iso: str | None) -> str:
    """ "2024-05-22" -> "22nd May 2024", as the published plans print dates."""
    if not iso:
        return "Not known"
    day = datetime.date.fromisoformat(iso)
    suffix = "th" if 11 <= day.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day.day % 10, "th")
    return f"{day.day}{suffix} {day:%B %Y}"


def inspection_period(plan: Plan) -> str:
    if not (plan.inspection_start and plan.inspection_end):
        return "Not known"
    return f"{ordinal_date(plan.inspection_start)} – {ordinal_date(plan.inspection_end)}"


def header_lines(export: PlanExport) -> list[str]:
    """The header block under the wordmark, in the published wording. A re-issued plan keeps
    the date it was first submitted and says when it was revised, as HMPPS prints it."""
    plan = export.plan
    if export.revised:
        submitted = [
            f"Action Plan Submitted: {ordinal_date(export.first_submitted)}",
            f"Revised: {ordinal_date(plan.plan_submitted)}",
        ]
    else:
        submitted = [f"Action Plan Submitted: {ordinal_date(plan.plan_submitted)}"]
    return [
        f"Action Plan: {plan.establishment}",
        *submitted,
        f"A Response to the HMIP Inspection: {inspection_period(plan)}",
        f"Report Published: {ordinal_date(plan.report_published)}",
    ]


def uses_recommendations(plan: Plan) -> bool:
    return any(concern.category == "recommendation" for concern in plan.concerns)


def table_rows(plan: Plan) -> tuple[tuple[str, ...], list[list[list[str]]]]:
    """The plan table as rows of cells (each a list of paragraphs): section rows, then one
    row per action with the concern printed on its first row only."""
    recommendations = uses_recommendations(plan)
    titles = RECOMMENDATION_COLUMNS if recommendations else CONCERN_COLUMNS
    rows: list[list[list[str]]] = []
    section: str | None = None
    by_area = recommendations and any(concern.area for concern in plan.concerns)
    for concern in plan.concerns:
        title = (
            AREA_SECTION_TITLES[concern.area]
            if by_area
            else None
            if recommendations
            else SECTION_TITLES[concern.category]
        )
        if title is not None and title != section:
            section = title
            rows.append([[], [title], *([] for _ in titles[2:])])
        lead = [[concern.ref], [concern.text]]
        if recommendations:
            lead.append([AGREEMENT_TEXT[concern.agreement]] if concern.agreement else [])
        blank: list[list[str]] = [[] for _ in lead]
        if not concern.actions:
            rows.append([*lead, [], [], []])
        for number, action in enumerate(concern.actions):
            cells = lead if number == 0 else blank
            rows.append(
                [
                    *cells,
                    [action.text],
                    [action.owner] if action.owner else [],
                    [action.target_text] if action.target_text else [],
                ]
            )
    return titles, rows
