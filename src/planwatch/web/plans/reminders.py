"""Reminder digests: each person is told once a day of the actions they act for that are
overdue or fall due soon."""

from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass, field
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from notifications_python_client.errors import HTTPError

from planwatch import labels
from planwatch.web.access import permissions
from planwatch.web.access.models import OwnerMapping
from planwatch.web.plans import rules
from planwatch.web.plans.models import Action, ReminderLog, Status

# Four weeks: a ten-day warning is too late to rescue an action.
DEFAULT_WINDOW_DAYS = 28


@dataclass
class Digest:
    user: Any
    overdue: list[Action] = field(default_factory=list)
    due_soon: list[Action] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return self.overdue + self.due_soon


def digests(as_of: datetime.date, window_days: int = DEFAULT_WINDOW_DAYS) -> list[Digest]:
    """Who should hear about which actions of the plans in force: those overdue, and those
    due within the window, counted by the same rules as every page."""
    horizon = as_of + datetime.timedelta(days=window_days)
    mappings: dict[tuple[int, str], list[Any]] = {}
    for mapping in OwnerMapping.objects.select_related("user"):
        mappings.setdefault((mapping.establishment_id, mapping.owner), []).append(mapping.user)
    actions = (
        Action.objects.in_force(as_of)
        .with_state(as_of)
        .exclude(state_status=Status.COMPLETED)
        .filter(state_due__lte=horizon)
        .select_related("concern", "plan__inspection__establishment")
        .order_by("plan__inspection__establishment__name", "state_due", "pk")
    )
    found: dict[int, Digest] = {}
    for action in actions:
        establishment_id = action.plan.inspection.establishment_id
        for owner in filter(None, action.owner_normalised.split("; ")):
            for user in mappings.get((establishment_id, owner), []):
                if not user.email or not user.is_active or not permissions.can_update(user, action):
                    continue
                digest = found.setdefault(user.pk, Digest(user=user))
                if action in digest.actions:
                    continue
                (digest.overdue if action.state_due < as_of else digest.due_soon).append(action)
    return sorted(found.values(), key=lambda digest: digest.user.get_username())


# An action's text in a digest: enough to recognise it, shortened at a word.
TEXT_LIMIT = 200
WIDTH = 76


def shortened(text: str, limit: int = TEXT_LIMIT) -> str:
    """The text, whitespace collapsed, cut after the last whole word within `limit`
    characters (" …" added when cut); never mid-word, even for one very long word."""
    words = text.split()
    kept: list[str] = []
    length = 0
    for word in words:
        extra = len(word) + (1 if kept else 0)
        if kept and length + extra > limit:
            return " ".join(kept) + " …"
        kept.append(word)
        length += extra
    return " ".join(kept)


def _entry(action: Action, as_of: datetime.date) -> list[str]:
    link = settings.PLANWATCH_BASE_URL.rstrip("/") + reverse("action", args=[action.pk])
    due = getattr(action, "state_due", None) or action.due_date
    status = getattr(action, "state_status", action.status)
    late = rules.days_overdue(status, due, as_of)
    when = (
        f"{labels.plural(late, 'day')} overdue (due {due:%-d %B %Y})"
        if late
        else f"due {due:%-d %B %Y}"
    )
    owner = action.owner or "none given"
    text = textwrap.fill(
        shortened(action.text),
        WIDTH,
        initial_indent="  ",
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"- Action {action.label}, {when}. Owner: {owner}.", text, f"  {link}"]


def _section(title: str, actions: list[Action], as_of: datetime.date) -> list[str]:
    lines = [f"{title} ({labels.plural(len(actions), 'action')}):"]
    for action in actions:
        lines += _entry(action, as_of)
    return [*lines, ""]


def message(digest: Digest, as_of: datetime.date, window_days: int) -> tuple[str, str]:
    """The subject and plain-text body of one person's digest: the actions of each
    establishment together, overdue first, each with its number, text and link."""
    count = len(digest.actions)
    noun = "action needs" if count == 1 else "actions need"
    subject = f"planwatch: {count} {noun} your attention"
    parts = [f"Actions you act for, as of {as_of:%-d %B %Y}.", ""]
    places: dict[str, tuple[list[Action], list[Action]]] = {}
    for action in digest.overdue:
        places.setdefault(action.plan.establishment.name, ([], []))[0].append(action)
    for action in digest.due_soon:
        places.setdefault(action.plan.establishment.name, ([], []))[1].append(action)
    for name in sorted(places):
        overdue, due_soon = places[name]
        parts += [name, "=" * len(name), ""]
        if overdue:
            parts += _section("Overdue", overdue, as_of)
        if due_soon:
            parts += _section(f"Due in the next {window_days} days", due_soon, as_of)
    parts.append("Post progress on each action's page, or defer it with a new date and a reason.")
    return subject, "\n".join(parts)


@dataclass
class Outcome:
    digest: Digest
    sent: bool
    reason: str = ""


def send_reminders(
    as_of: datetime.date, window_days: int = DEFAULT_WINDOW_DAYS, dry_run: bool = False
) -> list[Outcome]:
    """Send each person one digest; never the same person twice on one day."""
    outcomes = []
    for digest in digests(as_of, window_days):
        if ReminderLog.objects.filter(user=digest.user, sent_on=as_of).exists():
            outcomes.append(Outcome(digest, False, "already reminded today"))
            continue
        if dry_run:
            outcomes.append(Outcome(digest, False, "dry run"))
            continue
        subject, body = message(digest, as_of, window_days)
        try:
            with transaction.atomic():
                ReminderLog.objects.create(
                    user=digest.user,
                    sent_on=as_of,
                    actions=[action.pk for action in digest.actions],
                )
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [digest.user.email])
        except IntegrityError:
            outcomes.append(Outcome(digest, False, "already reminded today"))
            continue
        except (OSError, SMTPException, HTTPError) as error:
            # Not recorded as sent, so the next run tries again.
            outcomes.append(Outcome(digest, False, f"could not be sent: {error}"))
            continue
        outcomes.append(Outcome(digest, True))
    from planwatch.web.ops import REMINDERS

    for outcome in outcomes:
        REMINDERS.labels(sent=str(outcome.sent).lower()).inc()
    return outcomes


def recipients_without_email() -> list[str]:
    """People who act for owners but have no email address, so cannot be reminded."""
    users = get_user_model().objects.filter(owner_mappings__isnull=False, email="").distinct()
    return sorted(user.get_username() for user in users)
