"""What the estate learns, stored: links between concerns on the same matter, and what owners
had reported when inspectors judged a concern. Both are worked out when plans, updates and
judgements are written (web/plans/learning.py), never per request."""

from __future__ import annotations

from django.db import models

from planwatch import labels
from planwatch.web.plans.models import Concern, Establishment, Inspection, Judgement
from planwatch.web.plans.querysets import ConcernLinkQuerySet, SelfReportQuerySet


class ConcernLink(models.Model):
    """`concern` raises the same matter as `other` (a concern of another inspection), with the
    similarity of their texts. Stored both ways between submitted plans; a draft's concerns
    link out only. `other` is always a concern of the newest submitted version of its plan."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="links")
    other = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    # The same establishment (a recurring concern) or another (what worked elsewhere).
    same_establishment = models.BooleanField()
    # The other concern's inspection and establishment, so that pages filter without joins.
    other_inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="+")
    other_establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="+"
    )

    objects = ConcernLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["concern", "other"], name="one_link_per_pair"),
        ]
        indexes = [
            models.Index(
                fields=["concern", "same_establishment", "-score"], name="concern_link_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.concern_id} ~ {self.other_id} ({self.score:.2f})"


class SelfReport(models.Model):
    """What a concern's owners had reported on the day inspectors judged it: one row per
    judgement in effect (see docs/domain-rules.md, "Self-reported against judged")."""

    judgement = models.OneToOneField(Judgement, on_delete=models.CASCADE, related_name="+")
    # The concern in the plan version that was in force for it on the judgement's date.
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="+")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="+")
    concern_ref = models.CharField(max_length=20)
    year = models.PositiveIntegerField(null=True, blank=True)  # the inspection's year
    judged_on = models.DateField()
    rating = models.CharField(max_length=20)
    actions = models.PositiveIntegerField()
    completed = models.PositiveIntegerField()
    deferred = models.PositiveIntegerField()
    reported = models.CharField(max_length=10, choices=list(labels.REPORTED.items()))
    # The concern's latest judgement in effect (by date judged, then recorded): what the
    # pages count, each concern once.
    latest = models.BooleanField(default=False)

    objects = SelfReportQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["establishment", "year"], name="self_report_where_idx"),
            models.Index(fields=["year"], name="self_report_year_idx"),
            models.Index(fields=["latest", "establishment"], name="self_report_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"Concern {self.concern_ref}: {self.reported} / {self.rating}"
