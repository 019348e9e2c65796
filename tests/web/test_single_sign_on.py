"""Single sign-on (issue 13.2) against a real OpenID Connect provider on loopback
(tests/web/oidc_provider.py): sign-in, matching by email, refusals, sign-out, and local
passwords switched off."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model

from planwatch.web.access.models import Membership, Role
from tests import builders
from tests.web.oidc_provider import CLIENT_ID, local_path, sign_in_at

pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).parents[2]
CALLBACK = "http://testserver/sign-in/sso/callback/"
NO_ROLE = (
    "Your account has no role yet. Ask an administrator to give you a role for the "
    "establishments you work with."
)


def start(client, next_page: str = "") -> str:
    """Press "Sign in with Test Identity": returns where the service sends the browser."""
    response = client.get("/sign-in/sso/" + (f"?next={next_page}" if next_page else ""))
    assert response.status_code == 302
    return response["Location"]


def come_back(client, email: str, verified: str = "true", **form: str):
    """Sign in at the provider as this person, and follow it back to the service."""
    back = sign_in_at(start(client), email, verified, **form)
    assert back.startswith(CALLBACK + "?")
    return client.get(local_path(back), follow=True)


def refusal(response) -> str:
    """The one-line reason on the refusal page."""
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">You are not signed in</h1>' in page
    line = page.split('<p class="govuk-body" id="sign-in-refusal">')[1].split("</p>")[0]
    return html.unescape(line)


def signed_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_the_sign_in_page_offers_the_provider_only_when_it_is_set_up(client, settings):
    page = client.get("/sign-in/?next=/overdue/").content.decode()
    assert "Sign in with" not in page
    assert 'name="password"' in page
    settings.PLANWATCH_OIDC_ISSUER = "https://login.example.org"
    settings.PLANWATCH_OIDC_CLIENT_ID = "planwatch"
    settings.PLANWATCH_OIDC_PROVIDER_NAME = "Justice Identity"
    page = client.get("/sign-in/?next=/overdue/").content.decode()
    assert 'href="/sign-in/sso/?next=/overdue/"' in page
    assert "Sign in with Justice Identity" in page
    assert "Or sign in with a username and password" in page
    assert 'name="password"' in page


def test_the_provider_is_asked_for_a_code_with_state_nonce_and_pkce(client, single_sign_on):
    address = urlsplit(start(client, "/overdue/"))
    assert f"{address.scheme}://{address.netloc}{address.path}" == (
        single_sign_on.issuer + "/authorize"
    )
    asked = parse_qs(address.query)
    assert asked["response_type"] == ["code"]
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == [CALLBACK]
    assert asked["scope"] == ["openid email profile"]
    assert asked["code_challenge_method"] == ["S256"]
    state = asked["state"][0]
    assert client.session["oidc_states"][state]["nonce"] == asked["nonce"][0]


def test_a_first_sign_in_makes_an_account_with_no_role(client, single_sign_on, caplog):
    page = come_back(client, "Pat.Jones@Example.org", given_name="Pat", family_name="Jones")
    assert page.status_code == 200
    assert page.redirect_chain == [("/", 302)]
    assert NO_ROLE in page.content.decode()
    person = signed_in_as(client)
    assert (person.username, person.email, person.first_name, person.last_name) == (
        "pat.jones@example.org",
        "Pat.Jones@example.org",  # as Django keeps emails: the domain in lower case
        "Pat",
        "Jones",
    )
    assert not person.has_usable_password()
    assert not person.is_staff and not person.is_superuser
    assert not Membership.objects.filter(user=person).exists()
    assert f"single sign-on: new account {person.pk}, with no role" in caplog.text
    # Recorded as every sign-in is, by django-axes: who, and through which page.
    log = AccessLog.objects.get(username="pat.jones@example.org")
    assert log.path_info == "/sign-in/sso/callback/"
    # Pages needing a role refuse them until an administrator grants one.
    assert client.get("/estate/").status_code == 403


def test_a_second_sign_in_finds_the_same_account_by_email_in_any_case(
    client, single_sign_on, client_for
):
    come_back(client, "pat@example.org")
    first = signed_in_as(client)
    Membership.objects.create(user=first, role=Role.VIEWER, establishment=None)
    client.logout()
    page = come_back(client, "PAT@EXAMPLE.ORG")
    assert signed_in_as(client) == first
    assert get_user_model().objects.count() == 1
    # The role granted in between holds.
    assert NO_ROLE not in page.content.decode()
    assert '<h1 class="govuk-heading-l">Establishments</h1>' in page.content.decode()


def test_an_account_made_with_a_password_is_found_by_its_email(client, single_sign_on):
    local = builders.user("sam", role=Role.VIEWER)
    local.email = "Sam.Smith@justice.example"
    local.save()
    page = come_back(client, "sam.smith@JUSTICE.example")
    assert signed_in_as(client) == local
    assert get_user_model().objects.count() == 1
    assert NO_ROLE not in page.content.decode()
    # Its password still works where local sign-in is on.
    assert local.has_usable_password()


def test_a_new_account_whose_email_is_another_username_gets_its_own_name(client, single_sign_on):
    builders.user("kim@example.org")  # a local account named so, with another email
    come_back(client, "Kim@example.org")
    assert signed_in_as(client).username == "kim@example.org-2"


def test_the_page_asked_for_before_signing_in_is_shown_after(client, single_sign_on):
    builders.user("lee", role=Role.VIEWER).__class__.objects.filter(username="lee").update(
        email="lee@example.org"
    )
    back = sign_in_at(start(client, "/overdue/"), "lee@example.org")
    response = client.get(local_path(back))
    assert response.status_code == 302
    assert response["Location"] == "/overdue/"
    # Another site is never a place to be sent back to.
    back = sign_in_at(start(client, "https://elsewhere.example/"), "lee@example.org")
    assert client.get(local_path(back))["Location"] == "/"


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        (
            {"decision": "deny"},
            403,
            "Test Identity did not sign you in: you cancelled, or your account may not use "
            "this service. Try again, or ask your IT service desk.",
        ),
        (
            {"email_verified": "false"},
            403,
            "Test Identity has not verified your email address: verify it with them, then "
            "sign in again.",
        ),
        (
            {"email_verified": ""},
            403,
            "Test Identity has not verified your email address: verify it with them, then "
            "sign in again.",
        ),
        (
            {"email": ""},
            403,
            "Test Identity did not give your email address, which this service needs to know "
            "who you are: ask your IT service desk.",
        ),
    ],
    ids=["cancelled", "unverified email", "verification not said", "no email"],
)
def test_a_refused_sign_in_says_why_in_one_line_and_makes_nothing(
    client, single_sign_on, caplog, form, status, message
):
    back = sign_in_at(start(client), **({"email": "pat@example.org"} | form))
    response = client.get(local_path(back))
    assert response.status_code == status
    assert refusal(response) == message
    assert signed_in_as(client) is None
    assert get_user_model().objects.count() == 0
    # Refused, not failed: nothing is logged as an error or warning.
    assert [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []


def test_an_email_the_provider_does_not_vouch_for_may_be_trusted_when_set(
    client, single_sign_on, settings
):
    settings.PLANWATCH_OIDC_REQUIRE_VERIFIED_EMAIL = False
    come_back(client, "pat@example.org", verified="")
    assert signed_in_as(client).email == "pat@example.org"
    client.logout()
    # A provider that says the email is not verified is still refused.
    back = sign_in_at(start(client), "pat@example.org", "false")
    assert client.get(local_path(back)).status_code == 403


def test_a_tampered_state_is_refused(client, single_sign_on, caplog):
    back = sign_in_at(start(client), "pat@example.org")
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    tampered = f"{parts.path}?code={query['code'][0]}&state={query['state'][0]}x"
    response = client.get(tampered)
    assert response.status_code == 400
    assert refusal(response) == (
        "This sign-in was not started here, or took too long: start again from the sign-in page."
    )
    assert signed_in_as(client) is None
    assert get_user_model().objects.count() == 0
    # The reason is logged, not the person.
    assert [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "planwatch.sign_in"
    ] == [("INFO", "single sign-on refused: state")]


def test_a_sign_in_started_in_another_browser_is_refused(client, single_sign_on):
    from django.test import Client

    back = sign_in_at(start(Client()), "pat@example.org")
    response = client.get(local_path(back))
    assert response.status_code == 400
    assert "This sign-in was not started here" in refusal(response)
    assert get_user_model().objects.count() == 0


def test_a_callback_is_used_once(client, single_sign_on):
    back = local_path(sign_in_at(start(client), "pat@example.org"))
    assert client.get(back).status_code == 302
    client.logout()
    again = client.get(back)
    assert again.status_code == 400
    assert signed_in_as(client) is None


def test_an_account_switched_off_by_an_administrator_is_refused(client, single_sign_on):
    builders.user("off", is_active=False).__class__.objects.filter(username="off").update(
        email="off@example.org"
    )
    back = sign_in_at(start(client), "off@example.org")
    response = client.get(local_path(back))
    assert response.status_code == 403
    assert refusal(response) == (
        "Your account on this service has been switched off: ask an administrator to switch "
        "it back on."
    )
    assert signed_in_as(client) is None


def test_two_accounts_with_the_email_are_refused(client, single_sign_on):
    for name in ("one", "two"):
        builders.user(name).__class__.objects.filter(username=name).update(
            email="Shared@example.org"
        )
    back = sign_in_at(start(client), "shared@example.org")
    response = client.get(local_path(back))
    assert response.status_code == 403
    assert refusal(response).startswith("More than one account on this service has your email")
    assert signed_in_as(client) is None


def test_an_id_token_made_for_another_service_is_refused(client, single_sign_on, caplog):
    single_sign_on.audience = "another-service"
    back = sign_in_at(start(client), "pat@example.org")
    response = client.get(local_path(back))
    assert response.status_code == 403
    assert refusal(response) == (
        "Test Identity could not confirm who you are: try again, and if it happens again tell "
        "the service's administrator."
    )
    assert get_user_model().objects.count() == 0
    # For the administrator: why, in the log (no personal data).
    assert "Audience doesn't match" in caplog.text


def test_a_provider_that_does_not_answer_gets_a_page_not_a_server_error(client, settings):
    settings.PLANWATCH_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens on port 9
    settings.PLANWATCH_OIDC_CLIENT_ID = "planwatch"
    settings.PLANWATCH_OIDC_PROVIDER_NAME = "Justice Identity"
    response = client.get("/sign-in/sso/")
    assert response.status_code == 502
    assert refusal(response) == "Justice Identity is not answering: try again later."


def test_without_single_sign_on_its_pages_say_so(client):
    for path in ("/sign-in/sso/", "/sign-in/sso/callback/?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 404
        assert '<h1 class="govuk-heading-l">Single sign-on is not set up</h1>' in (
            response.content.decode()
        )


def test_an_error_from_the_provider_is_a_page_not_a_server_error(client, single_sign_on):
    start(client)
    state = next(iter(client.session["oidc_states"]))
    response = client.get(f"/sign-in/sso/callback/?error=server_error&state={state}")
    assert response.status_code == 403
    assert refusal(response) == "Test Identity could not sign you in just now: try again later."
    # The state is spent: it cannot be used again.
    assert state not in client.session["oidc_states"]
    assert client.get("/sign-in/sso/callback/").status_code == 400


def test_the_provider_may_be_named_by_its_endpoints_rather_than_discovery(
    client, single_sign_on, settings
):
    issuer = single_sign_on.issuer
    settings.PLANWATCH_OIDC_ISSUER = ""
    settings.PLANWATCH_OIDC_ENDPOINTS = {
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": "",
    }
    come_back(client, "pat@example.org")
    assert signed_in_as(client).username == "pat@example.org"
    # With no end-session endpoint, signing out ends the session here only.
    response = client.post("/sign-out/")
    assert response["Location"] == "/"
    assert signed_in_as(client) is None


def test_signing_out_ends_the_session_and_signs_out_at_the_provider(client, single_sign_on):
    come_back(client, "pat@example.org")
    person = signed_in_as(client)
    response = client.post("/sign-out/")
    assert response.status_code == 302
    address = urlsplit(response["Location"])
    assert f"{address.scheme}://{address.netloc}{address.path}" == (
        single_sign_on.issuer + "/logout"
    )
    asked = parse_qs(address.query)
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["post_logout_redirect_uri"] == ["http://testserver/"]
    # The session is over here before the provider is asked.
    assert signed_in_as(client) is None
    assert client.get("/my-actions/")["Location"] == "/sign-in/?next=/my-actions/"
    assert AccessLog.objects.get(username=person.username).logout_time is not None
    # The provider ends its own session, and sends the browser back.
    answer = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "http://testserver/"
    assert single_sign_on.ended_sessions == [
        {"sub": "person-pat@example.org", "client_id": CLIENT_ID, "back": "http://testserver/"}
    ]


def test_someone_who_signed_in_with_a_password_signs_out_here_only(client, single_sign_on):
    builders.user("pat")
    assert client.post("/sign-in/", {"username": "pat", "password": builders.PASSWORD})[
        "Location"
    ] == ("/")
    response = client.post("/sign-out/")
    assert response["Location"] == "/"
    assert single_sign_on.ended_sessions == []
    assert client.get("/sign-out/").status_code == 405


def test_single_sign_on_is_not_stopped_by_a_password_lock_out(client, single_sign_on):
    """django-axes counts wrong passwords; the provider's word is not a password."""
    pat = builders.user("pat")
    pat.email = "pat@example.org"
    pat.save()
    for attempt in range(5):
        client.post("/sign-in/", {"username": "pat", "password": f"wrong{attempt}"})
    assert (
        client.post("/sign-in/", {"username": "pat", "password": builders.PASSWORD}).status_code
        == 429
    )
    come_back(client, "pat@example.org")
    assert signed_in_as(client) == pat


