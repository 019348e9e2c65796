"""Every write to stored plans, each in one transaction: imports, drafting, submission,
amendment, progress updates, judgements and their corrections."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone

from planwatch import labels
from planwatch import model as plan_model
from planwatch.dates import parse_iso_date
from planwatch.errors import PlanReadError
from planwatch.model import CONTRACT_KEYS
from planwatch.owners import OwnerIndex
from planwatch.pipeline import read_plan_bytes
from planwatch.quality import RULE_IDS, Finding, QualityConfig, Report, check_plan, summarise
from planwatch.readers import SUFFIXES, detect_format
from planwatch.web.plans import evidence as evidence_files
from planwatch.web.plans import integrity, learning, rules, themes
from planwatch.web.plans.models import (
    Action,
    Concern,
    ConsideredFinding,
    Establishment,
    Evidence,
    Inspection,
    Judgement,
    Plan,
    ProgressUpdate,
    Source,
    Status,
)
from planwatch.web.plans.querysets import NEWER_VERSION

# Actions this alike (after whitespace and case) in the same concern are the same action.
CARRY_OVER_RATIO = 0.85
# Notes, reasons and concern or action texts: a long paragraph, not a document.
MAX_TEXT = 5000


class Refused(Exception):
    """A write the domain rules do not allow; `field` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- quality --------------------------------------------------------------------------


def quality_report(plan: Plan) -> Report:
    """The plan version's quality report, worked out once when the version is stored or a
    draft changes, and read from the database after that. A submitted version never
    changes, so its report is also kept in memory once read. Findings the plan's lead marked
    considered (on this or an earlier version) carry their reason and are not counted open."""
    # A draft's is worked out on each reading: its targets are measured against today, the
    # day it would be submitted, and today moves on while the draft waits.
    report = _check(plan) if plan.is_draft else _submitted_report(plan.pk, plan.created_at)
    return report.with_considered(_considered(plan))


# Rules that measure an action's target against the day the plan was submitted.
_DATE_RULES = frozenset({"target-before-submission", "target-too-far"})


def _check(plan: Plan) -> Report:
    """The quality rules on a plan version. A draft is measured as if submitted today. In a
    later version, an action carried over from the first keeps being measured against the
    day the plan was first submitted (its targets were set then), and so is the plan's
    timeliness; an action added since is measured against this version's day."""
    model = plan.to_model()
    config = QualityConfig(draft=plan.is_draft)
    if plan.is_draft:
        model = dataclasses.replace(model, plan_submitted=rules.today().isoformat())
    report = check_plan(model, config)
    first = (
        Plan.objects.filter(inspection_id=plan.inspection_id, submitted_on__isnull=False)
        .exclude(pk=plan.pk)
        .order_by("version")
        .values_list("submitted_on", flat=True)
        .first()
    )
    if first is None or first.isoformat() == model.plan_submitted:
        return report
    original = check_plan(dataclasses.replace(model, plan_submitted=first.isoformat()))
    carried = {
        (ref, position + 1)
        for ref, position in Action.objects.filter(
            plan=plan, carried_from__isnull=False
        ).values_list("concern__ref", "position")
    }

    def from_first(finding: Finding) -> bool:
        key = (finding.concern_ref, finding.action_number)
        return finding.rule == "plan-timeliness" or (finding.rule in _DATE_RULES and key in carried)

    order = {concern.ref: index for index, concern in enumerate(model.concerns)}
    findings = sorted(
        [finding for finding in report.findings if not from_first(finding)]
        + [finding for finding in original.findings if from_first(finding)],
        key=lambda finding: (
            RULE_IDS.index(finding.rule),
            order.get(finding.concern_ref or "", -1),
            finding.action_number or 0,
        ),
    )
    return Report(findings=findings, summary=summarise(model, findings))


def _considered(plan: Plan) -> dict[tuple[str, int, str], str]:
    """The reasons the lead gave, keyed by (concern ref, action number, rule) in this version."""
    actions = Action.objects.filter(plan=plan)
    marks = list(
        ConsideredFinding.objects.filter(lineage__in=actions.values("lineage")).values_list(
            "lineage", "rule", "reason"
        )
    )
    if not marks:
        return {}
    where = {
        lineage: (ref, position + 1)
        for lineage, ref, position in actions.values_list("lineage", "concern__ref", "position")
    }
    return {(*where[lineage], rule): reason for lineage, rule, reason in marks}


MAX_CONSIDERED_REASON = 500


def considerable_findings(action: Action) -> list[Finding]:
    """The findings on a draft's action its lead may mark considered: the open ones that are
    not errors (an action with no owner or date cannot be kept on purpose)."""
    return [
        finding
        for finding in quality_report(action.plan).for_action(action.concern.ref, action.number)
        if finding.considered is None and finding.severity != "error"
    ]


