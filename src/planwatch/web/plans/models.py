"""Stored plans: establishments, inspections, plan versions, concerns, actions and progress."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from planwatch import model as plan_model


class Category(models.TextChoices):
    PRIORITY = "priority", "Priority concern"
    KEY = "key", "Key concern"
    RECOMMENDATION = "recommendation", "Recommendation"


class Agreement(models.TextChoices):
    AGREED = "agreed", "Agreed"
    PARTLY = "partly agreed", "Partly agreed"
    NOT_AGREED = "not agreed", "Not agreed"


class Status(models.TextChoices):
    """Stored statuses. "Overdue" is derived from the due date and never stored."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    DEFERRED = "deferred", "Deferred"


OVERDUE = "overdue"


class Rating(models.TextChoices):
    """HMIP's scale for an independent review of progress."""

    NO_MEANINGFUL = "no_meaningful", "No meaningful progress"
    INSUFFICIENT = "insufficient", "Insufficient progress"
    REASONABLE = "reasonable", "Reasonable progress"
    GOOD = "good", "Good progress"


_URL_PATTERNS: dict[str, str] = {}
_PLACEHOLDER = "9182736450"  # fits both int and slug routes


def url_for(name: str, key: object) -> str:
    """reverse() for one-argument routes, resolved once per route: pages list thousands."""
    pattern = _URL_PATTERNS.get(name)
    if pattern is None:
        pattern = _URL_PATTERNS[name] = reverse(name, args=[_PLACEHOLDER])
    return pattern.replace(_PLACEHOLDER, str(key))


def overdue_q(as_of: datetime.date) -> models.Q:
    """Actions not completed and past their due date (the deferred date, else the target):
    "overdue" as a database filter, matching Action.is_overdue."""
    return ~models.Q(status=Status.COMPLETED) & (
        models.Q(deferred_to__isnull=False, deferred_to__lt=as_of)
        | models.Q(deferred_to__isnull=True, target_due__lt=as_of)
    )


def due_date_for(target: str | None) -> datetime.date | None:
    """The last day a normalised target allows: the month's end for "2024-07"."""
    if not target or not target[:4].isdigit():
        return None
    year, month = int(target[:4]), int(target[5:7])
    if len(target) == 7:
        return datetime.date(year, month, calendar.monthrange(year, month)[1])
    return datetime.date.fromisoformat(target)


class Establishment(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:200] or "establishment"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return url_for("establishment", self.slug)


class Inspection(models.Model):
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="inspections"
    )
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    report_published = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["establishment__name", "-start"]

    def __str__(self) -> str:
        if self.start and self.end:
            return f"{self.establishment}: inspection {self.start:%d %b %Y} to {self.end:%d %b %Y}"
        return f"{self.establishment}: inspection"


