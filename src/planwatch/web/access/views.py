"""The Owners page: who acts for each owner named in an establishment's plans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from planwatch.web.access import permissions, services
from planwatch.web.access.decorators import Need, requires
from planwatch.web.access.forms import OwnerMappingForm, TokenForm
from planwatch.web.access.models import ApiToken, OwnerMapping
from planwatch.web.plans.models import Establishment
from planwatch.web.plans.views.common import establishment_by_slug, form_status, page


@requires(Need.READ_PRIVATE, load=establishment_by_slug)
def owners(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    """Members of the establishment see who acts for each owner; leads and administrators
    change it, and ownership then survives staff changes."""
    names = services.owners_named(establishment)
    can_edit = permissions.can_edit(request.user, establishment.pk)
    form = OwnerMappingForm(owners=names)
    if request.method == "POST":
        permissions.require(can_edit)
        if "remove" in request.POST:
            if services.unmap(establishment, request.POST.get("remove", "")):
                messages.success(request, "The person no longer acts for that owner")
            else:
                messages.error(request, "That person was not listed for the owner: nothing changed")
            return redirect("owners", establishment.slug)
        form = OwnerMappingForm(request.POST, owners=names)
        if form.is_valid():
            try:
                mapping = services.map_owner(
                    establishment, form.cleaned_data["owner"], form.cleaned_data["username"]
                )
            except services.MappingRefused as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                messages.success(
                    request, f"{mapping.user.get_username()} now acts for {mapping.owner}"
                )
                return redirect("owners", establishment.slug)
    mappings = OwnerMapping.objects.filter(establishment=establishment).select_related("user")
    # Owners no longer named in the plans in force stay listed until their people are removed.
    everyone = sorted(set(names) | {mapping.owner for mapping in mappings})
    by_owner = {name: [m for m in mappings if m.owner == name] for name in everyone}
    return page(
        request,
        "access/owners.html",
        {
            "establishment": establishment,
            "by_owner": by_owner,
            "named": set(names),
            "form": form,
            "can_edit": can_edit,
        },
        status=form_status(form),
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer once an account has had too many failed sign-ins (no permission:
    it is shown to whoever tried)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return page(
        request,
        "access/locked_out.html",
        {"minutes": minutes, "attempts": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


@requires(Need.SIGNED_IN)
def tokens(request: HttpRequest) -> HttpResponse:
    """A person's API tokens: make one (its secret shown once), see when each was last
    used, revoke one (other systems using it stop at once)."""
    form = TokenForm()
    secret = None
    if request.method == "POST" and "revoke" in request.POST:
        token = services.revoke_token(request.user, request.POST.get("revoke", ""))
        if token is None:
            messages.error(request, "You hold no such token: nothing was changed")
        else:
            messages.success(request, f"Token “{token.name}” revoked: it no longer works")
        return redirect("tokens")
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = services.create_token(request.user, form.cleaned_data["name"])
            except services.TokenRefused as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                form = TokenForm()
                messages.success(request, f"Token “{token.name}” made: copy it now")
    return page(
        request,
        "access/tokens.html",
        {
            "form": form,
            "secret": secret,
            "tokens": ApiToken.objects.filter(
                user_id=int(request.user.pk or 0), revoked_at__isnull=True
            ),
        },
        status=form_status(form),
    )
