"""The open API (issue 13.1): what it answers, to whom, and personal API tokens."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.test import Client

from planwatch.web.access import services as access_services
from planwatch.web.access.models import ApiToken, Role
from planwatch.web.plans.models import Judgement, Plan, ProgressUpdate
from tests import builders
from tests.conftest import plan_text

pytestmark = pytest.mark.django_db

OWN = "HMP Northmoor"
OTHER = "HMP Southmoor"


def _client(person=None) -> Client:
    if person is None:
        return Client()
    _, secret = access_services.create_token(person, f"token of {person.get_username()}")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def estate():
    own = builders.plan(OWN)
    other = builders.plan(OTHER, inspection_start=datetime.date(2024, 2, 5))
    where = own.establishment
    people = {
        "viewer": builders.user("viewer", Role.VIEWER, where),
        "contributor": builders.user(
            "contributor", Role.CONTRIBUTOR, where, acts_for=["Head of Healthcare"]
        ),
        "lead": builders.user("lead", Role.LEAD, where),
        "other lead": builders.user("otherlead", Role.LEAD, other.establishment),
        "inspector": builders.user("inspector", Role.INSPECTOR, where),
        "administrator": builders.user("administrator", Role.ADMINISTRATOR),
    }
    return {"own": own, "other": other, "people": people}


def _new_version_text() -> bytes:
    """The own plan again, revised: imported, it is version 2."""
    return (
        plan_text(
            "\tKey concerns\t\t\t",
            "1\tStaff morale was low.\tHold a staff survey every year.\tGovernor\tJuly 2024",
        )
        .replace("HMP Testshire (Men)", OWN)
        .encode()
    )


def _answers(client: Client, estate: dict) -> tuple:
    own = estate["own"]
    action = builders.action(own, "1", 1)  # owner: Head of Healthcare
    concern = builders.concern(own, "1")
    asks = (
        lambda: client.get("/api/v1/establishments"),
        lambda: client.get(f"/api/v1/plans/{own.pk}"),
        lambda: client.post(
            f"/api/v1/actions/{action.pk}/updates", {"status": "in_progress", "note": "Begun"}
        ),
        lambda: client.post(
            f"/api/v1/concerns/{concern.pk}/judgements",
            {"rating": "good", "reason": "Seen at the review", "judged_on": "2024-08-01"},
            content_type="application/json",
        ),
        lambda: client.post(
            "/api/v1/imports",
            {"file": builders.upload("northmoor.txt", _new_version_text())},
        ),
    )
    found = []
    for ask in asks:
        with transaction.atomic():
            response = ask()
            transaction.set_rollback(True)
        found.append(response.status_code)
    return tuple(found)


# Each person's answers: list establishments, read the own plan, post progress on action 1.1
# (owner: Head of Healthcare), judge concern 1, import a new version of the own plan.
EXPECTED = {
    None: (401, 401, 401, 401, 401),
    "viewer": (200, 200, 403, 403, 403),
    "contributor": (200, 200, 201, 403, 403),
    "lead": (200, 200, 201, 403, 201),
    # Another establishment's lead learns nothing of this one, and may not import for it.
    "other lead": (200, 404, 404, 404, 400),
    "inspector": (200, 200, 403, 201, 403),
    "administrator": (200, 200, 201, 201, 201),
}


@pytest.mark.parametrize("who", list(EXPECTED), ids=lambda who: who or "no token")
def test_each_person_gets_the_answers_their_role_allows(estate, who):
    person = estate["people"][who] if who else None
    assert _answers(_client(person), estate) == EXPECTED[who]


def test_with_public_read_anybody_reads_without_a_token_but_writes_need_one(estate, settings):
    settings.PLANWATCH_PUBLIC_READ = True
    assert _answers(Client(), estate) == (200, 200, 401, 401, 401)
    listed = Client().get("/api/v1/establishments").json()
    assert [item["name"] for item in listed["items"]] == [OWN, OTHER]


def test_an_unknown_or_revoked_token_is_refused_with_what_to_do(estate, settings):
    settings.PLANWATCH_PUBLIC_READ = True  # a bad token is refused even where reading is open
    person = estate["people"]["viewer"]
    token, secret = access_services.create_token(person, "dashboard")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/establishments").status_code == 200
    assert access_services.revoke_token(person, str(token.pk)) == token
    refused = client.get("/api/v1/establishments")
    assert refused.status_code == 401
    assert refused.json() == {
        "detail": "Send a personal API token as 'Authorization: Bearer <token>': make one on "
        "the Account > API tokens page (a revoked or unknown token is refused)"
    }
    wrong = Client(headers={"Authorization": "Bearer pw_not-a-token"})
    assert wrong.get("/api/v1/establishments").status_code == 401


def test_a_plan_reads_as_the_plan_page_counts_it(estate):
    own = estate["own"]
    lead = estate["people"]["lead"]
    builders.update(builders.action(own, "1", 2), lead, "completed", "2024-07-10")
    client = _client(estate["people"]["viewer"])
    with builders.on("2024-08-15"):
        body = client.get(f"/api/v1/plans/{own.pk}").json()
    assert {key: body[key] for key in ("establishment", "version", "submitted_on", "as_of")} == {
        "establishment": OWN,
        "version": 1,
        "submitted_on": "2024-05-22",
        "as_of": "2024-08-15",
    }
    actions = [
        (
            concern["ref"],
            action["number"],
            action["status"],
            action["due_date"],
            action["last_update"],
        )
        for concern in body["concerns"]
        for action in concern["actions"]
    ]
    assert actions == [
        ("1", 1, "overdue", "2024-07-31", None),
        ("1", 2, "completed", "2024-09-30", "2024-07-10"),
        ("2", 1, "not_started", "2024-12-31", None),
    ]
    overdue = client.get("/api/v1/actions?status=overdue&as_of=2024-08-15").json()
    assert [(item["concern_ref"], item["number"]) for item in overdue["items"]] == [("1", 1)]
    assert overdue["count"] == 1


def test_lists_are_paged_and_filtered(estate):
    client = _client(estate["people"]["administrator"])
    page = client.get("/api/v1/establishments?limit=1&offset=1").json()
    assert page == {
        "count": 2,
        "limit": 1,
        "offset": 1,
        "items": [
            {
                "id": estate["other"].establishment.pk,
                "name": OTHER,
                "slug": estate["other"].establishment.slug,
            }
        ],
    }
    plans = client.get(f"/api/v1/plans?establishment={estate['own'].establishment.slug}").json()
    assert [
        (item["establishment"], item["version"], item["in_force"]) for item in plans["items"]
    ] == [(OWN, 1, True)]
    too_many = client.get("/api/v1/establishments?limit=1000")
    assert too_many.status_code == 422
    assert too_many.json() == {
        "detail": "limit: Input should be less than or equal to 100",
        "field": "limit",
        "errors": [
            {
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 100",
                "type": "less_than_equal",
            }
        ],
    }


def test_reads_carry_an_etag_and_an_unchanged_resource_is_not_sent_again(estate):
    client = _client(estate["people"]["viewer"])
    first = client.get(f"/api/v1/plans/{estate['own'].pk}")
    assert first["ETag"]
    again = client.get(
        f"/api/v1/plans/{estate['own'].pk}", headers={"If-None-Match": first["ETag"]}
    )
    assert again.status_code == 304 and again.content == b""


def test_an_action_is_deferred_through_the_api_with_its_reason(estate):
    client = _client(estate["people"]["lead"])
    action = builders.action(estate["own"], "1", 2)
    url = f"/api/v1/actions/{action.pk}/updates"
    deferral = {"status": "deferred", "note": "Waiting", "new_target_date": "2027-02-28"}
    missing = client.post(url, deferral)
    assert missing.status_code == 400
    assert missing.json() == {
        "detail": "Give the reason for deferring the action",
        "field": "deferral_reason",
    }
    reason = "The contractor's start moved to January"
    done = client.post(url, {**deferral, "deferral_reason": reason})
    assert done.status_code == 201, done.content
    assert (done.json()["status"], done.json()["deferral_reason"]) == ("deferred", reason)
    update = ProgressUpdate.objects.get()
    assert (update.status, update.deferral_reason, str(update.new_target_date)) == (
        "deferred",
        reason,
        "2027-02-28",
    )
    shown = client.get(f"/api/v1/actions/{action.pk}").json()
    assert [item["deferral_reason"] for item in shown["updates"]] == [reason]


def test_an_update_through_the_api_is_the_same_record_and_refused_for_the_same_reasons(estate):
    own = estate["own"]
    client = _client(estate["people"]["lead"])
    action = builders.action(own, "1", 1)
    missing = client.post(f"/api/v1/actions/{action.pk}/updates", {"status": "completed"})
    assert missing.status_code == 400
    assert missing.json() == {"detail": "Say what was done to complete the action", "field": "note"}
    evidence = client.post(
        f"/api/v1/actions/{action.pk}/updates",
        {"status": "completed", "note": "All arrivals now seen"},
    )
    assert evidence.json() == {
        "detail": "Attach evidence: actions under a priority concern need evidence to be completed",
        "field": "files",
    }
    assert not ProgressUpdate.objects.exists()
    done = client.post(
        f"/api/v1/actions/{action.pk}/updates",
        {
            "status": "completed",
            "note": "All arrivals now seen",
            "evidence_date": "2024-07-01",
            "files": [builders.upload("audit.txt", b"Arrivals audit: 40 of 40 seen")],
        },
    )
    assert done.status_code == 201, done.content
    body = done.json()
    assert (body["status"], body["note"], body["evidence_date"]) == (
        "completed",
        "All arrivals now seen",
        "2024-07-01",
    )
    assert [item["name"] for item in body["evidence"]] == ["audit.txt"]
    update = ProgressUpdate.objects.get()
    assert (update.author, update.action, update.evidence.get().name) == (
        estate["people"]["lead"],
        action,
        "audit.txt",
    )
    action.refresh_from_db()
    assert action.status == "completed"


def test_a_judgement_through_the_api_is_recorded_as_the_inspector(estate):
    concern = builders.concern(estate["own"], "1")
    client = _client(estate["people"]["inspector"])
    response = client.post(
        f"/api/v1/concerns/{concern.pk}/judgements",
        {"rating": "reasonable", "reason": "Most arrivals seen", "judged_on": "2024-08-01"},
        content_type="application/json",
    )
    assert response.status_code == 201
    judgement = Judgement.objects.get()
    assert (judgement.judged_by, judgement.rating, str(judgement.judged_on)) == (
        estate["people"]["inspector"],
        "reasonable",
        "2024-08-01",
    )
    listed = client.get(f"/api/v1/concerns/{concern.pk}/judgements").json()
    assert [(item["rating"], item["reason"]) for item in listed] == [
        ("reasonable", "Most arrivals seen")
    ]
    bad_day = client.post(
        f"/api/v1/concerns/{concern.pk}/judgements",
        {"rating": "good", "reason": "x", "judged_on": "0001-01-01"},
        content_type="application/json",
    )
    assert bad_day.status_code == 422
    assert bad_day.json()["field"] == "judged_on"
    assert bad_day.json()["detail"].startswith("judged_on: ")
    assert Judgement.objects.count() == 1


def test_an_import_through_the_api_says_what_happened(estate):
    client = _client(estate["people"]["lead"])
    text = _new_version_text()
    first = client.post("/api/v1/imports", {"file": builders.upload("plan.txt", text)})
    assert first.status_code == 201
    assert first.json()["outcome"] == "imported"
    plan = Plan.objects.get(pk=first.json()["plan_id"])
    assert (plan.establishment.name, plan.version) == (OWN, 2)
    again = client.post("/api/v1/imports", {"file": builders.upload("again.txt", text)})
    assert (again.status_code, again.json()["outcome"]) == (200, "skipped")
    bad = client.post("/api/v1/imports", {"file": builders.upload("notes.txt", b"hello")})
    assert bad.status_code == 400
    assert bad.json()["field"] == "file"
    assert Plan.objects.count() == 3


def test_the_schema_and_its_docs_are_published(db):
    client = Client()  # Swagger UI's page is not a GOV.UK page
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "planwatch"
    assert set(schema["paths"]) == {
        "/api/v1/establishments",
        "/api/v1/establishments/{slug}",
        "/api/v1/plans",
        "/api/v1/plans/{plan_id}",
        "/api/v1/actions",
        "/api/v1/actions/{action_id}",
        "/api/v1/concerns/{concern_id}/judgements",
        "/api/v1/actions/{action_id}/updates",
        "/api/v1/imports",
    }
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def test_the_tokens_page_makes_shows_once_and_revokes_a_token(client):
    person = builders.user("casey")
    client.force_login(person)
    made = client.post("/account/tokens/", {"name": "Performance dashboard"})
    assert made.status_code == 200
    page = made.content.decode()
    token = ApiToken.objects.get(user=person)
    secret = page.split('<code class="planwatch-token" id="new-token">')[1].split("</code>")[0]
    assert secret.startswith(token.prefix) and secret.startswith("pw_")
    assert token.digest != secret and secret not in token.digest
    assert access_services.user_for_token(secret) == person
    listed = client.get("/account/tokens/").content.decode()
    assert "Performance dashboard" in listed and secret not in listed
    duplicate = client.post("/account/tokens/", {"name": "Performance dashboard"})
    assert duplicate.status_code == 400
    assert (
        "You already have a token with that name: choose another name" in duplicate.content.decode()
    )
    revoked = client.post("/account/tokens/", {"revoke": str(token.pk)}, follow=True)
    assert "Token “Performance dashboard” revoked: it no longer works" in revoked.content.decode()
    assert access_services.user_for_token(secret) is None
    other = builders.user("sam")
    theirs, _ = access_services.create_token(other, "theirs")
    refused = client.post("/account/tokens/", {"revoke": str(theirs.pk)}, follow=True)
    assert "You hold no such token: nothing was changed" in refused.content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