class Plan(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    submitted_on = models.DateField(null=True, blank=True)
    source_file = models.FileField(upload_to="plans/", blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    warnings = models.JSONField(default=list, blank=True)
    # The quality report of a submitted plan, worked out once: a submitted plan never changes.
    quality = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["inspection", "version"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "version"], name="one_plan_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.establishment} action plan, version {self.version}"

    @property
    def establishment(self) -> Establishment:
        return self.inspection.establishment

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    def get_absolute_url(self) -> str:
        return url_for("plan", self.pk)

    def versions(self) -> models.QuerySet[Plan]:
        return Plan.objects.filter(inspection=self.inspection).order_by("version")

    def previous_version(self) -> Plan | None:
        return self.versions().filter(version__lt=self.version).order_by("-version").first()

    def is_latest(self) -> bool:
        return not self.versions().filter(version__gt=self.version).exists()

    def to_model(self) -> plan_model.Plan:
        """The plan as the plain model the readers produce, for the quality rules and exports."""
        inspection = self.inspection
        return plan_model.Plan(
            establishment=self.establishment.name,
            plan_submitted=self.submitted_on.isoformat() if self.submitted_on else None,
            inspection_start=inspection.start.isoformat() if inspection.start else None,
            inspection_end=inspection.end.isoformat() if inspection.end else None,
            report_published=(
                inspection.report_published.isoformat() if inspection.report_published else None
            ),
            concerns=[
                plan_model.Concern(
                    ref=concern.ref,
                    category=concern.category,
                    agreement=concern.agreement or None,
                    text=concern.text,
                    actions=[
                        plan_model.Action(
                            text=action.text,
                            owner=action.owner,
                            target_text=action.target_text,
                            target=action.target or None,
                        )
                        for action in concern.actions.all()
                    ],
                )
                for concern in self.concerns.prefetch_related("actions")
            ],
            warnings=list(self.warnings),
        )


class Concern(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="concerns")
    position = models.PositiveIntegerField(default=0)
    ref = models.CharField(max_length=20)
    category = models.CharField(max_length=20, choices=Category.choices)
    agreement = models.CharField(max_length=20, choices=Agreement.choices, blank=True)
    text = models.TextField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return f"Concern {self.ref}"


class Action(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="actions")
    # The concern's plan, repeated here so that a plan's actions can be counted without a
    # join (the establishments page counts every plan's); set from the concern on save.
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="all_actions", editable=False, null=True
    )
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    owner = models.CharField("responsible owner", max_length=300, blank=True)
    owner_normalised = models.CharField(max_length=300, blank=True, db_index=True)
    target_text = models.CharField("target date as printed", max_length=100, blank=True)
    target = models.CharField(max_length=10, blank=True)
    target_due = models.DateField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    deferred_to = models.DateField(null=True, blank=True)
    deferral_reason = models.TextField(blank=True)
    # Whether the action is in the latest submitted version of its inspection's plan: the
    # actions that lists of overdue and due actions are drawn from (kept by mark_current).
    current = models.BooleanField(default=False, editable=False)
    # The same action in the plan's previous version, so that progress carries over.
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["concern", "position"]
        indexes = [
            # Lists of overdue and due actions; PostgreSQL can count them from the index alone.
            models.Index(
                fields=["current", "target_due"],
                include=["status", "deferred_to"],
                name="action_current_due_idx",
            ),
            # Covers counting a plan's actions by status and due date without reading the text.
            models.Index(
                fields=["plan", "status", "target_due", "deferred_to"],
                name="action_plan_progress_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern}, action {self.number}"

    def save(self, *args, **kwargs):
        self.target_due = due_date_for(self.target)
        self.plan_id = self.concern.plan_id
        if self.target == "completed" and self.status == Status.NOT_STARTED and not self.pk:
            self.status = Status.COMPLETED
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return url_for("action", self.pk)

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def due_date(self) -> datetime.date | None:
        """When the action is now due: its deferred date, else its original target."""
        return self.deferred_to or self.target_due

    def is_overdue(self, as_of: datetime.date | None = None) -> bool:
        as_of = as_of or datetime.date.today()
        return self.status != Status.COMPLETED and bool(self.due_date) and self.due_date < as_of

    def display_status(self, as_of: datetime.date | None = None) -> str:
        """The status people see: the stored one, or "overdue" when past due and not done."""
        return OVERDUE if self.is_overdue(as_of) else self.status

    def lineage(self) -> list[Action]:
        """This action and the ones it was carried over from, newest first."""
        chain, current = [], self
        while current is not None and current not in chain:
            chain.append(current)
            current = current.carried_from
        return chain

    def updates(self) -> models.QuerySet[ProgressUpdate]:
        """Every update on this action in any version of the plan, newest first."""
        return ProgressUpdate.objects.filter(action__in=self.lineage()).order_by(
            "-recorded_at", "-pk"
        )


class AppendOnly(models.Model):
    """A record that is written once: it can be neither changed nor deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError(f"{type(self).__name__} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} records cannot be deleted")


class ProgressUpdate(AppendOnly):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress_updates")
    status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    evidence_date = models.DateField("date the evidence refers to", null=True, blank=True)
    new_target_date = models.DateField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["action", "-recorded_at"], name="update_latest_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_status_display()}"


class Evidence(AppendOnly):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.name


class Judgement(AppendOnly):
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="judgements")
    rating = models.CharField(max_length=20, choices=Rating.choices)
    reason = models.TextField()
    judged_on = models.DateField()
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.concern}: {self.get_rating_display()}"


class ReminderLog(models.Model):
    """A reminder digest sent to a person on a day, so that none is sent twice that day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    sent_on = models.DateField()
    actions = models.JSONField(default=list)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "sent_on"], name="one_reminder_a_day")
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user} on {self.sent_on}"


def latest_updates(actions: list[Action]) -> dict[int, ProgressUpdate]:
    """The latest update of each action, across the versions it was carried over from, in
    three queries however many actions there are."""
    if not actions:
        return {}
    inspection_ids = {action.concern.plan.inspection_id for action in actions}
    newest = models.Subquery(
        ProgressUpdate.objects.filter(action=models.OuterRef("pk"))
        .order_by("-recorded_at", "-pk")
        .values("pk")[:1]
    )
    # Every action of these inspections, with the version it came from and its own latest
    # update, in one query.
    parents: dict[int, int | None] = {}
    latest_of: dict[int, int | None] = {}
    for pk, parent, update in (
        Action.objects.filter(concern__plan__inspection__in=inspection_ids)
        .annotate(newest=newest)
        .values_list("pk", "carried_from_id", "newest")
    ):
        parents[pk] = parent
        latest_of[pk] = update
    lineages: dict[int, list[int]] = {}
    for action in actions:
        chain, current = [], action.pk
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        lineages[action.pk] = chain
    updates = ProgressUpdate.objects.in_bulk([pk for pk in latest_of.values() if pk])
    result = {}
    for action_pk, chain in lineages.items():
        found = [updates[latest_of[pk]] for pk in chain if latest_of.get(pk)]
        if found:
            result[action_pk] = max(found, key=lambda update: (update.recorded_at, update.pk))
    return result


def mark_current(inspection: Inspection) -> None:
    """Flag the actions of the inspection's latest submitted plan as current, and no others."""
    latest = (
        Plan.objects.filter(inspection=inspection, state=Plan.State.SUBMITTED)
        .order_by("-version")
        .first()
    )
    Action.objects.filter(concern__plan__inspection=inspection, current=True).exclude(
        concern__plan=latest
    ).update(current=False)
    if latest is not None:
        Action.objects.filter(concern__plan=latest).update(current=True)