def consider_finding(action: Action, rule: str, reason: str, user: Any) -> ConsideredFinding:
    """Record that the plan's lead weighed an open finding on a draft's action and keeps the
    action as it is, with the reason; the finding is then shown as considered."""
    plan = action.plan
    _require_draft(plan)
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("Give the reason the action stays as it is", "reason")
    if len(reason) > MAX_CONSIDERED_REASON:
        raise Refused(f"The reason must be {MAX_CONSIDERED_REASON:,} characters or fewer", "reason")
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)
        if rule not in {finding.rule for finding in considerable_findings(action)}:
            raise Refused(
                f"Action {action.label} has no open finding of that kind: choose one of the "
                "findings shown",
                "rule",
            )
        try:
            with transaction.atomic():
                return ConsideredFinding.objects.create(
                    plan=plan, lineage=action.lineage, rule=rule, reason=reason, considered_by=user
                )
        except IntegrityError:
            # Marked at the same moment by someone else (SQLite does not lock the plan row).
            raise Refused(
                f"That finding on action {action.label} has just been marked considered", "rule"
            ) from None


@functools.lru_cache(maxsize=512)
def _submitted_report(plan_pk: int, created_at: datetime.datetime) -> Report:
    """Keyed by creation time too, so that a number used again (tests roll back) is never
    taken for another plan."""
    return _stored_report(plan_pk)


def _stored_report(plan_pk: int) -> Report:
    stored = Plan.objects.filter(pk=plan_pk).values_list("quality", flat=True).first()
    if stored:
        return Report.from_dict(stored)
    plan = Plan.objects.get(pk=plan_pk)
    report = _check(plan)
    Plan.objects.filter(pk=plan_pk).update(quality=report.to_dict())
    return report


def _refresh_quality(plan: Plan) -> None:
    # A draft's report is worked out each time it is read (quality_report): none is stored.
    plan.quality = None if plan.is_draft else _check(plan).to_dict()
    Plan.objects.filter(pk=plan.pk).update(quality=plan.quality)


# --- stored status --------------------------------------------------------------------


def refresh_state(actions: Sequence[Action]) -> None:
    """Store each action's status and deferral as rules.state gives them from every update
    recorded so far: the stored values never drift from the updates."""
    lineages = {action.lineage for action in actions}
    updates: dict[Any, list[ProgressUpdate]] = {}
    for update in ProgressUpdate.objects.filter(lineage__in=lineages).order_by("recorded_at", "pk"):
        updates.setdefault(update.lineage, []).append(update)
    later = timezone.now() + datetime.timedelta(days=36500)
    for action in actions:
        history = updates.get(action.lineage, [])
        found = rules.state(
            action.target, action.target_due, history, rules.today(), known_at=later
        )
        deferral = next(
            (
                u.deferral_reason or u.note
                for u in reversed(history)
                if u.status == Status.DEFERRED and u.new_target_date
            ),
            "",
        )
        if (action.status, action.deferred_to, action.deferral_reason) != (
            found.status,
            found.deferred_to,
            deferral,
        ):
            action.status = found.status
            action.deferred_to = found.deferred_to
            action.deferral_reason = deferral
            action.save(update_fields=["status", "deferred_to", "deferral_reason"])


# --- importing and storing plans --------------------------------------------------------


@dataclass
class ImportResult:
    outcome: str  # "imported", "skipped" or "refused"
    message: str
    plan: Plan | None = None


def _date(value: str | None) -> datetime.date | None:
    return parse_iso_date(value) if value else None


def _similar(first: str, second: str) -> float:
    return SequenceMatcher(
        None, " ".join(first.lower().split()), " ".join(second.lower().split())
    ).ratio()


def carry_over(plan: Plan, previous: Plan | None) -> int:
    """Link each action to the same action in the previous version, so that it shares its
    lineage (its progress and history)."""
    if previous is None:
        return 0
    old_actions: dict[str, list[Action]] = {}
    for action in Action.objects.filter(plan=previous).select_related("concern"):
        old_actions.setdefault(action.concern.ref, []).append(action)
    linked = []
    for action in Action.objects.filter(plan=plan).select_related("concern"):
        candidates = old_actions.get(action.concern.ref, [])
        best = max(candidates, key=lambda old: _similar(old.text, action.text), default=None)
        if best is None or _similar(best.text, action.text) < CARRY_OVER_RATIO:
            continue
        candidates.remove(best)
        action.carried_from = best
        action.lineage = best.lineage
        action.save(update_fields=["carried_from", "lineage"])
        linked.append(action)
    refresh_state(linked)
    return len(linked)


def _write_concerns(plan: Plan, reading: plan_model.Plan) -> None:
    """The one mapping from a plan reading to stored concerns and actions."""
    owners = OwnerIndex(action.owner for action in reading.actions)
    for concern_position, concern in enumerate(reading.concerns):
        stored = Concern.objects.create(
            plan=plan,
            position=concern_position,
            ref=concern.ref,
            category=concern.category,
            agreement=concern.agreement or "",
            text=concern.text,
            # An area the plan prints; the others are classified once the plan is written.
            area=concern.area or "",
            area_source=Source.PRINTED if concern.area else "",
        )
        for action_position, action in enumerate(concern.actions):
            Action.objects.create(
                concern=stored,
                position=action_position,
                text=action.text,
                owner=action.owner,
                owner_normalised=owners.label(action.owner),
                target_text=action.target_text,
                target=action.target or "",
                status=rules.initial_status(action.target),
            )


