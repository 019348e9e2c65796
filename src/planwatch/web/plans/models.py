"""Stored plans: establishments, inspections, plan versions, concerns, actions and progress."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from planwatch import labels
from planwatch import model as plan_model
from planwatch.web.plans import rules
from planwatch.web.plans.querysets import (
    ActionQuerySet,
    ConcernQuerySet,
    EstablishmentQuerySet,
    JudgementQuerySet,
    PlanQuerySet,
    UpdateQuerySet,
)


class Category(models.TextChoices):
    PRIORITY = "priority", labels.CATEGORIES["priority"]
    KEY = "key", labels.CATEGORIES["key"]
    RECOMMENDATION = "recommendation", labels.CATEGORIES["recommendation"]


class Agreement(models.TextChoices):
    AGREED = "agreed", labels.AGREEMENTS["agreed"]
    PARTLY = "partly agreed", labels.AGREEMENTS["partly agreed"]
    NOT_AGREED = "not agreed", labels.AGREEMENTS["not agreed"]


class Rating(models.TextChoices):
    """HMIP's scale for an independent review of progress."""

    NO_MEANINGFUL = "no_meaningful", labels.RATINGS["no_meaningful"]
    INSUFFICIENT = "insufficient", labels.RATINGS["insufficient"]
    REASONABLE = "reasonable", labels.RATINGS["reasonable"]
    GOOD = "good", labels.RATINGS["good"]


AREA_CHOICES = list(labels.AREAS.items())
TOPIC_CHOICES = list(labels.TOPICS.items())


class Source(models.TextChoices):
    """Where an area or topic assignment came from."""

    PRINTED = "printed", labels.ASSIGNMENT_SOURCES["printed"]
    CLASSIFIED = "classified", labels.ASSIGNMENT_SOURCES["classified"]
    PERSON = "person", labels.ASSIGNMENT_SOURCES["person"]


class Status(models.TextChoices):
    """Stored statuses. "Overdue" and "superseded" are derived and never stored."""

    NOT_STARTED = labels.NOT_STARTED, labels.STATUSES[labels.NOT_STARTED]
    IN_PROGRESS = labels.IN_PROGRESS, labels.STATUSES[labels.IN_PROGRESS]
    COMPLETED = labels.COMPLETED, labels.STATUSES[labels.COMPLETED]
    DEFERRED = labels.DEFERRED, labels.STATUSES[labels.DEFERRED]


OVERDUE = labels.OVERDUE
SUPERSEDED = labels.SUPERSEDED

_URL_PATTERNS: dict[str, str] = {}
_PLACEHOLDER = "9182736450"  # fits both int and slug routes


def url_for(name: str, key: object) -> str:
    """reverse() for one-argument routes, resolved once per route: pages list thousands."""
    pattern = _URL_PATTERNS.get(name)
    if pattern is None:
        pattern = _URL_PATTERNS[name] = reverse(name, args=[_PLACEHOLDER])
    return pattern.replace(_PLACEHOLDER, str(key))


class Establishment(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    history = HistoricalRecords()

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
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
        constraints = [
            # Two imports of one plan at the same moment (in two formats, say) find or make
            # the same inspection: the database decides which one makes it.
            models.UniqueConstraint(
                fields=["establishment", "start", "end"],
                condition=Q(start__isnull=False, end__isnull=False),
                name="one_inspection_per_dates",
            )
        ]

    def __str__(self) -> str:
        if self.start and self.end:
            return f"{self.establishment}: inspection {self.start:%d %b %Y} to {self.end:%d %b %Y}"
        return f"{self.establishment}: inspection"

    @property
    def label(self) -> str:
        """The inspection as people name it: its dates."""
        if self.start and self.end:
            return f"inspection of {self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        return "inspection (dates not known)"


class PlanManager(models.Manager.from_queryset(PlanQuerySet)):  # type: ignore[misc]
    """Plans without their stored quality report, a large document read only where it is
    shown (services.quality_report)."""

    def get_queryset(self) -> PlanQuerySet:
        return super().get_queryset().defer("quality")


class Plan(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    submitted_on = models.DateField(null=True, blank=True)
    # The first day the plan can be in force: its submission date, or the day it was imported
    # when the document gives none. Empty for drafts.
    in_force_from = models.DateField(null=True, blank=True, editable=False, db_index=True)
    source_file = models.FileField(upload_to="plans/", blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # The quality report, worked out once per version when it is stored (drafts: on change).
    quality = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    history = HistoricalRecords(excluded_fields=["quality"])

    objects = PlanManager()

    class Meta:
        ordering = ["inspection", "version"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "version"], name="one_plan_per_version"),
            # The same file is held once, however many people import it at once.
            models.UniqueConstraint(
                fields=["source_sha256"], condition=~Q(source_sha256=""), name="one_plan_per_file"
            ),
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

    def versions(self) -> PlanQuerySet:
        return Plan.objects.filter(inspection=self.inspection_id).order_by("version")

    def previous_version(self) -> Plan | None:
        return self.versions().filter(version__lt=self.version).order_by("-version").first()

    def to_model(self, as_printed: bool = False) -> plan_model.Plan:
        """The plan as the plain model the readers produce, for the quality rules and exports;
        `as_printed`: only what the document printed (no classified or person-set area, no
        topics), to compare with a reading or copy as a new version."""
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
                    area=(
                        concern.area or None
                        if not as_printed or concern.area_source == Source.PRINTED
                        else None
                    ),
                    topics=[] if as_printed else concern.topic_keys(),
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
                for concern in self.concerns.prefetch_related("actions", "topic_links")
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
    # The healthy prison area: printed in the plan, classified from the text (with the
    # model's probability) or set by a person; empty when none is known yet.
    area = models.CharField(max_length=30, choices=AREA_CHOICES, blank=True, db_index=True)
    area_source = models.CharField(max_length=12, choices=Source.choices, blank=True)
    area_score = models.FloatField(null=True, blank=True)
    history = HistoricalRecords()

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "ref"], name="one_concern_per_ref"),
        ]

    def __str__(self) -> str:
        return f"Concern {self.ref}"

    @property
    def area_label(self) -> str:
        return labels.AREAS.get(self.area, "")

    def topic_keys(self) -> list[str]:
        """The concern's topics in the taxonomy's order (uses prefetched topic_links)."""
        order = list(labels.TOPICS)
        return sorted((link.topic for link in self.topic_links.all()), key=order.index)


