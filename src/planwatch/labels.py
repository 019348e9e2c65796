"""Display labels for statuses, kinds of concern, agreements and ratings: one wording everywhere."""

from __future__ import annotations

# Stored statuses of an action, in the order people read them.
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
DEFERRED = "deferred"
# Derived, never stored: past its due date and not completed.
OVERDUE = "overdue"
# Derived, never stored: a plan replaced by a newer inspection's plan left this action open.
SUPERSEDED = "superseded"

STATUSES: dict[str, str] = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    COMPLETED: "Completed",
    DEFERRED: "Deferred",
}
DISPLAY_STATUSES: dict[str, str] = {
    **STATUSES,
    OVERDUE: "Overdue",
    SUPERSEDED: "Not completed when superseded",
}
# GOV.UK tag colours for each status people see.
STATUS_TAGS: dict[str, str] = {
    NOT_STARTED: "govuk-tag--grey",
    IN_PROGRESS: "govuk-tag--blue",
    COMPLETED: "govuk-tag--green",
    DEFERRED: "govuk-tag--yellow",
    OVERDUE: "govuk-tag--red",
    SUPERSEDED: "govuk-tag--orange",
}
# Reports and charts list statuses in this order.
STATUS_ORDER: tuple[str, ...] = (COMPLETED, IN_PROGRESS, NOT_STARTED, DEFERRED, OVERDUE)

CATEGORIES: dict[str, str] = {
    "priority": "Priority concern",
    "key": "Key concern",
    "recommendation": "Recommendation",
}
AGREEMENTS: dict[str, str] = {
    "agreed": "Agreed",
    "partly agreed": "Partly agreed",
    "not agreed": "Not agreed",
}
# HMIP's scale for an independent review of progress.
RATINGS: dict[str, str] = {
    "no_meaningful": "No meaningful progress",
    "insufficient": "Insufficient progress",
    "reasonable": "Reasonable progress",
    "good": "Good progress",
}


# Background jobs: what each kind does, and where it stands.
JOB_KINDS: dict[str, str] = {
    "import": "Import of plan files",
    "report": "Progress report as a PDF",
    "recompute": "Similar concerns, areas and topics worked out again",
    "reminders": "Reminders sent",
}
JOB_STATES: dict[str, str] = {
    "queued": "Waiting to start",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
}
JOB_TAGS: dict[str, str] = {
    "queued": "govuk-tag--grey",
    "running": "govuk-tag--blue",
    "done": "govuk-tag--green",
    "failed": "govuk-tag--red",
}
# What became of each file of an import job.
IMPORT_OUTCOMES: dict[str, str] = {
    "": "Waiting",
    "imported": "Imported",
    "skipped": "Already held",
    "refused": "Not imported",
}
IMPORT_TAGS: dict[str, str] = {
    "": "govuk-tag--grey",
    "imported": "govuk-tag--green",
    "skipped": "govuk-tag--blue",
    "refused": "govuk-tag--red",
}


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """ "1 warning", "2 warnings": a count with its noun agreeing."""
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"


def file_size(size: int) -> str:
    """A file's size as GOV.UK writes it: "31 bytes", "2.4 KB", "1.2 MB"."""
    if size < 1000:
        return plural(size, "byte")
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


# The quality rules in words, as pages name them (the rule ids are in planwatch.quality).
QUALITY_RULES: dict[str, str] = {
    "missing-owner": "no owner",
    "missing-target": "no target date",
    "unreadable-target": "target date not a date",
    "target-before-submission": "target before submission",
    "target-too-far": "target too far off",
    "owner-mismatch": "owner mismatch",
    "owner-concentration": "one owner for most actions",
    "completed-at-submission": "completed when submitted",
    "completed-unevidenced": "completed without evidence",
    "not-measurable": "not measurable",
    "uncertain-delivery": "uncertain delivery",
    "concern-without-actions": "concern without actions",
    "duplicate-action": "duplicate action",
    "plan-timeliness": "plan timeliness",
}


# What a concern's owners had reported when inspectors judged it (docs/domain-rules.md).
REPORTED: dict[str, str] = {
    "all": "All actions completed",
    "some": "Some actions completed",
    "deferred": "Actions deferred, none completed",
    "none": "No action completed",
}
# Judgements that say a concern was not met: "reported complete but judged ..." counts these.
NOT_MET_RATINGS: tuple[str, ...] = ("no_meaningful", "insufficient")
# What worked elsewhere lists concerns judged with these first.
MET_RATINGS: tuple[str, ...] = ("good", "reasonable")


# HMIP's four healthy prison tests: the area each concern belongs to.
AREAS: dict[str, str] = {
    "safety": "Safety",
    "respect": "Respect",
    "purposeful_activity": "Purposeful activity",
    "rehabilitation_release": "Rehabilitation and release planning",
}
# The fixed taxonomy of topics, modelled on HMIP's published expectations (docs/topics.md
# defines each one, with examples).
TOPICS: dict[str, str] = {
    "early_days": "Early days in custody",
    "safeguarding": "Safeguarding",
    "self_harm": "Self-harm and suicide prevention",
    "violence": "Violence and safety",
    "use_of_force": "Use of force",
    "segregation": "Segregation",
    "drugs": "Drugs and substance misuse",
    "security": "Security",
    "staff_relationships": "Staff-prisoner relationships",
    "living_conditions": "Living conditions",
    "food": "Food",
    "complaints": "Complaints and applications",
    "equality": "Equality and diversity",
    "faith": "Faith and religion",
    "health_care": "Health care",
    "mental_health": "Mental health",
    "time_out_of_cell": "Time out of cell",
    "education_skills_work": "Education, skills and work",
    "library_gym": "Library and PE",
    "family_ties": "Family ties and visits",
    "offender_management": "Offender management",
    "public_protection": "Public protection",
    "release_planning": "Release planning",
    "leadership": "Leadership",
    "staffing": "Staffing",
}
# The area each topic usually belongs to.
TOPIC_AREAS: dict[str, str] = {
    "early_days": "safety",
    "safeguarding": "safety",
    "self_harm": "safety",
    "violence": "safety",
    "use_of_force": "safety",
    "segregation": "safety",
    "drugs": "safety",
    "security": "safety",
    "staff_relationships": "respect",
    "living_conditions": "respect",
    "food": "respect",
    "complaints": "respect",
    "equality": "respect",
    "faith": "respect",
    "health_care": "respect",
    "mental_health": "respect",
    "time_out_of_cell": "purposeful_activity",
    "education_skills_work": "purposeful_activity",
    "library_gym": "purposeful_activity",
    "family_ties": "rehabilitation_release",
    "offender_management": "rehabilitation_release",
    "public_protection": "rehabilitation_release",
    "release_planning": "rehabilitation_release",
    # Leadership and staffing are about the whole prison: their usual area is the one their
    # concerns most often name (safety failings; a regime cut short by staff shortages).
    "leadership": "safety",
    "staffing": "purposeful_activity",
}
# Where an area or topic assignment came from.
ASSIGNMENT_SOURCES: dict[str, str] = {
    "printed": "Printed in the plan",
    "classified": "Classified from the text",
    "person": "Set by a person",
}


def source_label(source: str, score: float | None = None) -> str:
    """Where an area or topic came from, in words: "Classified from the text, score 0.82"."""
    label = ASSIGNMENT_SOURCES.get(source, "")
    if source == "classified" and score is not None:
        return f"{label}, score {score:.2f}"
    return label
