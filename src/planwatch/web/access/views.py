"""The Owners and API tokens pages, and signing in and out: with a password, or with single
sign-on at the organisation's identity provider."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from planwatch.web.access import oidc, permissions, services
from planwatch.web.access.decorators import Need, requires
from planwatch.web.access.forms import OwnerMappingForm, SignInForm, TokenForm
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


# --- signing in and out ---------------------------------------------------------------------


def _single_sign_on() -> dict[str, Any]:
    return {
        "single_sign_on": oidc.provider_name() if oidc.configured() else None,
        "local_sign_in": settings.PLANWATCH_LOCAL_SIGN_IN,
    }


class SignInView(LoginView):
    """The sign-in page: "Sign in with <provider>" when single sign-on is set up, and the
    username and password form unless local sign-in is switched off (its POST is then
    refused, with the reason)."""

    template_name = "access/sign_in.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | _single_sign_on()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.PLANWATCH_LOCAL_SIGN_IN:
            return super().post(request, *args, **kwargs)
        # The form is shown empty: the password it carried is never checked.
        context = self.get_context_data(
            form=self.get_form_class()(request), refusal=oidc.local_sign_in_off_message()
        )
        return self.render_to_response(context, status=403)


def _refused(request: HttpRequest, refusal: oidc.SignInRefused, status: int) -> HttpResponse:
    """The page for a single sign-on that did not sign the person in: the reason, in a line."""
    oidc.log.info("single sign-on refused: %s", refusal.reason)
    response = page(
        request,
        "access/sign_in_refused.html",
        {"message": refusal.message} | _single_sign_on(),
        status=status,
    )
    # Django would log each such answer as a warning: a refused sign-in is not an error.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _not_set_up(request: HttpRequest) -> HttpResponse:
    response = page(request, "access/sign_in_not_set_up.html", {}, status=404)
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class SingleSignOnStart(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Sends the person to the identity provider, with a state, nonce and PKCE challenge kept
    in the session (mozilla-django-oidc), and where to come back to."""

    get_settings = staticmethod(oidc.library_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The provider's address is looked up in get(), where a failure can be answered.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.configured():
            return _not_set_up(request)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.endpoints()["authorization_endpoint"]
        except oidc.SignInRefused as refusal:
            return _refused(request, refusal, 502)
        self.OIDC_RP_CLIENT_ID = settings.PLANWATCH_OIDC_CLIENT_ID
        return super().get(request)


class SingleSignOnCallback(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """Where the identity provider sends the person back: signed in (a new account has no
    role), or a page saying in one line why not."""

    get_settings = staticmethod(oidc.library_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc.configured():
            return _not_set_up(request)
        error = request.GET.get("error")
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states", {})
        if error:
            if state in states:  # a state is used once
                del states[state]
                request.session.modified = True
            reason = "access_denied" if error == "access_denied" else "provider_error"
            return _refused(request, oidc.SignInRefused(reason), 403)
        if not request.GET.get("code") or state not in states:
            return _refused(request, oidc.SignInRefused("state"), 400)
        try:
            return super().get(request)
        except oidc.SignInRefused as refusal:
            return _refused(request, refusal, 502 if refusal.reason == "unavailable" else 403)

    def login_failure(self) -> HttpResponse:
        # Reached only when no backend answered (the library's own refusals have reasons).
        return _refused(self.request, oidc.SignInRefused("unconfirmed"), 403)


class SignOutView(OIDCLogoutView):  # type: ignore[misc]
    """Ends the session (POST only), then sends someone who signed in with the identity
    provider to its end-session endpoint, when it has one, to sign out there too."""

    get_settings = staticmethod(oidc.library_setting)

    def post(self, request: HttpRequest) -> HttpResponse:
        target = resolve_url(settings.LOGOUT_REDIRECT_URL)
        if request.user.is_authenticated:
            target = oidc.end_session_url(request) or target
            auth.logout(request)
        return HttpResponseRedirect(target)