def _duplicate_ref(reading: plan_model.Plan) -> str | None:
    seen: set[str] = set()
    for concern in reading.concerns:
        if concern.ref in seen:
            return concern.ref
        seen.add(concern.ref)
    return None


def store_plan(
    reading: plan_model.Plan,
    *,
    user: Any = None,
    state: str = Plan.State.SUBMITTED,
    source: tuple[bytes, str, str] | None = None,
) -> Plan:
    """Write a plan reading as a new version of its inspection's plan (inside a transaction)."""
    establishment, _ = Establishment.objects.get_or_create(name=reading.establishment)
    inspection, _ = Inspection.objects.get_or_create(
        establishment=establishment,
        start=_date(reading.inspection_start),
        end=_date(reading.inspection_end),
        defaults={"report_published": _date(reading.report_published)},
    )
    if inspection.report_published is None and reading.report_published:
        inspection.report_published = _date(reading.report_published)
        inspection.save()
    previous = inspection.plans.order_by("-version").first()
    submitted_on = _date(reading.plan_submitted)
    plan = Plan.objects.create(
        inspection=inspection,
        version=(previous.version + 1) if previous else 1,
        state=state,
        submitted_on=submitted_on,
        in_force_from=(submitted_on or rules.today()) if state == Plan.State.SUBMITTED else None,
        warnings=list(reading.warnings),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    _write_concerns(plan, reading)
    carry_over(plan, previous)
    themes.carry_over(plan, previous)
    themes.classify_plan(plan)
    if source is not None:
        data, name, sha256 = source
        plan.source_name = name
        plan.source_sha256 = sha256
        extension = SUFFIXES[detect_format(data, name)]
        plan.source_file.save(f"{sha256}{extension}", ContentFile(data), save=False)
        plan.save()
    _refresh_quality(plan)
    learning.refresh_links(plan)
    if previous is not None:
        learning.refresh_self_reports(inspection.pk)
    return plan


def _same_as_held(reading: plan_model.Plan) -> Plan | None:
    """The latest held version of this inspection's plan, if it reads exactly the same
    (the PDF of a plan already imported from Word, say)."""
    latest = (
        Plan.objects.submitted()
        .filter(
            inspection__establishment__name=reading.establishment,
            inspection__start=_date(reading.inspection_start),
            inspection__end=_date(reading.inspection_end),
        )
        .order_by("-version")
        .first()
    )
    if latest is None:
        return None
    held, new = latest.to_model(as_printed=True).to_dict(), reading.to_dict()
    return latest if all(held[key] == new[key] for key in CONTRACT_KEYS) else None


def _hold_inspection(reading: plan_model.Plan) -> None:
    """Find or make the reading's inspection and hold its row until the transaction ends:
    two imports of one plan at once (in two formats, say) then go one after the other, and
    the second finds the plan the first stored. The inspection's unique constraint makes the
    second wait for the first's commit when both would create it."""
    establishment, _ = Establishment.objects.get_or_create(name=reading.establishment)
    inspection, _ = Inspection.objects.get_or_create(
        establishment=establishment,
        start=_date(reading.inspection_start),
        end=_date(reading.inspection_end),
        defaults={"report_published": _date(reading.report_published)},
    )
    Inspection.objects.select_for_update().get(pk=inspection.pk)


def _already_held(display: str, plan: Plan) -> ImportResult:
    return ImportResult("skipped", f"{display}: already held as {plan}", plan)


def import_refusal(user: Any, establishment_name: str) -> str | None:
    """Why this user may not import a plan for that establishment (None if they may): the
    one rule for the import page, import jobs and the API."""
    from planwatch.web.access import permissions

    establishment = Establishment.objects.filter(name=establishment_name).first()
    if establishment is None:
        if permissions.everywhere(user, permissions.Ability.ADD_ESTABLISHMENT):
            return None
        return f"{establishment_name} is not yet held here: ask an administrator to import it"
    if permissions.can_edit(user, establishment.pk):
        return None
    return f"you cannot import plans for {establishment_name}"


def import_plan_bytes(
    data: bytes,
    name: str,
    *,
    user: Any = None,
    allowed: Callable[[str], str | None] | None = None,
) -> ImportResult:
    """Read and store one file (see _import_plan_bytes), counted for the service's metrics."""
    from planwatch.web.ops import IMPORTS

    result = _import_plan_bytes(data, name, user=user, allowed=allowed)
    IMPORTS.labels(outcome=result.outcome, format=_format_of(data, name)).inc()
    return result


def _format_of(data: bytes, name: str) -> str:
    """The file's format for the metrics: "pdf", "docx", "odt", "text", or "other" for a
    file no reader takes (a zip that is neither document, say)."""
    try:
        return detect_format(data, name)
    except PlanReadError:
        return "other"


def _import_plan_bytes(
    data: bytes,
    name: str,
    *,
    user: Any = None,
    allowed: Callable[[str], str | None] | None = None,
) -> ImportResult:
    """Read and store one file. `allowed(establishment_name)` returns a refusal reason or None.

    A file that fails changes nothing; the same file twice (even at the same moment) is held
    once: the database's unique constraints on the file's hash and on (inspection, version)
    decide, not a check made beforehand.
    """
    display = PurePath(name).name
    sha256 = hashlib.sha256(data).hexdigest()
    existing = (
        Plan.objects.filter(source_sha256=sha256)
        .select_related("inspection__establishment")
        .first()
    )
    if existing is not None:
        reason = allowed(existing.establishment.name) if allowed is not None else None
        if reason:
            return ImportResult("refused", f"{display}: {reason}")
        return _already_held(display, existing)
    try:
        reading = read_plan_bytes(data, display)
    except PlanReadError as error:
        return ImportResult("refused", str(error))
    if allowed is not None:
        reason = allowed(reading.establishment)
        if reason:
            return ImportResult("refused", f"{display}: {reason}")
    duplicate = _duplicate_ref(reading)
    if duplicate is not None:
        return ImportResult(
            "refused",
            f"{display}: concern {duplicate} is numbered twice in the plan: correct the "
            "numbering in the document and import it again",
        )
    for attempt in range(2):
        try:
            with transaction.atomic():
                _hold_inspection(reading)
                same = _same_as_held(reading)
                if same is None:
                    plan = store_plan(reading, user=user, source=(data, display, sha256))
            if same is not None:
                return ImportResult(
                    "skipped", f"{display}: the same plan as {same}, already held", same
                )
            break
        except IntegrityError:
            # Somebody imported the same file, or the same plan in another format, at the
            # same moment: the database refused the second. Look again at what is now held.
            existing = Plan.objects.filter(source_sha256=sha256).first()
            if existing is not None:
                return _already_held(display, existing)
            if attempt:
                return ImportResult(
                    "refused",
                    f"{display}: another version of this plan was being imported at the same "
                    "moment; nothing was changed: import it again",
                )
        except OperationalError:
            return ImportResult(
                "refused",
                f"{display}: the database was busy; nothing was changed: import it again",
            )
        except DatabaseError as error:
            return ImportResult(
                "refused", f"{display}: could not be stored ({error}); nothing was changed"
            )
    count = len(reading.warnings)
    warnings = f", {labels.plural(count, 'warning')}" if count else ""
    return ImportResult(
        "imported",
        f"{display}: imported as {plan} ({labels.plural(len(reading.concerns), 'concern')}, "
        f"{labels.plural(len(reading.actions), 'action')}{warnings})",
        plan,
    )


# --- drafting -----------------------------------------------------------------------------


def _check_dates(
    start: datetime.date | None,
    end: datetime.date | None,
    published: datetime.date | None,
) -> None:
    today = rules.today()
    if start and start > today:
        raise Refused(
            "The first day of the inspection must be today or in the past", "inspection_start"
        )
    if start and end and end < start:
        raise Refused("The last day must be on or after the first day", "inspection_end")
    if published and end and published < end:
        raise Refused(
            "The report must be published on or after the last day of the inspection",
            "report_published",
        )
    if published and published > today:
        raise Refused(
            "The report's publication date must be today or in the past", "report_published"
        )


def start_draft(
    establishment: Establishment,
    start: datetime.date,
    end: datetime.date,
    report_published: datetime.date | None,
    user: Any,
) -> Plan:
    """A new draft plan answering an inspection (a new version if a plan is already held)."""
    _check_dates(start, end, report_published)
    with transaction.atomic():
        inspection, created = Inspection.objects.select_for_update().get_or_create(
            establishment=establishment,
            start=start,
            end=end,
            defaults={"report_published": report_published},
        )
        if not created and report_published and inspection.report_published != report_published:
            inspection.report_published = report_published
            inspection.save()
        draft = inspection.plans.drafts().first()
        if draft is not None:
            return draft
        latest = inspection.plans.order_by("-version").first()
        return Plan.objects.create(
            inspection=inspection,
            version=latest.version + 1 if latest else 1,
            state=Plan.State.DRAFT,
            created_by=user,
        )


def change_draft_dates(
    plan: Plan,
    start: datetime.date,
    end: datetime.date,
    report_published: datetime.date | None,
) -> None:
    """Correct the inspection and report dates of a draft (of a first version only: a later
    version answers the same inspection as the submitted ones)."""
    _require_draft(plan)
    _check_dates(start, end, report_published)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=plan.inspection_id)
        if inspection.plans.exclude(pk=plan.pk).exists():
            raise Refused(
                "Other versions answer this inspection: its dates cannot be changed here",
                "inspection_start",
            )
        inspection.start, inspection.end = start, end
        inspection.report_published = report_published
        inspection.save()
        _refresh_quality(plan)


