"""Roles per establishment, and which users act for which owners named in plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    LEAD = "lead", "Establishment lead"
    INSPECTOR = "inspector", "Inspector"
    ADMINISTRATOR = "administrator", "Administrator"


class Membership(models.Model):
    """A user's role, for one establishment or (with none named) for all of them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    establishment = models.ForeignKey(
        "plans.Establishment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="Leave empty for every establishment.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "establishment"], name="one_membership_per_role"
            )
        ]

    def __str__(self) -> str:
        where = self.establishment or "all establishments"
        return f"{self.user} is {self.get_role_display()} for {where}"


class OwnerMapping(models.Model):
    """A user who acts for an owner named in plans (a post or team, normalised), so that
    ownership survives staff changes: re-map the owner, not every action."""

    establishment = models.ForeignKey(
        "plans.Establishment", on_delete=models.CASCADE, related_name="owner_mappings"
    )
    owner = models.CharField(max_length=300, help_text="The owner as normalised, e.g. NHFT")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owner_mappings"
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "owner", "user"], name="one_mapping_per_owner_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} acts for {self.owner} at {self.establishment}"

    def clean(self) -> None:
        """The admin pages keep the Owners page's rule: only people who may post progress at
        the establishment act for its owners."""
        from django.core.exceptions import ValidationError

        from planwatch.web.access import permissions

        if not (self.user_id and self.establishment_id):  # the form reports them missing
            return
        if not permissions.can_act_for_owners(self.user, self.establishment_id):
            raise ValidationError(
                {
                    "user": f"{self.user.get_username()} cannot post progress at "
                    f"{self.establishment}: make them a contributor or lead there first"
                }
            )


class ApiToken(models.Model):
    """A personal API token: the person's own rights, for another system to use. Only a hash
    of the secret is kept; the secret is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The first characters of the secret, to tell tokens apart; not enough to use one.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