# --- local passwords switched off ------------------------------------------------------------


@pytest.fixture
def no_passwords(single_sign_on, settings):
    settings.PLANWATCH_LOCAL_SIGN_IN = False
    return single_sign_on


OFF = (
    "Signing in with a username and password is switched off on this service: use “Sign in "
    "with Test Identity”"
)


def test_with_local_sign_in_off_the_password_form_is_gone_and_refused(client, no_passwords):
    builders.user("pat")
    page = client.get("/sign-in/").content.decode()
    assert 'name="password"' not in page
    assert "Sign in with Test Identity" in page
    response = client.post("/sign-in/", {"username": "pat", "password": builders.PASSWORD})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<title>Error: Sign in" in page
    assert OFF in page
    assert signed_in_as(client) is None
    # The password was not even tried: django-axes counted no attempt.
    assert not AccessAttempt.objects.exists()
    assert 'value="pat"' not in page


def test_with_local_sign_in_off_the_admin_refuses_passwords_too(no_passwords):
    from django.test import Client

    client = Client()  # the admin's own pages are not the service's GOV.UK pages
    admin = get_user_model().objects.create_superuser("root", "root@example.org", builders.PASSWORD)
    # A visitor to the admin is sent to sign in with the provider, and comes back.
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == "/sign-in/?next=/admin/"
    refused = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": builders.PASSWORD}
    )
    assert refused.status_code == 200
    assert OFF in refused.content.decode()
    assert signed_in_as(client) is None
    back = sign_in_at(start(client, "/admin/"), "root@example.org")
    response = client.get(local_path(back))
    assert response["Location"] == "/admin/"
    assert signed_in_as(client) == admin
    assert client.get("/admin/").status_code == 200