def _require_draft(plan: Plan) -> None:
    if not plan.is_draft:
        raise Refused("A submitted plan cannot be changed: amend it as a new version")


def _limit(text: str, field: str, what: str) -> str:
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise Refused(f"{what} must be {MAX_TEXT:,} characters or fewer", field)
    return text


def save_concern(plan: Plan, data: dict[str, Any], concern: Concern | None = None) -> Concern:
    """Add a concern to a draft, or change one; numbers are unique within a plan."""
    _require_draft(plan)
    ref = data["ref"].strip()
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)
        clash = plan.concerns.filter(ref=ref)
        if concern is not None:
            clash = clash.exclude(pk=concern.pk)
        if clash.exists():
            raise Refused(f"Concern {ref} is already in the plan: give another number", "ref")
        if concern is None:
            highest = plan.concerns.aggregate(Max("position"))["position__max"]
            concern = Concern(plan=plan, position=0 if highest is None else highest + 1)
        concern.ref = ref
        concern.category = data["category"]
        concern.agreement = data.get("agreement") or ""
        concern.text = _limit(data["text"], "text", "The concern")
        concern.save()
        themes.classify_concern(concern)
        _refresh_quality(plan)
        learning.refresh_links(plan)
    return concern


def delete_concern(concern: Concern) -> None:
    plan = concern.plan
    _require_draft(plan)
    with transaction.atomic():
        if Judgement.objects.of_concern(plan.inspection_id, concern.ref).exists():
            raise Refused(
                f"Concern {concern.ref} has been judged: it cannot be removed; change its "
                "text instead"
            )
        if ProgressUpdate.objects.filter(action__concern=concern).exists():
            raise Refused(f"Concern {concern.ref} has actions with progress: it cannot be removed")
        concern.delete()
        _renumber(list(plan.concerns.order_by("position")))
        _refresh_quality(plan)


