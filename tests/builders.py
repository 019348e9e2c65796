"""Shared test builders: establishments, plans, people and histories made through the real
services, at the moments a test chooses (time_machine moves the clock, as if it were then)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction

from planwatch import model as plan_model
from planwatch.dates import parse_target
from planwatch.web.access.models import Membership, OwnerMapping
from planwatch.web.plans import services
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Judgement,
    Plan,
    ProgressUpdate,
)

PASSWORD = "correct horse battery staple"
_names = itertools.count(1)

# (ref, category, [(action text, owner, target as printed), ...])
ConcernSpec = tuple[str, str, Sequence[tuple[str, str, str]]]

DEFAULT_CONCERNS: list[ConcernSpec] = [
    (
        "1",
        "priority",
        [
            (
                "Every new arrival will be seen by a nurse within two hours.",
                "Head of Healthcare",
                "July 2024",
            ),
            (
                "Audit first-night cells weekly and report the results monthly.",
                "Head of Safety",
                "September 2024",
            ),
        ],
    ),
    (
        "2",
        "key",
        [("Publish the regime and review it every quarter.", "Governor", "December 2024")],
    ),
]


def noon(day: datetime.date | str) -> datetime.datetime:
    """Midday, London time, on a day: when a builder does something 'on' that day."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    from zoneinfo import ZoneInfo

    return datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo("Europe/London"))


def on(day: datetime.date | datetime.datetime | str) -> time_machine.travel:
    """Run the block as if it were midday on that day (or at that moment)."""
    moment = day if isinstance(day, datetime.datetime) else noon(day)
    return time_machine.travel(moment, tick=False)


def reading(
    establishment: str = "HMP Testshire (Men)",
    *,
    inspection_start: datetime.date = datetime.date(2024, 1, 8),
    inspection_end: datetime.date | None = None,
    report_published: datetime.date | None = None,
    submitted: datetime.date | None = datetime.date(2024, 5, 22),
    concerns: Iterable[ConcernSpec] = DEFAULT_CONCERNS,
    texts: dict[str, str] | None = None,
    concern_texts: dict[str, str] | None = None,
) -> plan_model.Plan:
    """A plan as the readers produce it (each concern's text from `texts` or `concern_texts`
    by its number, else a stock sentence)."""
    end = inspection_end or inspection_start + datetime.timedelta(days=10)
    return plan_model.Plan(
        establishment=establishment,
        plan_submitted=submitted.isoformat() if submitted else None,
        inspection_start=inspection_start.isoformat(),
        inspection_end=end.isoformat(),
        report_published=(report_published or end + datetime.timedelta(days=60)).isoformat(),
        concerns=[
            plan_model.Concern(
                ref=ref,
                category=category,
                agreement=None,
                text=(concern_texts or texts or {}).get(
                    ref, f"Concern {ref} as the report states it."
                ),
                actions=[
                    plan_model.Action(
                        text=text, owner=owner, target_text=target, target=parse_target(target)
                    )
                    for text, owner, target in actions
                ],
            )
            for ref, category, actions in concerns
        ],
        warnings=[],
    )


def plan(
    establishment: str = "HMP Testshire (Men)",
    *,
    stored_on: datetime.date | None = None,
    **fields: Any,
) -> Plan:
    """A submitted plan stored as an import stores it (a new version if its inspection's
    plan is already held)."""
    with on(stored_on or datetime.date(2024, 6, 1)), transaction.atomic():
        return services.store_plan(reading(establishment, **fields))


def user(
    username: str | None = None,
    role: str | None = None,
    establishment: Establishment | None = None,
    acts_for: Iterable[str] = (),
    **fields: Any,
) -> Any:
    """A person with a role at an establishment (or all, with none), acting for owners."""
    username = username or f"person{next(_names)}"
    person = get_user_model().objects.create_user(
        username, f"{username}@example.invalid", PASSWORD, **fields
    )
    if role:
        Membership.objects.create(user=person, role=role, establishment=establishment)
    for owner in acts_for:
        assert establishment is not None, "owners are mapped at an establishment"
        OwnerMapping.objects.create(establishment=establishment, owner=owner, user=person)
    return person


def action(plan: Plan, ref: str, number: int) -> Action:
    """Action `ref`.`number` of a stored plan, as the plan prints it."""
    return Action.objects.select_related("concern", "plan__inspection").get(
        plan=plan, concern__ref=ref, position=number - 1
    )


def concern(plan: Plan, ref: str) -> Concern:
    return Concern.objects.select_related("plan__inspection").get(plan=plan, ref=ref)


def update(
    target: Action,
    author: Any,
    status: str,
    when: datetime.date | datetime.datetime | str,
    **fields: Any,
) -> ProgressUpdate:
    """Progress posted through the service, as if on that day."""
    if status == "deferred":
        fields.setdefault("note", "Deferred for a reason given")
    if status == "completed":
        fields.setdefault("note", "Done, and the record shows it")
    with on(when):
        return services.record_update(target, author, status=status, **fields)


def judgement(
    target: Concern,
    author: Any,
    rating: str,
    when: datetime.date | str,
    reason: str = "Inspectors found this at the review",
    **fields: Any,
) -> Judgement:
    day = datetime.date.fromisoformat(when) if isinstance(when, str) else when
    with on(day):
        return services.record_judgement(
            target, author, rating=rating, reason=reason, judged_on=day, **fields
        )


def user_named(username: str) -> Any:
    """The person with that username (made by user() in the same test)."""
    return get_user_model().objects.get(username=username)


def upload(name: str, content: bytes, content_type: str = "text/plain") -> Any:
    """A file as a form sends it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)
