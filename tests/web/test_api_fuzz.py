"""schemathesis against the live API (issue 13.1): every operation, valid and invalid data,
no server error and no answer outside the published schema."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.access import services as access_services
from planwatch.web.plans.services import import_plan_bytes

SCHEMATHESIS = shutil.which("st") or str(Path(sys.executable).parent / "st")


@pytest.fixture
def administrator_token(transactional_db):
    import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
    person = get_user_model().objects.create_superuser("api-admin", "a@example.invalid", "x")
    _, secret = access_services.create_token(person, "schemathesis")
    return secret


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    live_server, administrator_token, tmp_path
):
    result = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {administrator_token}",
            "--checks",
            "all",
            # The API refuses some schema-valid requests by the domain's rules, with 400 and
            # the reason (an update on a completed action, a file that is not a plan): every
            # other check holds, server errors and answers outside the schema above all.
            "--exclude-checks",
            "positive_data_acceptance",
            "--mode",
            "all",
            "--max-examples",
            os.environ.get("PLANWATCH_SCHEMATHESIS_EXAMPLES", "30"),
            "--seed",
            "20261126",
            "--workers",
            "1",
            "--request-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