def save_action(concern: Concern, data: dict[str, Any], action: Action | None = None) -> Action:
    """Add an action to a draft's concern (numbered after the last), or change one."""
    from planwatch.dates import parse_target

    plan = concern.plan
    _require_draft(plan)
    with transaction.atomic():
        Concern.objects.select_for_update().get(pk=concern.pk)
        if action is None:
            highest = concern.actions.aggregate(Max("position"))["position__max"]
            action = Action(concern=concern, position=0 if highest is None else highest + 1)
        action.text = _limit(data["text"], "text", "The action")
        action.owner = data["owner"].strip()
        action.target_text = data["target_text"].strip()
        action.target = parse_target(action.target_text) or ""
        action.save()
        # The status follows the target and the updates in every version (a carried-over
        # action re-targeted from "Completed" to a date is not completed).
        refresh_state([action])
        _renormalise_owners(plan)
        themes.classify_concern(concern)
        _refresh_quality(plan)
    return action


def delete_action(action: Action) -> None:
    plan = action.concern.plan
    _require_draft(plan)
    with transaction.atomic():
        if action.progress_updates.exists():
            raise Refused("This action has progress recorded: it cannot be removed")
        concern = action.concern
        action.delete()
        _renumber(list(concern.actions.order_by("position")))
        _renormalise_owners(plan)
        themes.classify_concern(concern)
        _refresh_quality(plan)


def _renumber(items: Sequence[Concern | Action]) -> None:
    """Close the gap a removed row leaves, without ever holding two rows at one position."""
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def _renormalise_owners(plan: Plan) -> None:
    actions = list(Action.objects.filter(plan=plan))
    index = OwnerIndex(action.owner for action in actions)
    for action in actions:
        label = index.label(action.owner)
        if label != action.owner_normalised:
            action.owner_normalised = label
            action.save(update_fields=["owner_normalised"])


def submission_problems(plan: Plan, submitted_on: datetime.date) -> list[str]:
    """Why a draft cannot be submitted on that date (empty when it can)."""
    problems = []
    if not plan.concerns.exists():
        problems.append("Add at least one concern before submitting the plan")
    if submitted_on > rules.today():
        problems.append("The date the plan is submitted must be today or in the past")
    ended = plan.inspection.end
    if ended and submitted_on < ended:
        problems.append(
            f"The plan cannot be submitted before the inspection ended ({ended:%-d %B %Y})"
        )
    published = plan.inspection.report_published
    if published and submitted_on < published:
        problems.append(
            f"The plan cannot be submitted before the report was published ({published:%-d %B %Y})"
        )
    # A new version replaces the one before from the day it is submitted: dated earlier, it
    # would rewrite which plan was in force, and every figure, on days already past.
    previous = (
        plan.versions()
        .submitted()
        .filter(version__lt=plan.version, submitted_on__isnull=False)
        .order_by("-version")
        .first()
    )
    if previous is not None and previous.submitted_on and submitted_on < previous.submitted_on:
        problems.append(
            f"A new version cannot be submitted before version {previous.version} was "
            f"({previous.submitted_on:%-d %B %Y})"
        )
    if plan.concerns.exists() and not Action.objects.filter(plan=plan).exists():
        problems.append("Add at least one action before submitting the plan")
    return problems


def early_targets(plan: Plan, submitted_on: datetime.date) -> list[Action]:
    """Actions whose target falls before the submission date: the lead must confirm them."""
    return [
        action
        for action in Action.objects.filter(plan=plan).select_related("concern")
        if action.target_due and action.target_due < submitted_on
    ]


