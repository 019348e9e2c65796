"""What the public reads, kept by each process under the data's token (planwatch.web.caching
.PublicPages): answered again without the database while nothing changed, worked out afresh
after any write however it is made, and never for someone signed in. Transactional tests: the
pages are kept only outside a transaction, as a server's requests are."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client

from planwatch.web import caching
from planwatch.web.access.models import Role
from planwatch.web.plans.models import Action, ProgressUpdate
from tests import builders

pytestmark = pytest.mark.django_db(transaction=True)
NONCE = re.compile(rb'nonce="([^"]+)"')


@pytest.fixture(autouse=True)
def public(settings):
    settings.PLANWATCH_PUBLIC_READ = True
    settings.PLANWATCH_PUBLIC_PAGE_CACHE = True


@pytest.fixture
def plan():
    return builders.plan("HMP Kestrel")


def _without_nonce(content: bytes) -> bytes:
    return NONCE.sub(b'nonce=""', content)


def test_a_page_asked_for_again_is_answered_from_what_was_kept_with_its_own_nonce(
    plan, django_assert_num_queries
):
    visitor = Client()
    first = visitor.get(f"/plans/{plan.pk}/")
    with django_assert_num_queries(1):  # the data's token, nothing else
        second = visitor.get(f"/plans/{plan.pk}/")
    assert second.status_code == 200
    assert _without_nonce(second.content) == _without_nonce(first.content)
    nonces = {NONCE.search(answer.content).group(1) for answer in (first, second)}
    assert len(nonces) == 2  # each answer's script nonce is its own...
    for answer in (first, second):  # ...and the one its policy names
        nonce = NONCE.search(answer.content).group(1).decode()
        assert f"'nonce-{nonce}'" in answer.headers["Content-Security-Policy"]
    assert second.headers["X-Frame-Options"] == first.headers["X-Frame-Options"] == "DENY"
    assert second.headers["Content-Type"] == "text/html; charset=utf-8"


def test_another_process_answers_from_the_table_every_server_shares(
    plan, django_assert_num_queries
):
    from django.core.cache import caches

    first = Client().get(f"/plans/{plan.pk}/")
    assert first["X-Cache"] == "miss"
    caches["public_pages"].clear()  # as another process finds its own memory
    if connection.vendor != "postgresql":
        # SQLite is one machine's: each process keeps its own, and works the page out again.
        assert Client().get(f"/plans/{plan.pk}/")["X-Cache"] == "miss"
        return
    with django_assert_num_queries(2):  # the token, and the page from the shared table
        second = Client().get(f"/plans/{plan.pk}/")
    assert second["X-Cache"] == "hit"
    assert _without_nonce(second.content) == _without_nonce(first.content)
    with django_assert_num_queries(1):  # now in this process's memory too
        Client().get(f"/plans/{plan.pk}/")


def _completed_on_home(client: Client) -> str:
    """The home page's completed figure for HMP Kestrel."""
    page = client.get("/").content.decode()
    row = page[page.index("HMP Kestrel") :]
    return re.search(r'data-label="Completed">(\d+)<', row).group(1)


@pytest.mark.parametrize("how", ["service", "bulk update", "raw SQL"])
def test_every_kind_of_write_is_seen_at_the_next_request(plan, how):
    visitor = Client()
    before = visitor.get("/").content
    token = caching.data_token()
    action = builders.action(plan, "1", 1)
    if how == "service":
        author = builders.user(role=Role.LEAD, establishment=plan.inspection.establishment)
        builders.update(action, author, "completed", datetime.date(2024, 7, 1))
    elif how == "bulk update":
        Action.objects.filter(pk=action.pk).update(status="completed")
        ProgressUpdate.objects.filter(action=action).update(note="changed")
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Action._meta.db_table} SET status = 'completed' WHERE id = %s",
                [action.pk],
            )
    assert caching.data_token() != token
    after = visitor.get("/")
    assert after["X-Cache"] == "miss"  # worked out again...
    assert _without_nonce(after.content) != _without_nonce(before)  # ...with the change
    assert _completed_on_home(Client()) == _completed_from_database(plan)


def _completed_from_database(plan) -> str:
    from planwatch.web.plans import rules

    counts = Action.objects.filter(plan=plan).counts_by_plan(rules.today())
    return str(counts[plan.pk]["completed"])


def test_a_write_rolled_back_leaves_the_token_and_one_committed_sets_a_new_one(plan):
    token = caching.data_token()
    with pytest.raises(RuntimeError), transaction.atomic():
        Action.objects.filter(plan=plan).update(status="completed")
        raise RuntimeError("changed its mind")
    assert caching.data_token() == token
    Action.objects.filter(plan=plan).update(status="completed")
    assert caching.data_token() != token


def test_people_signed_in_are_answered_afresh(plan):
    assert Client().get(f"/plans/{plan.pk}/")["X-Cache"] == "miss"
    viewer = builders.user("viewer", Role.VIEWER, plan.inspection.establishment)
    client = Client()
    client.force_login(viewer)
    for _ in range(2):
        answer = client.get(f"/plans/{plan.pk}/")
        assert "X-Cache" not in answer
        assert "Signed in as viewer" in answer.content.decode()
    assert "Signed in as" not in Client().get(f"/plans/{plan.pk}/").content.decode()


def _waiting(storage_class, request) -> HttpResponse:
    from django.contrib.messages import constants

    storage = storage_class(request)
    storage.add(constants.SUCCESS, "Your update was saved")
    response = HttpResponse()
    storage.update(response)
    return response