def test_settings_come_from_the_environment():
    code = (
        "import json\n"
        "from planwatch.web import settings as s\n"
        "print(json.dumps([s.PLANWATCH_LOCAL_SIGN_IN, s.PLANWATCH_OIDC_ISSUER, "
        "s.PLANWATCH_OIDC_ENDPOINTS['end_session_endpoint'], s.PLANWATCH_OIDC_SCOPES, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'], s.AUTHENTICATION_BACKENDS]))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PLANWATCH_") or key == "PLANWATCH_DATA_DIR"
    }
    env.update(
        PLANWATCH_SECRET_KEY="x",
        PYTHONPATH=str(REPOSITORY / "src"),
        PLANWATCH_LOCAL_SIGN_IN="off",
        PLANWATCH_OIDC_ISSUER="https://login.example.org/realms/justice/",
        PLANWATCH_OIDC_END_SESSION_ENDPOINT="https://logout.example.org/end",
        PLANWATCH_OIDC_CLIENT_ID="planwatch",
    )
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(output) == [
        False,
        "https://login.example.org/realms/justice",
        "https://logout.example.org/end",
        "openid email profile",
        ["'self'", "https://login.example.org", "https://logout.example.org"],
        [
            "axes.backends.AxesStandaloneBackend",
            "django.contrib.auth.backends.ModelBackend",
            "planwatch.web.access.oidc.SingleSignOnBackend",
        ],
    ]


def test_a_warning_when_nobody_could_sign_in(settings):
    from planwatch.web.access.apps import someone_can_sign_in

    assert someone_can_sign_in() == []
    settings.PLANWATCH_LOCAL_SIGN_IN = False
    (warning,) = someone_can_sign_in()
    assert warning.id == "planwatch.W001"
    assert warning.msg == (
        "PLANWATCH_LOCAL_SIGN_IN is off and single sign-on is not set up: nobody can sign in"
    )
    settings.PLANWATCH_OIDC_ISSUER = "https://login.example.org"
    settings.PLANWATCH_OIDC_CLIENT_ID = "planwatch"
    assert someone_can_sign_in() == []
