"""Who may do what, in one table: each role's abilities at the establishments it is given."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from planwatch.web.access.models import Membership, OwnerMapping, Role

QT = TypeVar("QT", bound=QuerySet[Any])


class Ability(enum.StrEnum):
    READ = "read"  # submitted plans, statuses and judgements
    READ_PRIVATE = "read private"  # evidence files, who wrote each note, owner mappings
    UPDATE_OWN = "update own"  # post progress on the actions of the owners one acts for
    UPDATE_ANY = "update any"  # post progress on any action
    EDIT = "edit"  # import, draft, amend plans; say who acts for each owner
    JUDGE = "judge"  # record judgements on the IRP scale
    CLASSIFY = "classify"  # correct a concern's healthy prison area and topics
    ADD_ESTABLISHMENT = "add establishment"  # import a plan for an establishment not held


# The one table: what each role may do at the establishments it is given (all of them when
# the membership names none).
ABILITIES: dict[str, frozenset[Ability]] = {
    Role.VIEWER: frozenset({Ability.READ, Ability.READ_PRIVATE}),
    Role.CONTRIBUTOR: frozenset({Ability.READ, Ability.READ_PRIVATE, Ability.UPDATE_OWN}),
    Role.LEAD: frozenset(
        {
            Ability.READ,
            Ability.READ_PRIVATE,
            Ability.UPDATE_OWN,
            Ability.UPDATE_ANY,
            Ability.EDIT,
            Ability.CLASSIFY,
        }
    ),
    Role.INSPECTOR: frozenset(
        {Ability.READ, Ability.READ_PRIVATE, Ability.JUDGE, Ability.CLASSIFY}
    ),
    Role.ADMINISTRATOR: frozenset(Ability),
}
# What anybody may do when the deployment lets the public read published plans.
PUBLIC_ABILITIES = frozenset({Ability.READ})
_CACHE = "_planwatch_memberships"


def _memberships(user: Any) -> list[tuple[str, int | None]]:
    """(role, establishment id or None for all) of a user, read once per request."""
    if not user.is_authenticated:
        return []
    cached: list[tuple[str, int | None]] | None = getattr(user, _CACHE, None)
    if cached is None:
        if user.is_superuser:
            cached = [(Role.ADMINISTRATOR, None)]
        else:
            cached = list(
                Membership.objects.filter(user=user).values_list("role", "establishment_id")
            )
        setattr(user, _CACHE, cached)
    return cached


def abilities(user: Any, establishment_id: int | None) -> frozenset[Ability]:
    """What a user may do at one establishment (or, with None, at every establishment)."""
    granted: set[Ability] = set()
    for role, where in _memberships(user):
        if where is None or where == establishment_id:
            granted |= ABILITIES[role]
    if settings.PLANWATCH_PUBLIC_READ:
        granted |= PUBLIC_ABILITIES
    return frozenset(granted)


def anywhere(user: Any, ability: Ability) -> bool:
    """Whether a user may do this at some establishment."""
    if settings.PLANWATCH_PUBLIC_READ and ability in PUBLIC_ABILITIES:
        return True
    return any(ability in ABILITIES[role] for role, _ in _memberships(user))


def everywhere(user: Any, ability: Ability) -> bool:
    """Whether a user may do this at every establishment."""
    return ability in abilities(user, None)


def may(user: Any, ability: Ability, establishment_id: int | None) -> bool:
    return ability in abilities(user, establishment_id)


def require(allowed: bool) -> None:
    """Refuse the request: one exception, one handler (access.middleware)."""
    if not allowed:
        raise PermissionDenied


def readable_establishment_ids(user: Any) -> set[int] | None:
    """The establishments a user may read; None for all of them."""
    return _establishment_ids(user, Ability.READ)


def _establishment_ids(user: Any, ability: Ability) -> set[int] | None:
    """The establishments where a user may do this; None for all of them."""
    if everywhere(user, ability):
        return None
    return {
        where
        for role, where in _memberships(user)
        if where is not None and ability in ABILITIES[role]
    }


def _filtered(user: Any, ability: Ability, queryset: QT) -> QT:
    ids = _establishment_ids(user, ability)
    return queryset if ids is None else queryset.filter(pk__in=ids)


def readable_establishments(user: Any, queryset: QT) -> QT:
    return _filtered(user, Ability.READ, queryset)


def editable_establishments(user: Any, queryset: QT) -> QT:
    return _filtered(user, Ability.EDIT, queryset)


# --- questions about one record ---------------------------------------------------------


def can_read_plan(user: Any, plan: Any) -> bool:
    """Submitted plans for readers; drafts only for those who may edit them."""
    ability = Ability.EDIT if plan.is_draft else Ability.READ
    return may(user, ability, plan.inspection.establishment_id)


def can_edit(user: Any, establishment_id: int) -> bool:
    return may(user, Ability.EDIT, establishment_id)


def can_read_private(user: Any, establishment_id: int) -> bool:
    return may(user, Ability.READ_PRIVATE, establishment_id)


def can_judge(user: Any, establishment_id: int) -> bool:
    return may(user, Ability.JUDGE, establishment_id)


def can_classify(user: Any, concern: Any) -> bool:
    """Correct a concern's area and topics: leads (drafts too, which they edit) and
    inspectors (submitted plans) of its establishment, and administrators."""
    plan = concern.plan
    where = plan.inspection.establishment_id
    if plan.is_draft and not may(user, Ability.EDIT, where):
        return False
    return may(user, Ability.CLASSIFY, where)


def can_act_for_owners(user: Any, establishment_id: int) -> bool:
    """Whether a person may be named as acting for owners at an establishment: only those
    who may post progress there, so that reminders and "My actions" reach people who can act."""
    return bool(abilities(user, establishment_id) & {Ability.UPDATE_OWN, Ability.UPDATE_ANY})


def owners_acted_for(user: Any, establishment_id: int) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(
        OwnerMapping.objects.filter(user=user, establishment_id=establishment_id).values_list(
            "owner", flat=True
        )
    )


def acts_for(user: Any, action: Any) -> bool:
    """Whether a user acts for one of the owners of an action."""
    owners = {name for name in action.owner_normalised.split("; ") if name}
    return bool(owners & owners_acted_for(user, action.plan.inspection.establishment_id))


def can_update(user: Any, action: Any) -> bool:
    """Post progress on an action: leads and administrators on any action of their
    establishment, contributors on the actions of the owners they act for."""
    granted = abilities(user, action.plan.inspection.establishment_id)
    if Ability.UPDATE_ANY in granted:
        return True
    return Ability.UPDATE_OWN in granted and acts_for(user, action)
