"""Writes to who acts for which owner: only people who can act on an action are mapped."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from planwatch.web.access import permissions
from planwatch.web.access.models import OwnerMapping


class MappingRefused(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def owners_named(establishment: Any) -> list[str]:
    """Owners named in the establishment's plans in force or being drafted (not in versions
    since superseded)."""
    from planwatch.web.plans import rules
    from planwatch.web.plans.models import Action, Plan

    in_force = Plan.objects.filter(
        inspection__establishment=establishment
    ).in_force_by_establishment(rules.today())
    plans = Plan.objects.filter(pk__in=list(in_force.values())) | Plan.objects.filter(
        inspection__establishment=establishment, state=Plan.State.DRAFT
    )
    return sorted(
        {
            name
            for value in Action.objects.filter(plan__in=plans).values_list(
                "owner_normalised", flat=True
            )
            for name in value.split("; ")
            if name
        }
    )


def map_owner(establishment: Any, owner: str, username: str) -> OwnerMapping:
    """Say that a person acts for an owner at an establishment."""
    user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        raise MappingRefused(f"There is no active user called {username.strip()}", "username")
    if not permissions.can_act_for_owners(user, establishment.pk):
        raise MappingRefused(
            f"{user.get_username()} cannot post progress at {establishment.name}: ask an "
            "administrator to make them a contributor or lead there first",
            "username",
        )
    with transaction.atomic():
        mapping, _ = OwnerMapping.objects.get_or_create(
            establishment=establishment, owner=owner, user=user
        )
    return mapping


def unmap(establishment: Any, mapping_id: str) -> bool:
    """Remove a mapping of this establishment by its id; False if there is none."""
    if not mapping_id.isdigit():
        return False
    deleted, _ = OwnerMapping.objects.filter(
        establishment=establishment, pk=int(mapping_id)
    ).delete()
    return bool(deleted)
