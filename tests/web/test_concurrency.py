"""Real concurrency (issues 10.11 and 10.14): many people writing at the same moment, each
thread on its own database connection, on SQLite and (when DATABASE_URL names it)
PostgreSQL."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from planwatch.web.access.models import Role
from planwatch.web.plans import integrity
from planwatch.web.plans.models import Action, Plan, ProgressUpdate, Status
from planwatch.web.plans.services import import_plan_bytes, record_update
from tests import builders
from tests.conftest import plan_text

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0) ... work(count - 1) in threads released together; each thread closes its
    own connection. Returns the results (or the exceptions raised) in order."""
    gate = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            gate.wait()
            results[index] = work(index)
        except Exception as error:  # reported to the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return results


def test_twenty_updates_at_once_are_all_stored_and_the_status_follows_the_newest():
    plan = builders.plan(submitted=datetime.date(2024, 5, 22))
    lead = builders.user(role=Role.LEAD, establishment=plan.establishment)
    action = builders.action(plan, "1", 1)

    def post(index: int) -> ProgressUpdate:
        if index % 2:
            return record_update(
                Action.objects.get(pk=action.pk),
                lead,
                status=Status.DEFERRED,
                note=f"Deferral {index}",
                new_target_date=datetime.date(2027, 1, 1) + datetime.timedelta(days=index),
            )
        return record_update(
            Action.objects.get(pk=action.pk),
            lead,
            status=Status.IN_PROGRESS,
            note=f"Progress {index}",
        )

    results = at_once(20, post)
    errors = [result for result in results if not isinstance(result, ProgressUpdate)]
    assert errors == []
    updates = list(ProgressUpdate.objects.filter(lineage=action.lineage).newest_first())
    assert sorted(update.note for update in updates) == sorted(
        f"Deferral {i}" if i % 2 else f"Progress {i}" for i in range(20)
    )
    newest = updates[0]
    newest_deferral = next(update for update in updates if update.status == Status.DEFERRED)
    action.refresh_from_db()
    assert (action.status, action.deferred_to, action.deferral_reason) == (
        newest.status,
        newest_deferral.new_target_date,
        newest_deferral.note,
    )
    # One unbroken chain: each update was written knowing the one before it.
    assert list(integrity.problems()) == []
    assert len({update.recorded_at for update in updates}) == 20


def test_the_same_file_imported_twice_at_once_is_held_once():
    data = plan_text(
        "\tKey concerns\t\t\t",
        "1\tStaff morale was low.\tHold a staff survey every year.\tGovernor\tJuly 2024",
    ).encode()

    results = at_once(2, lambda index: import_plan_bytes(data, "testshire.txt"))
    outcomes = sorted((result.outcome, "already held" in result.message) for result in results)
    assert outcomes == [("imported", False), ("skipped", True)], [r.message for r in results]
    assert not any("locked" in result.message for result in results)
    [plan] = Plan.objects.all()
    assert plan.version == 1
    assert {result.plan.pk for result in results} == {plan.pk}


def test_one_plan_in_two_formats_imported_at_once_is_held_once():
    from planwatch.web.plans.models import Inspection
    from planwatch.writers import PlanExport, write

    reading = builders.reading("HMP Twoformats")
    docx = write([PlanExport(reading)], "docx")
    odt = write([PlanExport(reading)], "odt")
    files = [(docx, "plan.docx"), (odt, "plan.odt")]

    results = at_once(2, lambda index: import_plan_bytes(*files[index]))
    outcomes = sorted(result.outcome for result in results)
    assert outcomes == ["imported", "skipped"], [r.message for r in results]
    skipped = next(result for result in results if result.outcome == "skipped")
    assert "already held" in skipped.message
    [plan] = Plan.objects.all()
    assert Inspection.objects.count() == 1
    assert {result.plan.pk for result in results} == {plan.pk}
