"""Who may do what, in one place: every view asks these questions and nothing else."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from planwatch.web.access.models import Membership, OwnerMapping, Role


def _roles(user, establishment) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {Role.ADMINISTRATOR}
    memberships = Membership.objects.filter(user=user)
    if establishment is None:
        return set(memberships.values_list("role", flat=True))
    return set(
        memberships.filter(
            Q(establishment=establishment) | Q(establishment__isnull=True)
        ).values_list("role", flat=True)
    )


def is_administrator(user) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or Membership.objects.filter(
            user=user, role=Role.ADMINISTRATOR, establishment__isnull=True
        ).exists()
    )


def can_view(user, establishment, plan=None) -> bool:
    """Read an establishment's plans and progress. Drafts only for those who may edit."""
    if plan is not None and plan.is_draft:
        return can_edit_plans(user, establishment)
    if _roles(user, establishment):
        return True
    return settings.PLANWATCH_PUBLIC_READ


def can_edit_plans(user, establishment) -> bool:
    """Import, draft and edit plans for an establishment."""
    roles = _roles(user, establishment)
    return bool(roles & {Role.LEAD, Role.ADMINISTRATOR})


def can_import_new_establishment(user) -> bool:
    return is_administrator(user)


def owners_acted_for(user, establishment) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(
        OwnerMapping.objects.filter(user=user, establishment=establishment).values_list(
            "owner", flat=True
        )
    )


def acts_for(user, action) -> bool:
    """Whether a user acts for one of the owners of an action."""
    owners = {name for name in action.owner_normalised.split("; ") if name}
    return bool(owners & owners_acted_for(user, action.plan.establishment))


def can_update(user, action) -> bool:
    """Post progress on an action: leads and administrators on any action of their
    establishment, contributors on the actions of the owners they act for."""
    if action.plan.is_draft:
        return False
    establishment = action.plan.establishment
    roles = _roles(user, establishment)
    if roles & {Role.LEAD, Role.ADMINISTRATOR}:
        return True
    return Role.CONTRIBUTOR in roles and acts_for(user, action)


def can_judge(user) -> bool:
    """Record a judgement on the IRP scale: inspectors and administrators."""
    return bool(_roles(user, None) & {Role.INSPECTOR, Role.ADMINISTRATOR})


def sees_everything(user) -> bool:
    """Whether a user may read every establishment (so lists need no filter by it)."""
    if settings.PLANWATCH_PUBLIC_READ or user.is_superuser:
        return True
    return (
        user.is_authenticated
        and Membership.objects.filter(user=user, establishment__isnull=True).exists()
    )


def visible_establishments(user, queryset: QuerySet) -> QuerySet:
    """The establishments a user may read."""
    if settings.PLANWATCH_PUBLIC_READ or user.is_superuser:
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    memberships = Membership.objects.filter(user=user)
    if memberships.filter(establishment__isnull=True).exists():
        return queryset
    return queryset.filter(memberships__user=user).distinct()


def editable_establishments(user, queryset: QuerySet) -> QuerySet:
    if not user.is_authenticated:
        return queryset.none()
    if is_administrator(user):
        return queryset
    return queryset.filter(memberships__user=user, memberships__role=Role.LEAD).distinct()