class ConcernTopic(models.Model):
    """One topic of a concern, with where it came from."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.CharField(max_length=30, choices=TOPIC_CHOICES, db_index=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["concern", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "topic"], name="one_link_per_topic"),
        ]

    def __str__(self) -> str:
        return f"Concern {self.concern.ref}: {labels.TOPICS.get(self.topic, self.topic)}"


class Action(models.Model):
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="actions")
    # The concern's plan, repeated here so that a plan's actions can be counted without a
    # join (the establishments page counts every plan's); set from the concern on save.
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="all_actions", editable=False
    )
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    owner = models.CharField("responsible owner", max_length=300, blank=True)
    owner_normalised = models.CharField(max_length=300, blank=True, db_index=True)
    target_text = models.CharField("target date as printed", max_length=100, blank=True)
    target = models.CharField(max_length=10, blank=True)
    target_due = models.DateField(null=True, blank=True, db_index=True)
    # Where the action stands now, worked out from its updates by rules.state (never set
    # directly): the database filters and counts on these.
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    deferred_to = models.DateField(null=True, blank=True)
    deferral_reason = models.TextField(blank=True)
    # When it is now due (the deferred date, else the target's last day), kept on save so
    # that lists can be ordered and filtered by it from an index.
    due = models.DateField(null=True, blank=True, editable=False)
    # Every version of one action shares a lineage, so that progress and its history carry
    # over from version to version of the plan.
    lineage = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    # The same action in the plan's previous version.
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    history = HistoricalRecords()

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["concern", "position"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "position"], name="one_action_per_position"),
        ]
        indexes = [
            # Counting a plan's actions by status and due date without reading the text.
            # Also lists of overdue and due actions: their numbers and due days are read from
            # the index alone (PostgreSQL includes the id; SQLite's rowid is there anyway).
            models.Index(
                fields=["plan", "status", "due"], include=["id"], name="action_plan_progress_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.concern.ref}.{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.target_due = rules.due_date_for(self.target)
        self.due = self.deferred_to or self.target_due
        self.plan_id = self.concern.plan_id
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "due", "target_due"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return url_for("action", self.pk)

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def label(self) -> str:
        """The action's number as plans print it: 1.2 for the second action of concern 1."""
        return f"{self.concern.ref}.{self.number}"

    @property
    def due_date(self) -> datetime.date | None:
        """When the action is now due: its deferred date, else its original target."""
        return self.deferred_to or self.target_due

    @property
    def initial_status(self) -> str:
        return rules.initial_status(self.target)

    def display_status(self, as_of: datetime.date | None = None) -> str:
        """The status people see now: the stored one, or "overdue" when past due."""
        return rules.display_status(self.status, self.due_date, as_of or rules.today())

    def shown_status(self, as_of: datetime.date) -> str:
        """The status people see on `as_of`, from the `with_state` annotations when the
        action was fetched with them (a past day), else from what is stored."""
        if hasattr(self, "state_status"):
            return rules.display_status(self.state_status, getattr(self, "state_due", None), as_of)
        return self.display_status(as_of)

    def updates(self) -> UpdateQuerySet:
        """Every update on this action in any version of the plan, newest first."""
        return ProgressUpdate.objects.filter(lineage=self.lineage).newest_first()


