"""Single sign-on with OpenID Connect: mozilla-django-oidc's backend, set up from the
PLANWATCH_OIDC_* settings and the provider's discovery document, refusing with a reason."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

log = logging.getLogger("planwatch.sign_in")

# The provider's addresses, named as in its discovery document; the first four are needed.
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)
# A discovery document is read again after this many seconds (providers rotate keys, not
# addresses, and the keys are read on each sign-in).
DISCOVERY_SECONDS = 3600
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}

# Why a sign-in was refused, in one line each; {provider} is the provider's name.
REASONS = {
    "access_denied": "{provider} did not sign you in: you cancelled, or your account may not "
    "use this service. Try again, or ask your IT service desk",
    "provider_error": "{provider} could not sign you in just now: try again later",
    "state": "This sign-in was not started here, or took too long: start again from the "
    "sign-in page",
    "no_email": "{provider} did not give your email address, which this service needs to know "
    "who you are: ask your IT service desk",
    "unverified_email": "{provider} has not verified your email address: verify it with them, "
    "then sign in again",
    "deactivated": "Your account on this service has been switched off: ask an administrator "
    "to switch it back on",
    "duplicate": "More than one account on this service has your email address: ask an "
    "administrator to remove the one you do not use",
    "unconfirmed": "{provider} could not confirm who you are: try again, and if it happens "
    "again tell the service's administrator",
    "unavailable": "{provider} is not answering: try again later",
}
LOCAL_SIGN_IN_OFF = (
    "Signing in with a username and password is switched off on this service: "
    "use “Sign in with {provider}”"
)


class SignInRefused(Exception):
    """A single sign-on that cannot go on, with the reason (a key of REASONS)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return REASONS[self.reason].format(provider=provider_name())


def provider_name() -> str:
    return str(settings.PLANWATCH_OIDC_PROVIDER_NAME)


def configured() -> bool:
    """Whether single sign-on is set up: a client id, and an issuer or the endpoints."""
    explicit = settings.PLANWATCH_OIDC_ENDPOINTS
    return bool(
        settings.PLANWATCH_OIDC_CLIENT_ID
        and (settings.PLANWATCH_OIDC_ISSUER or all(explicit[key] for key in ENDPOINTS[:4]))
    )


def local_sign_in_off_message() -> str:
    return LOCAL_SIGN_IN_OFF.format(provider=provider_name())


def discovery(issuer: str) -> dict[str, Any]:
    """The provider's discovery document (kept for an hour); SignInRefused("unavailable") when
    it cannot be read or names another issuer."""
    kept = _discovered.get(issuer)
    if kept and time.monotonic() - kept[0] < DISCOVERY_SECONDS:
        return kept[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("single sign-on: the discovery document could not be read: %s", error)
        raise SignInRefused("unavailable") from error
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        log.warning("single sign-on: the discovery document names another issuer")
        raise SignInRefused("unavailable")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def endpoints(required: bool = True) -> dict[str, str]:
    """The provider's addresses: those set explicitly, the others from discovery. With
    `required`, SignInRefused("unavailable") unless the four needed to sign in are known."""
    explicit = settings.PLANWATCH_OIDC_ENDPOINTS
    found: dict[str, Any] = {}
    if settings.PLANWATCH_OIDC_ISSUER and not all(explicit[key] for key in ENDPOINTS):
        try:
            found = discovery(settings.PLANWATCH_OIDC_ISSUER)
        except SignInRefused:
            if required:
                raise
    addresses = {key: explicit[key] or str(found.get(key) or "") for key in ENDPOINTS}
    if required and not all(addresses[key] for key in ENDPOINTS[:4]):
        log.warning("single sign-on: the provider's addresses are not all known")
        raise SignInRefused("unavailable")
    return addresses


# mozilla-django-oidc's settings, answered from planwatch's.
_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def library_setting(attr: str, *default: Any) -> Any:
    """A setting as mozilla-django-oidc asks for it, from the PLANWATCH_OIDC_* settings."""
    if attr in _SETTINGS:
        return endpoints()[_SETTINGS[attr]]
    own = {
        "OIDC_RP_CLIENT_ID": "PLANWATCH_OIDC_CLIENT_ID",
        "OIDC_RP_CLIENT_SECRET": "PLANWATCH_OIDC_CLIENT_SECRET",
        "OIDC_RP_SCOPES": "PLANWATCH_OIDC_SCOPES",
        "OIDC_RP_SIGN_ALGO": "PLANWATCH_OIDC_SIGN_ALGO",
    }
    if attr in own:
        return getattr(settings, own[attr])
    return import_from_settings(attr, *default)


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send someone who signed in with the provider as they sign out: its
    end-session endpoint, when it has one, asked to send them back here afterwards."""
    id_token = request.session.get("oidc_id_token")
    if not id_token or not configured():
        return None
    endpoint = endpoints(required=False)["end_session_endpoint"]
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.PLANWATCH_OIDC_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(
                resolve_url(settings.LOGOUT_REDIRECT_URL)
            ),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def _true(value: Any) -> bool:
    # Some providers send the claim as a string.
    return value is True or (isinstance(value, str) and value.lower() == "true")


class SingleSignOnBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's code flow, with the ID token's issuer and audience checked, and
    a reason for each refusal (raised, so that it reaches the page rather than a None)."""

    get_settings = staticmethod(library_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The provider's addresses are looked up when signing in, not each time a signed-in
        # person's account is read (as the library's constructor would).
        self.UserModel = get_user_model()
        self.OIDC_RP_IDP_SIGN_KEY = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("OIDC_"):
            return library_setting(name)
        raise AttributeError(name)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback passes a nonce: a username and password are not for this backend.
        if request is None or "nonce" not in kwargs or not configured():
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused:
            raise
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError) as error:
            log.warning("single sign-on: the provider's answer was not accepted: %s", error)
            raise SignInRefused("unconfirmed") from error

    def _verify_jws(self, payload: str, key: Any) -> Any:
        """The token's signature, and that the provider made it for this service (the
        library checks neither issuer nor audience)."""
        algorithm = jwt.get_unverified_header(payload).get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"signed with {algorithm}, not {self.OIDC_RP_SIGN_ALGO}")
        return jwt.decode(
            payload,
            key,
            algorithms=[algorithm],
            audience=settings.PLANWATCH_OIDC_CLIENT_ID,
            issuer=settings.PLANWATCH_OIDC_ISSUER or None,
            options={"require": ["exp", "iat", "sub"]},
            leeway=60,
        )

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = super().get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: the person described must be the one the token names.
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("the user information names another person")
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        email = str(claims.get("email") or "").strip()
        if "@" not in email:
            raise SignInRefused("no_email")
        verified = claims.get("email_verified")
        if settings.PLANWATCH_OIDC_REQUIRE_VERIFIED_EMAIL:
            if not _true(verified):
                raise SignInRefused("unverified_email")
        elif verified is not None and not _true(verified):
            raise SignInRefused("unverified_email")
        return True

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """The account with the email the provider vouches for (in any case), or a new one
        with no role."""
        from planwatch.web.access import services

        claims = self.get_userinfo(access_token, id_token, payload)
        self.verify_claims(claims)
        email = str(claims["email"]).strip()
        users = list(self.UserModel.objects.filter(email__iexact=email)[:2])
        if len(users) > 1:
            raise SignInRefused("duplicate")
        if not users:
            user = services.create_signed_on_user(email, claims)
            log.info("single sign-on: new account %s, with no role", user.pk)
            return user
        if not users[0].is_active:
            raise SignInRefused("deactivated")
        return users[0]