def submit(plan: Plan, submitted_on: datetime.date, confirm_early_targets: bool = False) -> None:
    """Submit a draft: it becomes the version in force from its submission date."""
    _require_draft(plan)
    problems = submission_problems(plan, submitted_on)
    if problems:
        raise Refused(problems[0], "submitted_on")
    early = early_targets(plan, submitted_on)
    if early and not confirm_early_targets:
        names = ", ".join(action.label for action in early[:5])
        raise Refused(
            f"{labels.plural(len(early), 'action')} ({names}) "
            f"{'has a target' if len(early) == 1 else 'have targets'} before the submission "
            f"date: correct {'it' if len(early) == 1 else 'them'}, or confirm that the plan is "
            "to be submitted as it is",
            "confirm",
        )
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)
        plan.state = Plan.State.SUBMITTED
        plan.submitted_on = submitted_on
        plan.in_force_from = submitted_on
        plan.save()
        _refresh_quality(plan)
        learning.refresh_links(plan)
        learning.refresh_self_reports(plan.inspection_id)


def amend(plan: Plan, user: Any) -> Plan:
    """Start a new draft version of a submitted plan; its actions carry their progress over.
    An existing draft of the same inspection is returned instead of a second one."""
    with transaction.atomic():
        Inspection.objects.select_for_update().get(pk=plan.inspection_id)
        existing = plan.versions().drafts().first()
        if existing is not None:
            return existing
        latest = plan.versions().last()
        assert latest is not None
        draft = Plan.objects.create(
            inspection=plan.inspection,
            version=latest.version + 1,
            state=Plan.State.DRAFT,
            created_by=user,
        )
        _write_concerns(draft, latest.to_model(as_printed=True))
        carry_over(draft, latest)
        themes.carry_over(draft, latest)
        themes.classify_plan(draft)
        _refresh_quality(draft)
        learning.refresh_links(draft)
    return draft


# --- progress -----------------------------------------------------------------------------


def accepts_updates(action: Action) -> str | None:
    """Why progress cannot be posted on this action now (None when it can): only the plan
    in force takes updates."""
    plan = action.plan
    if plan.is_draft:
        return "This plan is a draft: progress is posted once it is submitted"
    standing = Plan.objects.standing(plan, rules.today())
    if standing.in_force:
        return None
    if standing.kind == NEWER_VERSION:
        return (
            f"This is version {plan.version}, superseded by version {standing.newer.version}: "
            "post progress on that version"
        )
    return standing.message(plan)


def record_update(
    action: Action,
    user: Any,
    *,
    status: str,
    note: str = "",
    evidence_date: datetime.date | None = None,
    new_target_date: datetime.date | None = None,
    deferral_reason: str = "",
    files: Sequence[Any] = (),
    corrects: ProgressUpdate | None = None,
) -> ProgressUpdate:
    """Post progress on an action. The action is locked while its update is written and
    its stored status worked out again, so concurrent updates cannot leave it inconsistent.
    A deferral's reason is kept only on a deferral."""
    note = _limit(note, "note", "The note")
    deferral_reason = (
        _limit(deferral_reason, "deferral_reason", "The reason for deferring")
        if status == Status.DEFERRED
        else ""
    )
    try:
        checked = evidence_files.check_uploads(files)
    except evidence_files.EvidenceRefused as error:
        raise Refused(str(error), "evidence_files") from None
    with transaction.atomic():
        locked = (
            Action.objects.select_for_update().select_related("plan__inspection").get(pk=action.pk)
        )
        reason = accepts_updates(locked)
        if reason:
            raise Refused(reason)
        if corrects is None:
            if status == locked.status == Status.COMPLETED:
                raise Refused("This action is already completed", "status")
            changed = (
                status != locked.status
                or note
                or evidence_date
                or checked
                or (status == Status.DEFERRED and new_target_date != locked.deferred_to)
                or (status == Status.DEFERRED and deferral_reason != locked.deferral_reason)
            )
            if not changed:
                raise Refused(
                    "Change the status, or add a note, a date or a file, to save an update",
                    "status",
                )
        previous = ProgressUpdate.objects.filter(lineage=locked.lineage).newest_first().first()
        if (
            corrects is None
            and previous is not None
            and not checked
            and (
                previous.status,
                previous.note,
                previous.evidence_date,
                previous.new_target_date,
                previous.deferral_reason or "",
            )
            == (
                status,
                note,
                evidence_date,
                new_target_date if status == Status.DEFERRED else None,
                deferral_reason,
            )
        ):
            # A form sent twice (a double click, the back button): the first one counts.
            raise Refused("This update is the same as the last one: it was already saved", "note")
        # Entries on one action are strictly ordered in time, whatever the clock does.
        recorded_at = timezone.now()
        if previous is not None and previous.recorded_at >= recorded_at:
            recorded_at = previous.recorded_at + datetime.timedelta(microseconds=1)
        update = ProgressUpdate(
            action=locked,
            lineage=locked.lineage,
            status=status,
            note=note,
            evidence_date=evidence_date,
            new_target_date=new_target_date if status == Status.DEFERRED else None,
            deferral_reason=deferral_reason or None,
            corrects=corrects,
            author=user,
            recorded_at=recorded_at,
        )
        update.previous_hash = previous.entry_hash if previous else ""
        update.entry_hash = integrity.update_hash(update, [item.sha256 for item in checked])
        update.save()
        for item in checked:
            stored = Evidence(
                update=update,
                name=item.name,
                media_type=item.media_type,
                size=len(item.content),
                sha256=item.sha256,
            )
            stored.file.save(f"{item.sha256}{item.suffix}", ContentFile(item.content), save=False)
            stored.save()
        locked._change_reason = f"progress update {update.pk}"  # type: ignore[attr-defined]
        # Every version sharing the lineage (a draft amendment, say) follows the update too.
        others = Action.objects.filter(lineage=locked.lineage).exclude(pk=locked.pk)
        refresh_state([locked, *others])
        learning.refresh_self_reports_for_action(locked)
    return update


