"""Import a plan file into the database: a transaction per file, versions, carried-over actions."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction

from planwatch import model as plan_model
from planwatch.errors import PlanReadError
from planwatch.model import CONTRACT_KEYS
from planwatch.owners import OwnerIndex
from planwatch.pipeline import read_plan_bytes
from planwatch.readers import detect_format
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Inspection,
    Plan,
    mark_current,
)

# Actions this alike (after whitespace and case) in the same concern are the same action.
CARRY_OVER_RATIO = 0.85
EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "odt": ".odt", "text": ".txt"}


@dataclass
class ImportResult:
    outcome: str  # "imported", "skipped" or "refused"
    message: str
    plan: Plan | None = None


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _similar(first: str, second: str) -> float:
    return SequenceMatcher(
        None, " ".join(first.lower().split()), " ".join(second.lower().split())
    ).ratio()


def carry_over(plan: Plan, previous: Plan | None) -> int:
    """Link each action to the same action in the previous version, keeping its progress."""
    if previous is None:
        return 0
    old_actions: dict[str, list[Action]] = {}
    for action in Action.objects.filter(concern__plan=previous).select_related("concern"):
        old_actions.setdefault(action.concern.ref, []).append(action)
    linked = 0
    for action in Action.objects.filter(concern__plan=plan).select_related("concern"):
        candidates = old_actions.get(action.concern.ref, [])
        best = max(candidates, key=lambda old: _similar(old.text, action.text), default=None)
        if best is None or _similar(best.text, action.text) < CARRY_OVER_RATIO:
            continue
        candidates.remove(best)
        action.carried_from = best
        action.status = best.status
        action.deferred_to = best.deferred_to
        action.deferral_reason = best.deferral_reason
        action.save()
        linked += 1
    return linked


def store_plan(
    reading: plan_model.Plan,
    *,
    user=None,
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
    plan = Plan.objects.create(
        inspection=inspection,
        version=(previous.version + 1) if previous else 1,
        state=state,
        submitted_on=_date(reading.plan_submitted),
        warnings=list(reading.warnings),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    owners = OwnerIndex(action.owner for action in reading.actions)
    for concern_position, concern in enumerate(reading.concerns):
        stored = Concern.objects.create(
            plan=plan,
            position=concern_position,
            ref=concern.ref,
            category=concern.category,
            agreement=concern.agreement or "",
            text=concern.text,
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
            )
    carry_over(plan, previous)
    mark_current(inspection)
    if source is not None:
        data, name, sha256 = source
        plan.source_name = name
        plan.source_sha256 = sha256
        extension = EXTENSIONS[detect_format(data, name)]
        plan.source_file.save(f"{sha256}{extension}", ContentFile(data), save=False)
        plan.save()
    return plan


def _same_as_held(reading: plan_model.Plan) -> Plan | None:
    """The latest held version of this inspection's plan, if it reads exactly the same
    (the PDF of a plan already imported from Word, say)."""
    latest = (
        Plan.objects.filter(
            inspection__establishment__name=reading.establishment,
            inspection__start=_date(reading.inspection_start),
            inspection__end=_date(reading.inspection_end),
            state=Plan.State.SUBMITTED,
        )
        .order_by("-version")
        .first()
    )
    if latest is None:
        return None
    held, new = latest.to_model().to_dict(), reading.to_dict()
    return latest if all(held[key] == new[key] for key in CONTRACT_KEYS) else None


def import_plan_bytes(
    data: bytes,
    name: str,
    *,
    user=None,
    allowed: Callable[[str], str | None] | None = None,
) -> ImportResult:
    """Read and store one file. `allowed(establishment_name)` returns a refusal reason or None.

    A file that fails changes nothing; the same file twice changes nothing the second time.
    """
    display = PurePath(name).name
    sha256 = hashlib.sha256(data).hexdigest()
    existing = Plan.objects.filter(source_sha256=sha256).first()
    if existing is not None:
        return ImportResult("skipped", f"{display}: already imported as {existing}", existing)
    try:
        reading = read_plan_bytes(data, display)
    except PlanReadError as error:
        return ImportResult("refused", str(error))
    if allowed is not None:
        reason = allowed(reading.establishment)
        if reason:
            return ImportResult("refused", f"{display}: {reason}")
    same = _same_as_held(reading)
    if same is not None:
        return ImportResult("skipped", f"{display}: the same plan as {same}, already held", same)
    try:
        with transaction.atomic():
            plan = store_plan(reading, user=user, source=(data, display, sha256))
    except DatabaseError as error:
        return ImportResult(
            "refused", f"{display}: could not be stored ({error}); nothing was changed"
        )
    count = len(reading.warnings)
    warnings = f", {count} warning{'' if count == 1 else 's'}" if count else ""
    return ImportResult(
        "imported",
        f"{display}: imported as {plan} ({len(reading.concerns)} concerns, "
        f"{len(reading.actions)} actions{warnings})",
        plan,
    )
