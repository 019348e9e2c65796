"""Background jobs as people see them: who started what, where it stands and what came of it
(the queue itself is procrastinate's, on PostgreSQL; see web/plans/jobs.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from planwatch import labels
from planwatch.web.plans.models import Establishment, Plan


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT = "import", labels.JOB_KINDS["import"]
        REPORT = "report", labels.JOB_KINDS["report"]
        RECOMPUTE = "recompute", labels.JOB_KINDS["recompute"]
        REMINDERS = "reminders", labels.JOB_KINDS["reminders"]

    class State(models.TextChoices):
        QUEUED = "queued", labels.JOB_STATES["queued"]
        RUNNING = "running", labels.JOB_STATES["running"]
        DONE = "done", labels.JOB_STATES["done"]
        FAILED = "failed", labels.JOB_STATES["failed"]

    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    # Who started it (none for a job the worker starts on a schedule).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    # A progress report's establishment.
    establishment = models.ForeignKey(
        Establishment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What the job needs to run: a report's date and plan, the files an import reads.
    parameters = models.JSONField(default=dict, blank=True)
    # Progress: `done` of `total` steps (files of an import); 0 of 0 until known.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # What came of it, in a sentence or a few lines.
    summary = models.TextField(blank=True)
    result = models.FileField(upload_to="jobs/results/", blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    # procrastinate's job id when it went through the queue.
    queue_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="jobs_of_user_idx")]

    def __str__(self) -> str:
        return f"{labels.JOB_KINDS[self.kind]} (job {self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("job", kwargs={"pk": self.pk})

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class JobItem(models.Model):
    """One file of an import job: where it came from, and what became of it."""

    class Outcome(models.TextChoices):
        WAITING = "", labels.IMPORT_OUTCOMES[""]
        IMPORTED = "imported", labels.IMPORT_OUTCOMES["imported"]
        SKIPPED = "skipped", labels.IMPORT_OUTCOMES["skipped"]
        REFUSED = "refused", labels.IMPORT_OUTCOMES["refused"]

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=255)
    # The uploaded file it is read from (an index into the job's inputs) and, for a file in
    # an archive, its name there.
    source = models.PositiveIntegerField(default=0)
    member = models.CharField(max_length=1024, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    message = models.TextField(blank=True)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="one_item_per_position")
        ]

    def __str__(self) -> str:
        return self.name
