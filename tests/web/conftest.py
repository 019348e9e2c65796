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
