"""Who may do what, as a matrix: role x page x own or other establishment."""

from __future__ import annotations

import pytest
from django.test import override_settings

from planwatch.web.plans.models import Action, Concern, Plan, ProgressUpdate

ROLES = ["anonymous", "viewer", "contributor", "lead", "inspector", "administrator"]


def targets(seed_plan: Plan, other_plan: Plan) -> dict:
    own_nhft = Action.objects.get(concern__plan=seed_plan, concern__ref="3", position=1)
    own_director = Action.objects.get(concern__plan=seed_plan, concern__ref="2", position=0)
    other = Action.objects.filter(concern__plan=other_plan).first()
    return {
        "own": {"plan": seed_plan, "action": own_nhft, "director_action": own_director},
        "other": {"plan": other_plan, "action": other, "director_action": other},
    }


# Expected status of a GET, by page, then role, for own and other establishment.
READ = {
    # role:          own  other
    "anonymous": (302, 302),
    "viewer": (200, 403),
    "contributor": (200, 403),
    "lead": (200, 403),
    "inspector": (200, 200),
    "administrator": (200, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("page", ["establishment", "plan", "action", "source"])
def test_reading(users, client_for, seed_plan, other_plan, role, whose, page):
    target = targets(seed_plan, other_plan)[whose]
    url = {
        "establishment": target["plan"].establishment.get_absolute_url(),
        "plan": target["plan"].get_absolute_url(),
        "action": target["action"].get_absolute_url(),
        "source": f"/plans/{target['plan'].pk}/source/",
    }[page]
    response = client_for(users[role]).get(url)
    expected = READ[role][0 if whose == "own" else 1]
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/sign-in/?next=")


# Posting progress: contributors only on the actions of owners they act for (NHFT here).
UPDATE = {
    # role:          own NHFT action, own Director action, other establishment
    "anonymous": (302, 302, 302),
    "viewer": (403, 403, 403),
    "contributor": (302, 403, 403),
    "lead": (302, 302, 403),
    "inspector": (403, 403, 403),
    "administrator": (302, 302, 302),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", [0, 1, 2])
def test_posting_progress(users, client_for, seed_plan, other_plan, role, which):
    found = targets(seed_plan, other_plan)
    action = [found["own"]["action"], found["own"]["director_action"], found["other"]["action"]][
        which
    ]
    before = ProgressUpdate.objects.count()
    response = client_for(users[role]).post(
        action.get_absolute_url(), {"status": "in_progress", "note": "Under way"}
    )
    expected = UPDATE[role][which]
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/sign-in/")
    created = ProgressUpdate.objects.count() - before
    assert created == (1 if expected == 302 and role != "anonymous" else 0)


# Pages for particular roles: (own establishment, other) where it applies.
ROLE_PAGES = {
    "import": {
        "anonymous": 302,
        "viewer": 403,
        "contributor": 403,
        "lead": 200,
        "inspector": 403,
        "administrator": 200,
    },
    "new-plan": {
        "anonymous": 302,
        "viewer": 403,
        "contributor": 403,
        "lead": 200,
        "inspector": 403,
        "administrator": 200,
    },
    "judge": {
        "anonymous": 302,
        "viewer": 403,
        "contributor": 403,
        "lead": 403,
        "inspector": 200,
        "administrator": 200,
    },
    "my-actions": {
        "anonymous": 302,
        "viewer": 200,
        "contributor": 200,
        "lead": 200,
        "inspector": 200,
        "administrator": 200,
    },
    "overdue": {
        "anonymous": 302,
        "viewer": 200,
        "contributor": 200,
        "lead": 200,
        "inspector": 200,
        "administrator": 200,
    },
    "due": {
        "anonymous": 302,
        "viewer": 200,
        "contributor": 200,
        "lead": 200,
        "inspector": 200,
        "administrator": 200,
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(ROLE_PAGES))
def test_role_pages(users, client_for, seed_plan, role, page):
    concern = Concern.objects.filter(plan=seed_plan).first()
    url = {
        "import": "/import/",
        "new-plan": "/plans/new/",
        "judge": f"/concerns/{concern.pk}/judgement/",
        "my-actions": "/my-actions/",
        "overdue": "/overdue/",
        "due": "/due/",
    }[page]
    assert client_for(users[role]).get(url).status_code == ROLE_PAGES[page][role]


@pytest.mark.parametrize(
    ("role", "whose", "expected"),
    [
        ("lead", "own", 200),
        ("lead", "other", 403),
        ("administrator", "other", 200),
        ("viewer", "own", 403),
        ("contributor", "own", 403),
        ("inspector", "own", 403),
        ("anonymous", "own", 302),
    ],
)
def test_editing_a_draft(users, client_for, seed_plan, other_plan, role, whose, expected):
    plan = seed_plan if whose == "own" else other_plan
    lead_client = client_for(users["administrator"])
    response = lead_client.post(f"/plans/{plan.pk}/amend/")
    draft = Plan.objects.get(inspection=plan.inspection, state=Plan.State.DRAFT)
    assert response["Location"] == f"/plans/{draft.pk}/edit/"
    assert client_for(users[role]).get(f"/plans/{draft.pk}/edit/").status_code == expected
    # Drafts are not shown to readers who cannot edit them.
    read = client_for(users[role]).get(f"/plans/{draft.pk}/").status_code
    assert read == (200 if expected == 200 else (302 if role == "anonymous" else 403))


def test_visitors_read_submitted_plans_when_the_deployment_allows(users, client, seed_plan):
    with override_settings(PLANWATCH_PUBLIC_READ=True):
        assert client.get(seed_plan.get_absolute_url()).status_code == 200
        assert client.get("/overdue/").status_code == 200
        action = Action.objects.filter(concern__plan=seed_plan).first()
        response = client.post(action.get_absolute_url(), {"status": "completed", "note": "x"})
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert client.get(seed_plan.get_absolute_url()).status_code == 302


def test_lists_show_only_what_the_user_may_read(users, client_for, seed_plan, other_plan):
    page = client_for(users["viewer"]).get("/overdue/?as_of=2030-01-01").content.decode()
    assert "HMP Peterborough (Men)" in page
    assert "HMP Oldbury" not in page
    page = client_for(users["inspector"]).get("/overdue/?as_of=2030-01-01").content.decode()
    assert "HMP Oldbury" in page
