"""Observability (issue 13.7): the health check, Prometheus metrics, one log line a request."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.plans.services import import_plan_bytes
from tests import builders

pytestmark = pytest.mark.django_db
REPOSITORY = Path(__file__).parents[2]


def test_the_health_check_answers_for_the_database_and_the_file_store(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_fails_when_files_cannot_be_stored(client, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the files folder should be")
    with override_settings(MEDIA_ROOT=blocked):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "ok", "storage": "failing"}


def test_metrics_count_requests_and_imports_for_the_scraper_on_this_machine(client):
    def imported() -> float:
        page = client.get("/metrics").content.decode()
        line = next(
            (
                line
                for line in page.splitlines()
                if line.startswith('planwatch_imports_total{format="text",outcome="imported"}')
            ),
            "x 0",
        )
        return float(line.split()[-1])

    before = imported()
    import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
    import_plan_bytes(b"not a plan", "notes.txt")
    response = client.get("/metrics")
    assert response.status_code == 200
    page = response.content.decode()
    assert imported() == before + 1
    assert 'planwatch_imports_total{format="text",outcome="refused"}' in page
    assert "django_http_requests_total_by_method_total" in page
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403


def test_metrics_with_a_token_need_the_token(client, settings):
    settings.PLANWATCH_METRICS_TOKEN = "s3cret-token"
    refused = client.get("/metrics")
    assert refused.status_code == 403
    assert refused.content == b"Metrics are for the monitoring service only.\n"
    allowed = client.get(
        "/metrics", headers={"Authorization": "Bearer s3cret-token"}, REMOTE_ADDR="192.0.2.7"
    )
    assert allowed.status_code == 200


def test_each_request_is_one_log_line_with_the_user_id_and_no_query(client, caplog):
    person = builders.user("casey")
    caplog.set_level(logging.INFO, logger="planwatch.requests")
    client.get("/sign-in/?next=/establishments/hmp-secret-name/")
    client.force_login(person)
    client.get("/my-actions/")
    lines = [record for record in caplog.records if record.name == "planwatch.requests"]
    assert [(r.method, r.path, r.status, r.user_id) for r in lines] == [
        ("GET", "/sign-in/", 200, None),
        ("GET", "/my-actions/", 403, person.pk),  # no role yet: refused, and logged
    ]
    assert lines[0].getMessage().startswith("GET /sign-in/ 200 ")
    assert lines[0].getMessage().endswith("ms user=-")
    assert "secret" not in " ".join(record.getMessage() for record in lines)


def test_with_the_json_format_each_log_line_is_a_json_object(tmp_path):
    script = (
        "import django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.test import Client\n"
        "Client().get('/sign-in/?next=/x')\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLANWATCH_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        PLANWATCH_DATA_DIR=str(tmp_path / "data"),
        PLANWATCH_SECRET_KEY="x",
        PLANWATCH_LOG_FORMAT="json",
        PLANWATCH_NODE_MODULES=str(REPOSITORY / "node_modules"),
        PYTHONPATH=str(REPOSITORY / "src"),
        DJANGO_SETTINGS_MODULE="planwatch.web.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    [line] = [line for line in result.stderr.splitlines() if "planwatch.requests" in line]
    record = json.loads(line)
    assert {key: record[key] for key in ("level", "logger", "method", "path", "status")} == {
        "level": "INFO",
        "logger": "planwatch.requests",
        "method": "GET",
        "path": "/sign-in/",
        "status": 200,
    }
    assert record["user_id"] is None
    assert isinstance(record["duration_ms"], float)
    assert record["message"].startswith("GET /sign-in/ 200 ")


def test_the_icon_is_at_favicon_ico_where_browsers_look_for_it(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/x-icon"
    assert answer["Cache-Control"] == "public, max-age=86400"
    body = answer.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert body == client.get("/assets/images/favicon.ico").getvalue()
