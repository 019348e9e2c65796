"""A small, real OpenID Connect provider for the tests: Authlib's authorization server in
Flask on loopback, with discovery, RS256-signed ID tokens and their JWKS, the authorization
code flow (PKCE and nonce required), userinfo and end-session.

Its sign-in page asks who is signing in (email, whether it is verified, names) and offers
"Sign in" or "Cancel" (which answers error=access_denied), so that tests choose the person.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "planwatch-tests"
CLIENT_SECRET = secrets.token_urlsafe(24)
NAME = "Test Identity"
# One line a request from the provider's server would crowd the tests' output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@dataclass
class Person:
    sub: str
    email: str
    email_verified: bool | None
    given_name: str = ""
    family_name: str = ""

    def get_user_id(self) -> str:
        return self.sub


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    provider: Provider
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.provider.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class Token(TokenMixin):  # type: ignore[misc]
    access_token: str
    scope: str
    person: Person
    client: Client
    issued_at: float = field(default_factory=time.time)
    expires_in: int = 3600

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> Person:
        return self.person

    def get_client(self) -> Client:
        return self.client


def _claims(person: Person, scope: str) -> UserInfo:
    claims = {"sub": person.sub, "email": person.email}
    if person.email_verified is not None:
        claims["email_verified"] = person.email_verified
    if person.given_name:
        claims["given_name"] = person.given_name
    if person.family_name:
        claims["family_name"] = person.family_name
    return UserInfo(claims).filter(scope)


SIGN_IN_PAGE = """<!doctype html><html lang="en"><head><title>Sign in to {name}</title></head>
<body><main><h1>Sign in to {name}</h1>
<form method="post">
<label for="email">Email</label> <input id="email" name="email" type="email">
<label for="verified">Email verified</label>
<select id="verified" name="email_verified"><option>true</option><option>false</option>
<option value="">not said</option></select>
<label for="given">First name</label> <input id="given" name="given_name">
<label for="family">Last name</label> <input id="family" name="family_name">
<button name="decision" value="allow">Sign in</button>
<button name="decision" value="deny">Cancel</button>
</form></main></body></html>"""


class Provider:
    """The provider, served on 127.0.0.1 at a free port while started."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.redirect_uris: set[str] = set()
        self.post_logout_redirect_uris: set[str] = set()
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        # What end-session was asked: the person the ID token hint named, and where to go.
        self.ended_sessions: list[dict[str, str]] = []
        # Set by a test to make the provider misbehave: an ID token for another client.
        self.audience: str | None = None
        self.client = Client(self)
        self.app = self._app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> Provider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        self.redirect_uris.clear()
        self.post_logout_redirect_uris.clear()
        self.codes.clear()
        self.tokens.clear()
        self.ended_sessions.clear()
        self.audience = None

    def _app(self) -> Flask:
        provider = self
        app = Flask("test-oidc-provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 3600}

        def save_token(token: dict[str, Any], oauth_request: Any) -> None:
            provider.tokens[token["access_token"]] = Token(
                token["access_token"], token["scope"], oauth_request.user, oauth_request.client
            )

        server = AuthorizationServer(
            app,
            query_client=lambda client_id: provider.client if client_id == CLIENT_ID else None,
            save_token=save_token,
        )

        class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, oauth_request: Any) -> None:
                data = oauth_request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=oauth_request.client.client_id,
                    redirect_uri=oauth_request.payload.redirect_uri,
                    scope=oauth_request.payload.scope,
                    person=oauth_request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.person

        class IdToken(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, oauth_request: Any) -> bool:
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": "test-key"}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [provider.audience or client.client_id]}

            def generate_user_info(self, person: Person, scope: str) -> UserInfo:
                return _claims(person, scope)

        class UserInfoAnswer(UserInfoEndpoint):  # type: ignore[misc]
            def generate_user_info(self, person: Person, scope: str) -> UserInfo:
                return _claims(person, scope)

        class Bearer(BearerTokenValidator):  # type: ignore[misc]
            def authenticate_token(self, token_string: str) -> Token | None:
                return provider.tokens.get(token_string)

        protector = ResourceProtector()
        protector.register_token_validator(Bearer())
        server.register_grant(
            AuthorizationCodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)]
        )
        server.register_endpoint(UserInfoAnswer(resource_protector=protector))

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                issuer=provider.issuer,
                authorization_endpoint=f"{provider.issuer}/authorize",
                token_endpoint=f"{provider.issuer}/token",
                userinfo_endpoint=f"{provider.issuer}/userinfo",
                jwks_uri=f"{provider.issuer}/jwks",
                end_session_endpoint=f"{provider.issuer}/logout",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                scopes_supported=["openid", "email", "profile"],
                token_endpoint_auth_methods_supported=[
                    "client_secret_basic",
                    "client_secret_post",
                ],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(KeySet([provider.key]).as_dict(private=False))

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize() -> Any:
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                return f"The request is not valid: {html.escape(error.error)}", 400
            if request.method == "GET":
                return SIGN_IN_PAGE.format(name=NAME)
            if request.form.get("decision") != "allow":
                return server.create_authorization_response(grant_user=None, grant=grant)
            email = request.form["email"]
            verified = {"true": True, "false": False}.get(request.form.get("email_verified", ""))
            person = Person(
                sub=f"person-{email.lower()}",
                email=email,
                email_verified=verified,
                given_name=request.form.get("given_name", ""),
                family_name=request.form.get("family_name", ""),
            )
            return server.create_authorization_response(grant_user=person, grant=grant)

        @app.post("/token")
        def token() -> Any:
            return server.create_token_response()

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo() -> Any:
            return server.create_endpoint_response("userinfo")

        @app.get("/logout")
        def logout() -> Any:
            hint = request.args.get("id_token_hint", "")
            # The hint must be one of this provider's tokens: its signature is checked.
            sub = jwt.decode(hint, provider.key).claims["sub"] if hint else ""
            back = request.args.get("post_logout_redirect_uri", "")
            provider.ended_sessions.append(
                {"sub": sub, "client_id": request.args.get("client_id", ""), "back": back}
            )
            if back in provider.post_logout_redirect_uris:
                return redirect(back)
            return f"<!doctype html><title>Signed out</title><h1>You have signed out of {NAME}</h1>"

        return app


def sign_in_at(authorize_url: str, email: str, verified: str = "true", **form: str) -> str:
    """What a person does at the provider's sign-in page, with `requests` (another browser, as
    it were): returns where the provider sends them back (the callback URL with its query)."""
    with requests.Session() as browser:
        shown = browser.get(authorize_url, timeout=10)
        assert shown.status_code == 200, shown.text
        answer = browser.post(
            authorize_url,
            data={"email": email, "email_verified": verified, "decision": "allow"} | form,
            allow_redirects=False,
            timeout=10,
        )
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def local_path(url: str) -> str:
    """A callback URL as Django's test client asks for it: path and query."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def query(**params: str) -> str:
    return urlencode(params)