def correct_update(
    update: ProgressUpdate, user: Any, *, reason: str, **values: Any
) -> ProgressUpdate:
    """Replace the latest update on an action by a new one that says why; both stay in the
    history. Only the latest can be corrected: a correction takes its place as the newest
    entry, so correcting an older one would undo what came after it."""
    latest = ProgressUpdate.objects.filter(lineage=update.lineage).newest_first().first()
    if latest is None or latest.pk != update.pk:
        raise Refused(
            "Only the latest update can be corrected: post a new update to change where the "
            "action stands"
        )
    reason = _limit(reason, "reason", "The reason")
    if not reason:
        raise Refused("Give the reason for the correction", "reason")
    note = values.pop("note", "") or ""
    # Posted on the action in the plan in force, whichever version the update was made on.
    current = Action.objects.current().filter(lineage=update.lineage).first() or update.action
    return record_update(
        current,
        user,
        note=f"Correction: {reason}" + (f"\n{note}" if note else ""),
        corrects=update,
        **values,
    )


def record_judgement(
    concern: Concern,
    user: Any,
    *,
    rating: str,
    reason: str,
    judged_on: datetime.date,
    corrects: Judgement | None = None,
) -> Judgement:
    """Record a judgement on the IRP scale (or, with an empty rating, withdraw one)."""
    plan = concern.plan
    reason = _limit(reason, "reason", "The reason")
    if not reason:
        raise Refused("Give the reason for the judgement", "reason")
    if plan.is_draft:
        raise Refused("A draft plan cannot be judged")
    if judged_on > rules.today():
        raise Refused("The date of the judgement must be today or in the past", "judged_on")
    first = (
        Plan.objects.submitted()
        .filter(inspection=plan.inspection_id)
        .order_by("in_force_from")
        .values_list("in_force_from", flat=True)
        .first()
    )
    if first and judged_on < first:
        raise Refused(
            f"The date of the judgement must be on or after the plan was submitted "
            f"({first:%-d %B %Y})",
            "judged_on",
        )
    with transaction.atomic():
        Concern.objects.select_for_update().get(pk=concern.pk)
        if corrects is not None:
            corrects = Judgement.objects.select_for_update().get(pk=corrects.pk)
            if hasattr(corrects, "corrected_by"):
                raise Refused("This judgement has already been corrected")
            if not corrects.rating:
                raise Refused(
                    "A withdrawal cannot be corrected: record a new judgement instead", "rating"
                )
        previous = (
            Judgement.objects.of_concern(plan.inspection_id, concern.ref)
            .order_by("-recorded_at", "-pk")
            .first()
        )
        judgement = Judgement(
            concern=concern,
            inspection_id=plan.inspection_id,
            concern_ref=concern.ref,
            rating=rating,
            reason=reason,
            judged_on=judged_on,
            judged_by=user,
            corrects=corrects,
        )
        judgement.previous_hash = previous.entry_hash if previous else ""
        judgement.entry_hash = integrity.judgement_hash(judgement)
        judgement.save()
        learning.refresh_self_reports(plan.inspection_id, concern.ref)
    return judgement


# --- inspection reports and reviews of progress --------------------------------------------


def establishment_named(name: str | None) -> Establishment | None:
    """The establishment held under the name a report or review prints, compared as people
    write it ("HMP Peterborough" is "HMP Peterborough (Men)"); None when none or several."""
    from planwatch.reports_in.common import establishment_key

    if not name:
        return None
    exact = Establishment.objects.filter(name=name).first()
    if exact is not None:
        return exact
    key = establishment_key(name)
    found = [item for item in Establishment.objects.all() if establishment_key(item.name) == key]
    return found[0] if len(found) == 1 else None


