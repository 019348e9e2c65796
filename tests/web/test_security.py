"""Hardening (issue 13.6): headers, sign-in lock-out, request size, settings for HTTPS."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

from planwatch.web.plans.models import ProgressUpdate
from tests import builders

pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).parents[2]


def test_every_page_carries_the_security_headers(client):
    response = client.get("/sign-in/")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    nonce = re.search(r"<script nonce=\"([^\"]+)\">", response.content.decode())
    assert nonce, "GOV.UK's inline script carries the nonce"
    assert policy == {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce.group(1)}'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    # Served over plain HTTP (the default for a local install): no HSTS.
    assert "Strict-Transport-Security" not in response


def test_each_page_gets_its_own_nonce(client):
    first = client.get("/sign-in/")["Content-Security-Policy"]
    second = client.get("/sign-in/")["Content-Security-Policy"]
    assert first != second


def _settings_with(**environment: str) -> dict:
    """The settings module as a deployment with this environment would load it."""
    code = (
        "import json\n"
        "from planwatch.web import settings as s\n"
        "print(json.dumps({name: getattr(s, name, None) for name in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'AXES_FAILURE_LIMIT')}))"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PLANWATCH_") or key in ("PLANWATCH_DATA_DIR",)
    }
    env.update(environment, PLANWATCH_SECRET_KEY="x", PYTHONPATH=str(REPOSITORY / "src"))
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output)


def test_https_behind_a_proxy_turns_on_hsts_secure_cookies_and_the_forwarded_header():
    assert _settings_with() == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,
        "AXES_FAILURE_LIMIT": 5,
    }
    assert _settings_with(
        PLANWATCH_HTTPS="1", PLANWATCH_BEHIND_PROXY="1", PLANWATCH_SIGN_IN_ATTEMPTS="3"
    ) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "AXES_FAILURE_LIMIT": 3,
    }
    # The older name for the same switch still works.
    assert _settings_with(PLANWATCH_SECURE_COOKIES="1")["SECURE_HSTS_SECONDS"] == 31_536_000


@override_settings(
    SECURE_HSTS_SECONDS=31_536_000,
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)
def test_behind_a_proxy_https_requests_get_hsts_and_plain_ones_are_redirected(client):
    secure = client.get("/sign-in/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/sign-in/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/sign-in/"


def _sign_in(client, username: str, password: str, path: str = "/sign-in/"):
    return client.post(path, {"username": username, "password": password})


def test_an_account_is_locked_after_five_wrong_passwords_even_for_the_right_one(client):
    person = builders.user("pat")
    for attempt in range(4):
        response = _sign_in(client, "pat", f"wrong{attempt}")
        assert response.status_code == 200, attempt
        assert "<title>Error: Sign in" in response.content.decode()
    # The fifth wrong password locks the account: the page says so at once.
    assert _sign_in(client, "pat", "wrong4").status_code == 429
    locked = _sign_in(client, "pat", builders.PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert '<h1 class="govuk-heading-l">You cannot sign in for 15 minutes</h1>' in page
    assert "There were 5 attempts to sign in to this account with the wrong password." in page
    assert "_auth_user_id" not in client.session
    # Attempts while locked count too, the right password among them.
    assert AccessAttempt.objects.get(username="pat").failures_since_start == 6
    # The admin's sign-in is the same account, and refuses it too.
    assert (
        _sign_in(client, "pat", builders.PASSWORD, "/admin/login/?next=/admin/").status_code == 429
    )
    # After the cool-off the right password works, and the count starts again.
    with builders.on(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=16)):
        response = _sign_in(client, "pat", builders.PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    assert not AccessAttempt.objects.filter(username="pat").exists()


def test_failed_sign_ins_of_one_account_do_not_lock_another(client):
    builders.user("pat")
    builders.user("sam")
    for attempt in range(5):
        _sign_in(client, "pat", f"wrong{attempt}")
    assert _sign_in(client, "sam", builders.PASSWORD).status_code == 302


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(client):
    plan = builders.plan()
    action = builders.action(plan, "1", 1)
    contributor = builders.user(role="lead", establishment=plan.establishment)
    client.force_login(contributor)
    response = client.post(
        f"/actions/{action.pk}/update/",
        {"status": "in_progress", "note": "Started"},
        CONTENT_LENGTH=str(200_000_000),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">The files you sent are too large</h1>' in page
    assert "You sent 200 MB at once. The limit for one form, with all its files, is 26 MB." in page
    assert not ProgressUpdate.objects.exists()


def test_too_many_files_in_one_request_get_the_form_error_page(client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    plan = builders.plan()
    action = builders.action(plan, "1", 1)
    client.force_login(builders.user(role="lead", establishment=plan.establishment))
    files = [SimpleUploadedFile(f"note{index}.txt", b"evidence") for index in range(4)]
    response = client.post(
        f"/actions/{action.pk}/update/",
        {"status": "in_progress", "note": "Started", "evidence_files": files},
    )
    assert response.status_code == 400
    assert (
        '<h1 class="govuk-heading-l">Your form could not be read</h1>' in response.content.decode()
    )
    assert not ProgressUpdate.objects.exists()
