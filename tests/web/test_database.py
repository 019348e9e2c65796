"""The suite runs on the database DATABASE_URL names: SQLite by default, PostgreSQL in CI."""

from __future__ import annotations

import os

import pytest
from django.db import DatabaseError, connection, transaction

from planwatch.web.access.models import Role
from planwatch.web.plans.models import Judgement, ProgressUpdate
from tests import builders


@pytest.mark.django_db
def test_the_database_in_use_is_the_one_configured():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE plans_progressupdate SET note = 'rewritten'",
        "DELETE FROM plans_progressupdate",
        "UPDATE plans_judgement SET reason = 'rewritten'",
        "DELETE FROM plans_judgement",
    ],
)
def test_the_database_itself_refuses_changes_to_the_record(statement):
    """The triggers hold even for SQL that bypasses the models (and after any test that
    unlocked them for Django's flush)."""
    plan = builders.plan()
    lead = builders.user(role=Role.LEAD, establishment=plan.establishment)
    inspector = builders.user(role=Role.INSPECTOR)
    builders.update(builders.action(plan, "1", 1), lead, "in_progress", "2024-06-10", note="Begun")
    builders.judgement(builders.concern(plan, "1"), inspector, "reasonable", "2025-02-03")
    refused = pytest.raises(DatabaseError, match="records are append-only: add a correction")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ProgressUpdate.objects.get().note == "Begun"
    assert Judgement.objects.get().reason == "Inspectors found this at the review"