class AppendOnly(models.Model):
    """A record that is written once: it can be neither changed nor deleted (the database
    refuses it too, with triggers)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError(f"{type(self).__name__} records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"{type(self).__name__} records cannot be deleted")


class ProgressUpdate(AppendOnly):
    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="progress_updates")
    # The action's lineage, so that one index finds every version's updates.
    lineage = models.UUIDField(editable=False)
    status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    evidence_date = models.DateField("date the evidence refers to", null=True, blank=True)
    new_target_date = models.DateField(null=True, blank=True)
    # Why a deferral was needed, apart from what was done. Null on updates recorded before it
    # had a field of its own (their reason is in the note); null also lets the column be
    # added without SQLite rebuilding the append-only table and losing its triggers.
    deferral_reason = models.TextField("reason for deferring", null=True, blank=True)
    # A correction replaces an earlier update, with the reason; nothing is ever deleted.
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)
    # The hash of the previous entry on the same action, and of this entry with it.
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["lineage", "recorded_at"], name="update_lineage_idx"),
            # An action's first completion (ActionQuerySet.with_completed_on, the estate
            # report's delivery on time) without reading its other updates.
            models.Index(
                fields=["lineage", "status", "recorded_at"], name="update_lineage_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.get_status_display()}"


class Evidence(AppendOnly):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.name


class Judgement(AppendOnly):
    """A judgement on the IRP scale. It belongs to the concern across plan versions: the
    concern is found by its inspection and number."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="judgements")
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="judgements", editable=False
    )
    concern_ref = models.CharField(max_length=20, editable=False)
    # Empty when the entry withdraws a judgement recorded in error.
    rating = models.CharField(max_length=20, choices=Rating.choices, blank=True)
    reason = models.TextField()
    judged_on = models.DateField()
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = JudgementQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["inspection", "concern_ref"], name="judgement_concern_idx"),
        ]

    def __str__(self) -> str:
        return f"Concern {self.concern_ref}: {self.rating_label}"

    @property
    def rating_label(self) -> str:
        return labels.RATINGS.get(self.rating, "Withdrawn")


class ConsideredFinding(models.Model):
    """A quality finding the plan's lead weighed and kept on purpose ("the Deputy Governor
    quality-assures on purpose"), with the reason. It belongs to the action across plan
    versions (its lineage), so it is not shown again for that action and the submitted
    plan's quality report counts it as considered, not open."""

    # The version of the plan it was recorded on.
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="considered_findings")
    lineage = models.UUIDField(editable=False)
    rule = models.CharField(max_length=40)
    reason = models.TextField()
    considered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    considered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["considered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "rule"], name="one_consideration_per_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule} considered: {self.reason[:40]}"


class ThemeCorrection(AppendOnly):
    """A person's correction of a concern's area or topics: who, when, from what, to what.
    It belongs to the concern across plan versions (found by inspection and number), like a
    judgement."""

    class Field(models.TextChoices):
        AREA = "area", "Area"
        TOPICS = "topics", "Topics"

    concern = models.ForeignKey(
        Concern,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="theme_corrections",
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="theme_corrections"
    )
    concern_ref = models.CharField(max_length=20)
    field = models.CharField(max_length=10, choices=Field.choices)
    # Keys: an area, or topics separated by spaces; empty for none.
    before = models.CharField(max_length=800, blank=True)
    after = models.CharField(max_length=800, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["inspection", "concern_ref"], name="theme_correction_concern_idx"),
        ]

    def __str__(self) -> str:
        return f"Concern {self.concern_ref}: {self.field} corrected"

    def _names(self, keys: str) -> str:
        names = labels.AREAS if self.field == self.Field.AREA else labels.TOPICS
        return ", ".join(names.get(key, key) for key in keys.split()) or "None"

    @property
    def before_label(self) -> str:
        return self._names(self.before)

    @property
    def after_label(self) -> str:
        return self._names(self.after)


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


def _plans_changed(**_: Any) -> None:
    """A plan or inspection written or deleted here changes which plans are in force and the
    themes: forget the answers kept in this process, and set a new mark for the others."""
    from planwatch.web import caching
    from planwatch.web.plans import lessons, querysets

    querysets.forget_plans_in_force()
    lessons.forget_themes()
    caching.estate_changed()


for _model in (Plan, Inspection):
    models.signals.post_save.connect(_plans_changed, sender=_model, weak=False)
    models.signals.post_delete.connect(_plans_changed, sender=_model, weak=False)

# What the estate learns across plans, and background jobs, in modules of their own
# (imported here so Django finds them).
from planwatch.web.plans.job_models import Job, JobItem  # noqa: E402, F401
from planwatch.web.plans.learned import ConcernLink, SelfReport  # noqa: E402, F401
