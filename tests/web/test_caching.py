"""What several web servers share through Django's cache (issue 13.3): the cache's table, and
the estate's mark under which each server keeps the plans in force and the themes, so that
a change written by any server is seen by every other at its next request.
tests/web/test_several_servers.py checks the same with two real servers."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from planwatch.web import caching
from planwatch.web.access.models import Role
from planwatch.web.plans import learning, lessons, querysets, themes
from planwatch.web.plans.models import Inspection
from tests import builders

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2025, 1, 31)


def test_sessions_and_the_cache_are_in_the_database_every_server_shares():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.CACHES["default"]["BACKEND"] == ("django.core.cache.backends.db.DatabaseCache")
    assert "planwatch_cache" in connection.introspection.table_names()
    cache.set("shared", {"answer": 42})
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM planwatch_cache WHERE cache_key LIKE '%shared'")
        assert cursor.fetchone() == (1,)
    assert cache.get("shared") == {"answer": 42}


def test_migrate_makes_the_cache_table_leaves_it_when_it_exists_and_sets_a_new_mark():
    cache.set("kept", "still here")
    before = caching.estate_mark()
    call_command("migrate", verbosity=0, interactive=False)
    after = caching.estate_mark()
    call_command("migrate", verbosity=0, interactive=False)
    assert cache.get("kept") == "still here"
    assert len({before, after, caching.estate_mark()}) == 3


def test_the_mark_is_new_after_every_change_and_starts_again_when_the_cache_is_emptied():
    first = caching.estate_mark()
    assert caching.estate_mark() == first
    caching.estate_changed()
    second = caching.estate_mark()
    assert second != first
    cache.clear()
    third = caching.estate_mark()
    assert third not in (first, second)
    assert caching.estate_mark() == third


def _two_inspections():
    older = builders.plan(
        "HMP Kestrel",
        inspection_start=datetime.date(2023, 1, 9),
        submitted=datetime.date(2023, 5, 22),
        stored_on=datetime.date(2023, 6, 1),
    )
    newer = builders.plan(
        "HMP Kestrel",
        inspection_start=datetime.date(2024, 1, 8),
        submitted=datetime.date(2024, 5, 22),
        stored_on=datetime.date(2024, 6, 1),
    )
    return older, newer


def test_another_servers_change_to_an_inspection_is_seen_through_the_mark():
    older, newer = _two_inspections()
    establishment = newer.inspection.establishment_id
    assert querysets._in_force_everywhere(AS_OF)[establishment] == newer.pk
    # Another server moves the older inspection after the newer one: its write reaches this
    # process only through the database (no signal here): the mark in the shared cache, and
    # the data's token once the write commits (tests/web/test_public_pages.py, which commits).
    Inspection.objects.filter(pk=older.inspection_id).update(start=datetime.date(2024, 3, 4))
    caching.estate_changed()  # what the other server's save did to the shared cache
    assert querysets._in_force_everywhere(AS_OF)[establishment] == older.pk


def test_saving_or_deleting_an_inspection_or_plan_sets_a_new_mark():
    older, _ = _two_inspections()
    before = caching.estate_mark()
    inspection = Inspection.objects.get(pk=older.inspection_id)
    inspection.start = datetime.date(2023, 1, 10)
    inspection.save()
    after_save = caching.estate_mark()
    assert after_save != before
    older.delete()
    assert caching.estate_mark() != after_save


def test_a_corrected_area_changes_the_themes_at_once():
    plan = builders.plan("HMP Kestrel", inspection_start=datetime.date(2024, 1, 8))
    admin = builders.user("caching-admin", Role.ADMINISTRATOR)
    concern = builders.concern(plan, "1")
    area = "safety" if concern.area != "safety" else "respect"
    before = lessons.themes(admin).counts.get((2024, area), 0)
    # No plan is written: only the concern's area and topics, by a person.
    themes.correct(concern, admin, area, ["security"])
    assert lessons.themes(admin).counts.get((2024, area), 0) == before + 1


def test_linking_concerns_sets_a_new_mark():
    plan = builders.plan("HMP Kestrel", inspection_start=datetime.date(2024, 1, 8))
    before = caching.estate_mark()
    learning.refresh_links(plan)
    assert caching.estate_mark() != before
    again = caching.estate_mark()
    learning.recompute_links()
    assert caching.estate_mark() != again


def test_a_database_without_the_cache_table_gets_it_back_after_a_restore_or_migrate():
    # As a restored backup made before the table existed: backups.restore calls this too.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE planwatch_cache")
    assert "planwatch_cache" not in connection.introspection.table_names()
    caching.after_migrate()
    assert "planwatch_cache" in connection.introspection.table_names()
    assert caching.estate_mark() == caching.estate_mark()
