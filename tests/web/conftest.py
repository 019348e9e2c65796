"""Web fixtures: users in every role, and real plans imported through the real importer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.access.models import Membership, OwnerMapping, Role
from planwatch.web.plans.models import Establishment, Plan
from planwatch.web.plans.services import import_plan_bytes
from tests.conftest import FIXTURES
from tests.web.pagerules import PageRulesClient

PASSWORD = "correct horse battery staple"


@pytest.fixture
def seed_plan(db) -> Plan:
    """The real Peterborough plan, imported as a user would."""
    result = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
    assert result.outcome == "imported", result.message
    return result.plan


@pytest.fixture
def other_plan(db) -> Plan:
    """A second establishment's plan (HMP Oldbury, the older recommendations layout)."""
    path = FIXTURES / "documents" / "hmp-oldbury-2019.docx"
    result = import_plan_bytes(path.read_bytes(), path.name)
    assert result.outcome == "imported", result.message
    return result.plan


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None = None, establishment=None, acts_for=()):
        user = get_user_model().objects.create_user(
            username, f"{username}@example.invalid", PASSWORD
        )
        if role:
            Membership.objects.create(user=user, role=role, establishment=establishment)
        for owner in acts_for:
            OwnerMapping.objects.create(establishment=establishment, owner=owner, user=user)
        return user

    return make


@pytest.fixture
def users(seed_plan, other_plan, make_user) -> dict:
    """One user per role, each for Peterborough ("own") where the role is per establishment."""
    own = Establishment.objects.get(name="HMP Peterborough (Men)")
    return {
        "anonymous": None,
        "viewer": make_user("viewer", Role.VIEWER, own),
        "contributor": make_user("contributor", Role.CONTRIBUTOR, own, acts_for=["NHFT"]),
        "lead": make_user("lead", Role.LEAD, own),
        "inspector": make_user("inspector", Role.INSPECTOR, None),
        "administrator": make_user("administrator", Role.ADMINISTRATOR, None),
    }


@pytest.fixture
def client() -> PageRulesClient:
    """Replaces pytest-django's client: every page a web test fetches keeps the page rules."""
    return PageRulesClient()


@pytest.fixture
def client_for(client):
    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider on loopback (tests/web/oidc_provider.py), for the session."""
    from tests.web.oidc_provider import Provider

    provider = Provider().start()
    yield provider
    provider.stop()


@pytest.fixture
def single_sign_on(oidc_provider, settings):
    """Single sign-on set up against the test provider by its issuer (so by discovery), with
    this service registered there as Django's test client sees it (http://testserver)."""
    import copy

    from planwatch.web.access import oidc
    from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, NAME

    oidc_provider.reset()
    oidc._discovered.clear()
    settings.PLANWATCH_OIDC_ISSUER = oidc_provider.issuer
    settings.PLANWATCH_OIDC_CLIENT_ID = CLIENT_ID
    settings.PLANWATCH_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.PLANWATCH_OIDC_PROVIDER_NAME = NAME
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(oidc_provider.issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    oidc_provider.redirect_uris.add("http://testserver/sign-in/sso/callback/")
    oidc_provider.post_logout_redirect_uris.add("http://testserver/")
    yield oidc_provider
    oidc._discovered.clear()
