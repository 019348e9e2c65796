"""Writes about people: who acts for which owner, their personal API tokens, and the accounts
made for people who sign in with single sign-on."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from planwatch.web.access import permissions
from planwatch.web.access.models import ApiToken, OwnerMapping


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


# --- personal API tokens ------------------------------------------------------------------

TOKEN_PREFIX = "pw_"
# A token is used at most this often a minute before its "last used" time is written again.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _digest(secret: str) -> str:
    # The secret has 256 bits of randomness: a plain hash cannot be reversed by guessing.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for a person, named by them; returns it and its secret (shown once)."""
    name = " ".join(name.split())
    if not name:
        raise TokenRefused("Enter a name for the token, such as the system that will use it")
    if len(name) > 100:
        raise TokenRefused("The name must be 100 characters or fewer")
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise TokenRefused("You already have a token with that name: choose another name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret)
    )
    return token, secret


def user_for_token(secret: str) -> Any:
    """The person a token acts for, or None for an unknown or revoked token (or a person who
    may no longer sign in). Notes when it was last used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.filter(digest=_digest(secret), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_token(user: Any, token_id: str) -> ApiToken | None:
    """Revoke one of the person's own tokens; None if they hold no such active token."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(user=user, pk=int(token_id) if token_id.isdigit() else 0)
            .filter(revoked_at__isnull=True)
            .first()
        )
        if token is None:
            return None
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        return token


# --- accounts made by single sign-on --------------------------------------------------------


def create_signed_on_user(email: str, claims: dict[str, Any]) -> Any:
    """An account for someone the identity provider vouches for, seen here for the first time:
    named by their email (made unique), with their names, no password and no role (an
    administrator grants one)."""
    users = get_user_model()
    longest = getattr(users._meta.get_field(users.USERNAME_FIELD), "max_length", None) or 150
    base = email.lower()[:longest]
    with transaction.atomic():
        username, number = base, 1
        while users.objects.filter(**{f"{users.USERNAME_FIELD}__iexact": username}).exists():
            number += 1
            suffix = f"-{number}"
            username = base[: longest - len(suffix)] + suffix
        user = users.objects.create_user(
            username,
            email=email,
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )
    return user