def start_draft_from_report(
    report: Any, establishment: Establishment | None, user: Any, source_name: str
) -> Plan:
    """A draft plan for the inspection a report describes, with every concern numbered and
    categorised as printed, and what could not be read as the draft's warnings; all in one
    transaction. `establishment` None creates the one the report names (administrators)."""
    display = PurePath(source_name).name
    if not report.establishment and establishment is None:
        raise Refused(f"{display}: the establishment's name could not be read from it", "file")
    if not (report.inspection_start and report.inspection_end):
        raise Refused(
            f"{display}: the inspection's dates could not be read from it: start the draft "
            "with the form below instead",
            "file",
        )
    start, end = _date(report.inspection_start), _date(report.inspection_end)
    assert start is not None and end is not None
    with transaction.atomic():
        if establishment is None:
            establishment, _ = Establishment.objects.get_or_create(name=report.establishment)
        held = (
            Plan.objects.filter(
                inspection__establishment=establishment,
                inspection__start=start,
                inspection__end=end,
            )
            .order_by("-version")
            .first()
        )
        if held is not None:
            what = "change that draft" if held.is_draft else "amend it"
            raise Refused(
                f"{display}: a plan for this inspection is already held ({held}): {what} "
                "rather than starting another",
                "file",
            )
        plan = start_draft(establishment, start, end, _date(report.report_published), user)
        for concern in report.concerns:
            save_concern(
                plan,
                {"ref": concern.ref, "category": concern.category, "text": concern.text},
            )
        plan.warnings = list(report.warnings)
        plan.save(update_fields=["warnings"])
    return plan


def plan_reviewed(review: Any) -> tuple[Plan | None, list[str]]:
    """The latest submitted version of the plan for the inspection a review followed up, and
    what had to be inferred to find it; (None, [why]) when that plan is not held."""
    establishment = establishment_named(review.establishment)
    inspection_named = (
        f"{review.inspection_start} to {review.inspection_end}"
        if review.inspection_start
        else review.inspection_month
    )
    if establishment is None:
        return None, [
            f"No plan is held for {review.establishment or 'the establishment reviewed'}: "
            "import its plan first; nothing was recorded"
        ]
    plans = Plan.objects.submitted().filter(inspection__establishment=establishment)
    notes: list[str] = []
    if review.inspection_start:
        plans = plans.filter(
            inspection__start=_date(review.inspection_start),
            inspection__end=_date(review.inspection_end),
        )
    elif review.inspection_month:
        year, month = (int(part) for part in review.inspection_month.split("-"))
        plans = plans.filter(inspection__start__year=year, inspection__start__month=month)
    elif review.review_start:
        plans = plans.filter(inspection__start__lt=_date(review.review_start))
        notes.append(
            "The review does not say which inspection it followed up: the latest one held "
            "before the review is taken"
        )
    plan = (
        plans.select_related("inspection__establishment")
        .order_by("-inspection__start", "-version")
        .first()
    )
    if plan is None:
        when = f"'s inspection of {_when(review)}" if inspection_named else ""
        return None, [
            f"No plan is held for {establishment.name}{when}: import that plan first; "
            "nothing was recorded"
        ]
    return plan, notes


def _when(review: Any) -> str:
    if review.inspection_start:
        start, end = _date(review.inspection_start), _date(review.inspection_end)
        assert start is not None and end is not None
        return f"{start:%-d %B %Y} to {end:%-d %B %Y}"
    year, month = (int(part) for part in review.inspection_month.split("-"))
    return f"{datetime.date(year, month, 1):%B %Y}"


@dataclass
class ReviewJudgement:
    """One judgement to record from a review: the concern, the rating and the reason."""

    concern: Concern
    rating: str
    reason: str


def review_reason(review: Any, item: Any) -> str:
    """The reason recorded with a judgement taken from a review: where it comes from, and the
    judgement as printed."""
    start, end = _date(review.review_start), _date(review.review_end)
    visit = f" of {start:%-d %B %Y} to {end:%-d %B %Y}" if start and end else ""
    return (
        f"Independent review of progress{visit}, {item.label}: "
        f"{item.judgement or labels.RATINGS[item.rating]}"
    )


def record_review(
    plan: Plan, user: Any, judgements: Sequence[ReviewJudgement], judged_on: datetime.date
) -> tuple[int, int]:
    """Record a review's confirmed judgements as this user's, dated judged_on, in one
    transaction: all or none. A judgement the concern already holds (same rating, date and
    reason, a review confirmed twice) is not recorded again. Returns (recorded, already held)."""
    refs = [judgement.concern.ref for judgement in judgements]
    if len(set(refs)) != len(refs):
        raise Refused("Each concern can take one judgement from a review: choose it once")
    recorded = held = 0
    with transaction.atomic():
        for judgement in judgements:
            if judgement.concern.plan_id != plan.pk:
                raise Refused("A judgement names a concern of another plan: nothing was recorded")
            latest = (
                Judgement.objects.of_concern(plan.inspection_id, judgement.concern.ref)
                .order_by("-recorded_at", "-pk")
                .first()
            )
            if latest is not None and (latest.rating, latest.judged_on, latest.reason) == (
                judgement.rating,
                judged_on,
                judgement.reason,
            ):
                held += 1
                continue
            record_judgement(
                judgement.concern,
                user,
                rating=judgement.rating,
                reason=judgement.reason,
                judged_on=judged_on,
            )
            recorded += 1
    return recorded, held
