"""Regression tests for issue 10: evidence checked by content and served safely (6), and the
append-only history that the database itself protects and `planwatch verify` checks (16)."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from planwatch.cli import main
from planwatch.web.access.models import Role
from planwatch.web.plans import services
from planwatch.web.plans.models import Evidence, Judgement, ProgressUpdate
from tests import builders

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


@pytest.fixture
def history(db):
    """A plan with two updates on action 1.1 (the second with a PDF) and a judgement."""
    plan = builders.plan(submitted=datetime.date(2024, 5, 22))
    lead = builders.user("lead", Role.LEAD, plan.establishment)
    inspector = builders.user("inspector", Role.INSPECTOR)
    action = builders.action(plan, "1", 1)
    first = builders.update(action, lead, "in_progress", "2024-06-10", note="Nurses recruited")
    second = builders.update(
        action,
        lead,
        "in_progress",
        "2024-07-01",
        note="Audit attached",
        files=[SimpleUploadedFile("audit.pdf", PDF, content_type="application/pdf")],
    )
    judgement = builders.judgement(builders.concern(plan, "1"), inspector, "good", "2024-08-01")
    return {
        "plan": plan,
        "lead": lead,
        "inspector": inspector,
        "action": action,
        "updates": [first, second],
        "evidence": second.evidence.get(),
        "judgement": judgement,
    }


# --- 6: evidence ----------------------------------------------------------------------------


def _post(history, *files):
    return builders.update(
        history["action"], history["lead"], "in_progress", "2024-07-02", note="More", files=files
    )


@pytest.mark.parametrize("name", ["minutes.pdf", "tool.exe"])
def test_an_executable_is_refused_whatever_its_name(history, name):
    with pytest.raises(services.Refused) as refused:
        _post(history, SimpleUploadedFile(name, EXECUTABLE))
    assert (refused.value.message, refused.value.field) == (
        f"{name} must be a PDF, Word, Excel, OpenDocument, CSV, plain text, PNG or JPEG file",
        "evidence_files",
    )
    assert ProgressUpdate.objects.count() == 2


def test_more_than_five_files_in_one_update_are_refused(history):
    files = [SimpleUploadedFile(f"note{i}.txt", b"minutes") for i in range(6)]
    with pytest.raises(services.Refused) as refused:
        _post(history, *files)
    assert refused.value.message == "Attach at most 5 files to one update"
    assert _post(history, *files[:5]).evidence.count() == 5


def test_more_than_25_mb_in_one_update_is_refused(history):
    half = b"%PDF-1.4\n" + bytes(13_000_000)
    files = [SimpleUploadedFile("one.pdf", half), SimpleUploadedFile("two.pdf", half)]
    with pytest.raises(services.Refused) as refused:
        _post(history, *files)
    assert refused.value.message == (
        "The files come to more than 25 MB: attach fewer or smaller files"
    )
    assert ProgressUpdate.objects.count() == 2


def test_evidence_is_served_as_an_attachment_with_its_checked_type(history, client):
    client.force_login(history["lead"])
    evidence = history["evidence"]
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="audit.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_an_evidence_file_altered_on_disk_is_not_served_and_verify_reports_it(
    history, client, capsys
):
    evidence = history["evidence"]
    Path(default_storage.path(evidence.file.name)).write_bytes(PDF + b"% altered\n")
    client.force_login(history["lead"])
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404
    assert main(["verify"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"broken: evidence file {evidence.pk} (audit.pdf): is missing or was changed",
        "1 problem found in 2 updates, 1 judgement, 1 evidence file",
    ]


# --- 16: the append-only history ------------------------------------------------------------


@pytest.mark.parametrize("model", [ProgressUpdate, Judgement, Evidence])
def test_the_database_refuses_queryset_update_and_delete(history, model):
    rows = model.objects.all()
    assert rows.exists()
    change = {ProgressUpdate: {"note": "x"}, Judgement: {"reason": "x"}, Evidence: {"name": "x"}}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(**change[model])
    if model is ProgressUpdate:  # the first update has no evidence to protect it
        rows = rows.filter(pk=history["updates"][0].pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.delete()
    assert model.objects.count() == {ProgressUpdate: 2, Judgement: 1, Evidence: 1}[model]


def test_loaddata_of_a_changed_update_fails(history, tmp_path):
    update = history["updates"][0]
    out = io.StringIO()
    call_command("dumpdata", "plans.progressupdate", f"--pks={update.pk}", stdout=out)
    records = json.loads(out.getvalue())
    records[0]["fields"]["note"] = "Nothing was done"
    fixture = tmp_path / "changed.json"
    fixture.write_text(json.dumps(records))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        call_command("loaddata", str(fixture), verbosity=0)
    update.refresh_from_db()
    assert update.note == "Nurses recruited"


def _drop_triggers(table: str) -> None:
    """What somebody with direct access to the database could do (rolled back after the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        else:
            cursor.execute(f"DROP TRIGGER {table}_no_update")


def test_verify_reports_an_entry_changed_in_the_database(history, capsys):
    first = history["updates"][0]
    judgement = history["judgement"]
    _drop_triggers("plans_progressupdate")
    _drop_triggers("plans_judgement")
    ProgressUpdate.objects.filter(pk=first.pk).update(note="Nothing was done")
    Judgement.objects.filter(pk=judgement.pk).update(rating="no_meaningful")
    assert main(["verify"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"broken: progress update {first.pk}: was changed after it was recorded",
        f"broken: judgement {judgement.pk}: was changed after it was recorded",
        "2 problems found in 2 updates, 1 judgement, 1 evidence file",
    ]


def test_verify_reports_an_intact_history_as_intact(history, capsys):
    assert main(["verify"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "The history is intact: 2 updates, 1 judgement, 1 evidence file checked"
    ]
