"""Backups and restores (issue 13.5): a restore into an empty install gives the same pages,
figures and files, on SQLite and PostgreSQL; a backup or restore that cannot be made says why
and changes nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web import backups
from planwatch.web.access.models import Role
from planwatch.web.plans.models import Evidence
from planwatch.web.plans.services import import_plan_bytes
from tests import builders

pytestmark = pytest.mark.django_db(transaction=True)

REPOSITORY = Path(__file__).parents[2]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Rendered in the restored install by a separate process, signed in as the same person.
RENDER = """
import json, sys
import django
django.setup()
from django.test import Client
from django.contrib.auth import get_user_model
client = Client()
client.force_login(get_user_model().objects.get(username=sys.argv[1]))
pages = {}
for path in sys.argv[2:]:
    response = client.get(path)
    body = b"".join(response) if response.streaming else response.content
    pages[path] = [response.status_code, body.decode("utf-8", "replace")]
print(json.dumps(pages))
"""


def _comparable(page: str) -> str:
    """A page without what differs on every request: the form token and the script nonce."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


@pytest.fixture
def install(settings):
    """A plan imported from its file, progress with an evidence file, and a judgement."""
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    lead = builders.user("lead", Role.LEAD, plan.establishment)
    inspector = builders.user("inspector", Role.INSPECTOR)
    action = builders.action(plan, "1", 1)
    builders.update(
        action,
        lead,
        "in_progress",
        "2024-07-01",
        note="Audit attached",
        files=[SimpleUploadedFile("audit.pdf", PDF, content_type="application/pdf")],
    )
    builders.judgement(builders.concern(plan, "1"), inspector, "good", "2024-08-01")
    paths = [
        "/",
        plan.establishment.get_absolute_url(),
        plan.get_absolute_url(),
        f"/actions/{action.pk}/",
        "/estate/?as_of=2024-09-30",
        "/estate.csv?as_of=2024-09-30",
        f"/plans/{plan.pk}/export/json/",
        f"/evidence/{Evidence.objects.get().pk}/",
    ]
    return {"plan": plan, "paths": paths, "evidence": Evidence.objects.get()}


@pytest.fixture
def empty_install(tmp_path):
    """The environment of a new, empty install: its own data folder and, on PostgreSQL, its
    own empty database on the same server (dropped afterwards)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PLANWATCH_", "DJANGO_", "DATABASE_URL"))
    }
    env.update(
        PLANWATCH_DATA_DIR=str(tmp_path / "new-install"),
        PLANWATCH_SECRET_KEY="restore-test",
        PLANWATCH_NODE_MODULES=str(REPOSITORY / "node_modules"),
        PYTHONPATH=str(REPOSITORY / "src"),
        DJANGO_SETTINGS_MODULE="planwatch.web.settings",
    )
    name = None
    if connection.vendor == "postgresql":
        name = f"planwatch_restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = dj_database_url.parse(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = (
            f"postgres://{url['USER']}:{url.get('PASSWORD') or ''}@{url['HOST']}:{url['PORT']}/{name}"
        )
    yield env
    if name:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _planwatch(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planwatch.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        cwd=env["PLANWATCH_DATA_DIR"].rsplit("/", 1)[0],
    )


def test_a_restore_into_an_empty_install_gives_the_same_pages_figures_and_files(
    install, empty_install, tmp_path
):
    client = Client()
    client.force_login(builders.user_named("inspector"))
    before = {}
    for path in install["paths"]:
        response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
        before[path] = [response.status_code, body.decode("utf-8", "replace")]
    assert all(status == 200 for status, _ in before.values()), before.keys()

    outcome = backups.backup(tmp_path / "backup")
    assert outcome.counts == {
        "plans": 1,
        "actions": 52,
        "progress_updates": 1,
        "judgements": 1,
        "evidence_files": 1,
        "users": 2,
    }
    assert (outcome.files, outcome.problems) == (2, [])
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"] == connection.vendor
    assert sorted(item["name"] for item in manifest["files"]) == sorted(
        [install["plan"].source_file.name, install["evidence"].file.name]
    )

    restored = _planwatch(empty_install, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines() == [
        f"Restored {tmp_path / 'backup'}: 1 plan, 52 actions, 1 update, 1 judgement, 2 users, "
        "2 files",
        "Checked: every file matches its recorded hash",
    ]
    verified = _planwatch(empty_install, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "The history is intact: 1 update, 1 judgement, 1 evidence file checked" in (
        verified.stdout
    )
    rendered = subprocess.run(
        [sys.executable, "-c", RENDER, "inspector", *install["paths"]],
        env=empty_install,
        capture_output=True,
        text=True,
        check=True,
    )
    after = json.loads(rendered.stdout)
    for path in install["paths"]:
        assert after[path][0] == before[path][0], path
        assert _comparable(after[path][1]) == _comparable(before[path][1]), path
    files = Path(empty_install["PLANWATCH_DATA_DIR"]) / "files"
    assert (files / install["evidence"].file.name).read_bytes() == PDF
    assert (files / install["plan"].source_file.name).read_bytes() == SAMPLE_PLAN.read_bytes()


def test_a_damaged_backup_is_refused_and_the_install_stays_empty(install, empty_install, tmp_path):
    backups.backup(tmp_path / "backup")
    evidence_copy = tmp_path / "backup" / "files" / install["evidence"].file.name
    evidence_copy.write_bytes(b"changed")
    result = _planwatch(empty_install, "restore", str(tmp_path / "backup"))
    assert result.returncode == 2
    assert result.stderr == (
        f"planwatch: {evidence_copy} is missing or damaged: the backup cannot be used\n"
    )
    files = Path(empty_install["PLANWATCH_DATA_DIR"]) / "files"
    assert not files.exists() or not any(path.is_file() for path in files.rglob("*"))
    listing = _planwatch(empty_install, "verify")
    assert "0 updates, 0 judgements, 0 evidence files checked" in listing.stdout


def test_a_restore_into_an_install_that_holds_plans_is_refused(install, tmp_path):
    backups.backup(tmp_path / "backup")
    with pytest.raises(backups.BackupError) as refusal:
        backups.restore(tmp_path / "backup")
    assert str(refusal.value) == (
        "this install already holds 1 plan and 2 users: restore only into an empty install "
        "(a new data folder or database)"
    )


def test_a_backup_into_a_folder_that_holds_files_is_refused(db, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("keep me")
    with pytest.raises(backups.BackupError) as refusal:
        backups.backup(tmp_path / "old")
    assert (
        str(refusal.value) == f"{tmp_path / 'old'} is not empty: name a new folder for the backup"
    )
    assert [path.name for path in (tmp_path / "old").iterdir()] == ["notes.txt"]