def test_a_visitor_with_a_message_waiting_is_answered_afresh_and_sees_it(plan):
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    assert Client().get("/")["X-Cache"] == "miss"
    assert Client().get("/")["X-Cache"] == "hit"
    visitor = Client()
    waiting = _waiting(CookieStorage, RequestFactory().get("/"))
    visitor.cookies["messages"] = waiting.cookies["messages"].value
    answer = visitor.get("/")
    assert "X-Cache" not in answer
    assert "Your update was saved" in answer.content.decode()
    assert "Your update was saved" not in visitor.get("/").content.decode()  # shown once


def test_a_visitor_with_a_session_is_answered_afresh(plan):
    """A session holds what a visitor is part-way through (signing in with the organisation's
    account, messages too many for the cookie): never shared."""
    from django.contrib.sessions.backends.db import SessionStore

    Client().get("/")
    session = SessionStore()
    session["oidc_states"] = {"state": "part-way through signing in"}
    session.save()
    visitor = Client()
    visitor.cookies["sessionid"] = session.session_key
    assert "X-Cache" not in visitor.get("/")


def test_only_whole_pages_that_answered_200_are_kept(plan):
    visitor = Client()
    for _ in range(2):
        answer = visitor.get("/plans/999999/")
        assert answer.status_code == 404
        assert "X-Cache" not in answer
    for _ in range(2):  # a redirect
        assert "X-Cache" not in visitor.get(f"/actions/{builders.action(plan, '1', 1).pk}/update/")


def test_a_new_day_works_the_page_out_again(plan):
    visitor = Client()
    with builders.on("2026-01-05"):
        assert visitor.get("/overdue/")["X-Cache"] == "miss"
        assert visitor.get("/overdue/")["X-Cache"] == "hit"
    with builders.on("2026-01-06"):
        assert visitor.get("/overdue/")["X-Cache"] == "miss"


def test_the_api_is_kept_for_the_public_but_not_for_a_token(plan, django_assert_num_queries):
    from planwatch.web.access import services as access_services

    visitor = Client()
    first = visitor.get("/api/v1/establishments")
    with django_assert_num_queries(1):
        second = visitor.get("/api/v1/establishments")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.json() == first.json()
    assert second.headers["ETag"] == first.headers["ETag"]
    viewer = builders.user("viewer", Role.VIEWER, plan.inspection.establishment)
    _, secret = access_services.create_token(viewer, "dashboard")
    for _ in range(2):
        answer = visitor.get(
            "/api/v1/establishments", headers={"Authorization": f"Bearer {secret}"}
        )
        assert answer.status_code == 200
        assert "X-Cache" not in answer
    answer = visitor.get("/api/v1/establishments", headers={"Authorization": "Bearer pw_nothing"})
    assert answer.status_code == 401


def test_switched_off_nothing_is_kept(plan, settings):
    settings.PLANWATCH_PUBLIC_PAGE_CACHE = False
    visitor = Client()
    for _ in range(2):
        assert "X-Cache" not in visitor.get(f"/plans/{plan.pk}/")


def test_what_a_transaction_read_is_not_kept_for_after_it_is_rolled_back(plan):
    """The plans in force worked out inside a transaction that is then rolled back are not
    kept in the process: the next request works them out from what was committed."""
    from planwatch.web.plans import querysets, rules

    establishment = plan.inspection.establishment_id
    today = rules.today()
    querysets.forget_plans_in_force()
    with pytest.raises(RuntimeError), transaction.atomic():
        type(plan).objects.filter(pk=plan.pk).update(
            in_force_from=today + datetime.timedelta(days=30)
        )
        assert querysets._in_force_everywhere(today) == {}
        raise RuntimeError("changed its mind")
    assert querysets._in_force_everywhere(today) == {establishment: plan.pk}


def _triggered_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'planwatch_data_changed'"
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'planwatch_changed_%'"
            )
        return {row[0] for row in cursor.fetchall()}


def test_every_table_the_pages_read_is_watched():
    from django.apps import apps

    watched = _triggered_tables()
    for model in apps.get_models():
        table = model._meta.db_table
        if table in caching.UNWATCHED or table.startswith(caching.UNWATCHED_PREFIXES):
            assert table not in watched
        else:
            assert table in watched, f"{table} is not watched"
    for table in ("plans_action", "plans_progressupdate", "plans_judgement", "plans_plan"):
        assert table in watched
    assert "auth_user" not in watched


def test_signing_in_keeps_what_the_public_was_answered(plan):
    viewer = builders.user("viewer", Role.VIEWER, plan.inspection.establishment)
    token = caching.data_token()
    client = Client()
    assert (
        client.post("/sign-in/", {"username": "viewer", "password": builders.PASSWORD}).status_code
        == 302
    )
    viewer.refresh_from_db()
    assert viewer.last_login is not None  # the sign-in was written...
    assert caching.data_token() == token  # ...and changed no page the public reads


def test_a_plan_moved_straight_in_the_database_is_seen_by_every_figure(plan):
    """The plans in force are kept in each process too: under the data's token as well as
    the estate's mark, so a change the models never saw is seen at the next request."""
    from planwatch.web.plans import querysets, rules

    establishment = plan.inspection.establishment_id
    assert querysets._in_force_everywhere(rules.today()) == {establishment: plan.pk}
    home = Client().get("/").content.decode()
    assert f'href="/plans/{plan.pk}/"' in home
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {plan._meta.db_table} SET in_force_from = %s WHERE id = %s",
            [rules.today() + datetime.timedelta(days=30), plan.pk],
        )
    assert querysets._in_force_everywhere(rules.today()) == {}
    home = Client().get("/").content.decode()
    assert f'href="/plans/{plan.pk}/"' not in home
    assert "None yet" in home
