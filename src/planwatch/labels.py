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


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """ "1 warning", "2 warnings": a count with its noun agreeing."""
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"


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
