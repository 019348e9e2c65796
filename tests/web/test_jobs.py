"""Background jobs (issue 13.3): imports of many files, the PDF progress report, estate-wide
recomputation and reminders, run in process on SQLite and by a real procrastinate worker on
PostgreSQL; each job's page, its permissions and its metrics."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.core import mail
from django.db import connection

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.access.models import Membership, Role
from planwatch.web.ops import IMPORTS, JOBS_FAILED, JOBS_STARTED, JOBS_SUCCEEDED
from planwatch.web.plans import jobs
from planwatch.web.plans.job_models import Job, JobItem
from planwatch.web.plans.models import Establishment, Plan
from planwatch.web.plans.services import import_plan_bytes
from tests import builders
from tests.conftest import FIXTURES
from tests.web.pagerules import PageRulesClient

pytestmark = pytest.mark.django_db(transaction=True)
REPOSITORY = Path(__file__).parents[2]
DOCUMENTS = FIXTURES / "documents"
QUEUED = settings.PLANWATCH_JOBS == "queue"


def run_worker() -> None:
    """On PostgreSQL: procrastinate's worker, for real, in this process, until no job waits
    (its tasks run in their own threads with their own connections). In process (SQLite)
    the jobs have already run."""
    if not QUEUED:
        return
    from procrastinate.contrib.django import app

    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(queues=["planwatch"], wait=False, install_signal_handlers=False)


def archive_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in files.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def renamed(text: bytes, name: str) -> bytes:
    """The sample plan as another establishment's."""
    return text.replace(b"HMP Peterborough", name.encode())


@pytest.fixture
def admin():
    return builders.user("chief", role=Role.ADMINISTRATOR)


@pytest.fixture
def signed_in(admin):
    client = PageRulesClient()
    client.force_login(admin)
    return client


def counter(metric, **labels) -> float:
    return metric.labels(**labels)._value.get()


def test_an_archive_of_plans_with_a_bad_one_imports_the_others(signed_in, admin):
    sample = SAMPLE_PLAN.read_bytes()
    oldbury = (DOCUMENTS / "hmp-oldbury-2019.docx").read_bytes()
    archive = archive_of(
        {
            "plans/peterborough.txt": sample,
            "plans/oldbury.docx": oldbury,
            "plans/notes.txt": b"Minutes of the meeting, not a plan",
            "plans/northmoor.pdf": (DOCUMENTS / "hmp-northmoor-2024.pdf").read_bytes(),
            "__MACOSX/plans/._peterborough.txt": b"resource fork",
            "plans/": b"",
        }
    )
    imported_pdf = counter(IMPORTS, outcome="imported", format="pdf")
    refused_text = counter(IMPORTS, outcome="refused", format="text")
    started = counter(JOBS_STARTED, kind="import")
    response = signed_in.post("/import/", {"file": builders.upload("estate.zip", archive)})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == "import" and job.user == admin
    if QUEUED:
        # Queued, not run: the page says it waits, and how to see it move on.
        assert job.state == "queued"
        waiting = signed_in.get(f"/jobs/{job.pk}/").content.decode()
        assert "Waiting to start" in waiting
        assert "Not started yet" in waiting
        assert "Refresh" in waiting
        assert Plan.objects.count() == 0
    run_worker()
    job.refresh_from_db()
    assert job.state == "done"
    assert (job.done, job.total) == (4, 4)
    assert job.summary == "3 plans imported, 0 already held, 1 file not imported"
    items = list(JobItem.objects.filter(job=job).values_list("name", "outcome"))
    assert items == [
        ("peterborough.txt", "imported"),
        ("oldbury.docx", "imported"),
        ("notes.txt", "refused"),
        ("northmoor.pdf", "imported"),
    ]
    refused = JobItem.objects.get(job=job, outcome="refused")
    assert refused.message == (
        "notes.txt has no action plan table: expected a table with the columns Concern No, "
        "Concerns, Response Action Taken/Planned, Responsible Owner, Target Date"
    )
    assert sorted(Establishment.objects.values_list("name", flat=True)) == [
        "HMP Northmoor",
        "HMP Oldbury",
        "HMP Peterborough (Men)",
    ]
    assert Plan.objects.filter(created_by=admin).count() == 3
    peterborough = JobItem.objects.get(job=job, name="peterborough.txt")
    assert peterborough.plan is not None
    assert peterborough.plan.establishment.name == "HMP Peterborough (Men)"
    assert peterborough.plan.history.first().history_user == admin
    page = signed_in.get(f"/jobs/{job.pk}/").content.decode()
    assert "3 plans imported, 0 already held, 1 file not imported" in page
    # A file refused is not a success: the banner is the "Important" kind and says so.
    assert "Done, but 1 file was not imported" in page
    assert "govuk-notification-banner--success" not in page
    assert "4 of 4 files done" in page
    assert "1 file was not imported: the reason is beside it." in page
    assert refused.message in page
    assert f'href="/plans/{peterborough.plan.pk}/"' in page
    assert "Refresh" not in page  # finished: nothing more to wait for
    assert counter(JOBS_STARTED, kind="import") == started + 1
    assert counter(IMPORTS, outcome="imported", format="pdf") == imported_pdf + 1
    assert counter(IMPORTS, outcome="refused", format="text") == refused_text + 1
    # The uploaded archive was only needed for the job.
    assert not (Path(settings.MEDIA_ROOT) / job.parameters["inputs"][0]["path"]).exists()


def test_several_files_at_once_are_a_job_and_one_file_is_imported_at_once(signed_in):
    sample = SAMPLE_PLAN.read_bytes()
    one = signed_in.post("/import/", {"file": builders.upload("plan.txt", sample)})
    plan = Plan.objects.get()
    assert one["Location"] == f"/plans/{plan.pk}/"
    assert not Job.objects.exists()
    response = signed_in.post(
        "/import/",
        {
            "file": [
                builders.upload("again.txt", sample),
                builders.upload("eastwick.txt", renamed(sample, "HMP Eastwick")),
            ]
        },
    )
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    run_worker()
    job.refresh_from_db()
    assert job.summary == "1 plan imported, 1 already held, 0 files not imported"
    assert list(job.items.values_list("name", "outcome")) == [
        ("again.txt", "skipped"),
        ("eastwick.txt", "imported"),
    ]
    assert Plan.objects.count() == 2


def test_an_import_job_keeps_to_what_its_starter_may_import(client):
    import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
    own = Establishment.objects.get()
    lead = builders.user("lead", role=Role.LEAD, establishment=own)
    client.force_login(lead)
    sample = SAMPLE_PLAN.read_bytes()
    revised = sample.replace(b"June 2024", b"July 2024", 1)
    client.post(
        "/import/",
        {
            "file": [
                builders.upload("revised.txt", revised),
                builders.upload("elsewhere.txt", renamed(sample, "HMP Eastwick")),
            ]
        },
    )
    run_worker()
    job = Job.objects.get()
    assert list(job.items.values_list("outcome", "message")) == [
        ("imported", job.items.get(position=0).message),
        (
            "refused",
            "elsewhere.txt: HMP Eastwick (Men) is not yet held here: ask an administrator to "
            "import it",
        ),
    ]
    assert job.items.get(position=0).message.startswith("revised.txt: imported as ")
    assert Plan.objects.filter(inspection__establishment=own).count() == 2
    assert not Establishment.objects.filter(name="HMP Eastwick (Men)").exists()


def test_a_damaged_archive_is_one_refused_item_and_changes_nothing(signed_in):
    archive = archive_of({"a.txt": SAMPLE_PLAN.read_bytes()})
    damaged = archive[:-30]  # its directory cut short
    response = signed_in.post(
        "/import/",
        {
            "file": [
                builders.upload("cut.zip", damaged),
                builders.upload("notes.txt", b"not a plan"),
            ]
        },
    )
    assert response.status_code == 302
    run_worker()
    job = Job.objects.get()
    assert job.state == "done"
    assert list(job.items.values_list("name", "outcome")) == [
        ("cut.zip", "refused"),
        ("notes.txt", "refused"),
    ]
    assert job.items.get(position=0).message.startswith("cut.zip")
    assert not Plan.objects.exists()


def test_the_progress_report_job_makes_a_real_pdf_for_readers_only(client):
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    establishment = plan.establishment
    viewer = builders.user("viewer", role=Role.VIEWER, establishment=establishment)
    client.force_login(viewer)
    report = f"/establishments/{establishment.slug}/report/?as_of=2024-09-30"
    assert "Make this report as a PDF" in client.get(report).content.decode()
    response = client.post(f"/establishments/{establishment.slug}/report/pdf/?as_of=2024-09-30")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.establishment == establishment and job.parameters["as_of"] == "2024-09-30"
    run_worker()
    job.refresh_from_db()
    assert job.state == "done" and (job.done, job.total) == (1, 1)
    assert job.result_name == f"{establishment.slug}-progress-2024-09-30.pdf"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "The progress report of HMP Peterborough (Men) as of 30 September 2024 is ready" in page
    assert f'href="/jobs/{job.pk}/result/"' in page
    download = client.get(f"/jobs/{job.pk}/result/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert f'filename="{job.result_name}"' in download["Content-Disposition"]
    pdf = b"".join(download.streaming_content)
    assert pdf.startswith(b"%PDF-")
    document = pdfium.PdfDocument(pdf)
    text = document[0].get_textpage().get_text_range()
    assert "HMP Peterborough (Men)" in text
    assert "30 September 2024" in " ".join(text.split())
    # Another reader does not see this person's job; nor, once the role is gone, does its
    # starter get the establishment's report from it.
    other = builders.user("other", role=Role.VIEWER, establishment=establishment)
    client.force_login(other)
    assert client.get(f"/jobs/{job.pk}/").status_code == 403
    assert client.get(f"/jobs/{job.pk}/result/").status_code == 403
    Membership.objects.filter(user=viewer).delete()
    client.force_login(viewer)
    assert client.get(f"/jobs/{job.pk}/").status_code == 200
    assert client.get(f"/jobs/{job.pk}/result/").status_code == 403


def test_job_pages_are_for_their_starter_and_administrators(client, admin):
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    lead = builders.user("lead", role=Role.LEAD, establishment=plan.establishment)
    local_admin = builders.user("local", role=Role.ADMINISTRATOR, establishment=plan.establishment)
    client.force_login(lead)
    client.post(
        "/import/", {"file": [builders.upload("a.txt", b"x"), builders.upload("b.txt", b"y")]}
    )
    job = Job.objects.get()
    url = f"/jobs/{job.pk}/"
    assert client.get(url).status_code == 200
    assert f'href="{url}"' in client.get("/jobs/").content.decode()
    client.force_login(local_admin)  # an administrator of one establishment only
    assert client.get(url).status_code == 403
    assert f'href="{url}"' not in client.get("/jobs/").content.decode()
    client.force_login(admin)  # of every establishment
    assert client.get(url).status_code == 200
    assert "lead" in client.get("/jobs/").content.decode()
    client.logout()
    assert client.get(url)["Location"] == f"/sign-in/?next={url}"
    client.force_login(admin)
    assert client.get("/jobs/987654/").status_code == 404
    run_worker()


def test_estate_wide_recomputation_and_reminders_run_as_jobs(signed_in, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    import_plan_bytes(renamed(SAMPLE_PLAN.read_bytes(), "HMP Eastwick"), "eastwick.txt")
    builders.user(
        "nurse", role=Role.CONTRIBUTOR, establishment=plan.establishment, acts_for=["NHFT"]
    )
    assert "Work them out again" in signed_in.get("/jobs/estate/").content.decode()
    signed_in.post("/jobs/estate/", {"work": "recompute"})
    signed_in.post("/jobs/estate/", {"work": "reminders"})
    assert signed_in.post("/jobs/estate/", {"work": "something else"}).status_code == 400
    run_worker()
    recompute = Job.objects.get(kind="recompute")
    assert recompute.state == "done" and (recompute.done, recompute.total) == (3, 3)
    assert " links between similar concerns" in recompute.summary
    assert "concerns classified by area and topic" in recompute.summary
    reminders = Job.objects.get(kind="reminders")
    assert reminders.state == "done"
    assert [message.to for message in mail.outbox] == [["nurse@example.invalid"]]
    assert reminders.summary.splitlines()[0].startswith("1 reminder sent for ")
    page = signed_in.get(f"/jobs/{reminders.pk}/").content.decode()
    assert "1 reminder sent for" in page
    # Only administrators of every establishment start estate-wide work.
    lead = builders.user("lead", role=Role.LEAD, establishment=plan.establishment)
    client.force_login(lead)
    assert client.get("/jobs/estate/").status_code == 403
    assert client.post("/jobs/estate/", {"work": "recompute"}).status_code == 403
    assert Job.objects.filter(kind="recompute").count() == 1


def test_a_job_that_fails_says_so_and_is_counted(signed_in, monkeypatch):
    def broken(job):
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(jobs.RUNNERS, "recompute", broken)
    failed = counter(JOBS_FAILED, kind="recompute")
    succeeded = counter(JOBS_SUCCEEDED, kind="recompute")
    signed_in.post("/jobs/estate/", {"work": "recompute"})
    run_worker()
    job = Job.objects.get()
    assert job.state == "failed"
    assert job.summary.startswith(
        "The job stopped with an error and did not finish (RuntimeError: the disk is full)"
    )
    page = signed_in.get(f"/jobs/{job.pk}/").content.decode()
    assert "The job failed" in page and "the disk is full" in page
    assert counter(JOBS_FAILED, kind="recompute") == failed + 1
    assert counter(JOBS_SUCCEEDED, kind="recompute") == succeeded
    metrics = signed_in.get("/metrics").content.decode()
    if not QUEUED:  # counted where jobs run: here on SQLite, in the worker on PostgreSQL
        assert 'planwatch_jobs_failed_total{kind="recompute"}' in metrics
        assert 'planwatch_job_duration_seconds_count{kind="recompute"}' in metrics


def _environment(**extra: str) -> dict[str, str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY / "src"), **extra}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return environment


def test_postgresql_queues_jobs_so_the_worker_tests_run_there():
    """The PostgreSQL leg of .ci/run must run the worker's tests below, not skip them."""
    if connection.vendor == "postgresql" and "PLANWATCH_JOBS" not in os.environ:
        assert QUEUED
        assert "procrastinate.contrib.django" in settings.INSTALLED_APPS
    else:
        assert connection.vendor == "postgresql" or not QUEUED


def test_the_worker_on_sqlite_says_jobs_run_in_process(tmp_path):
    environment = _environment(PLANWATCH_DATA_DIR=str(tmp_path))
    environment.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "planwatch.cli", "worker"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "planwatch: jobs run in process here (SQLite, or PLANWATCH_JOBS=in-process), as they "
        "are started: there is no queue for a worker; set DATABASE_URL to PostgreSQL to queue "
        "them"
    ]


@pytest.mark.skipif(not QUEUED, reason="the queue is PostgreSQL's: on SQLite jobs run in process")
def test_planwatch_worker_runs_queued_imports_from_postgresql(signed_in, admin):
    """`planwatch worker --once`, as a process of its own against the test database: the
    import waits in procrastinate's queue until it runs, then the plans are held."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    assert connection.vendor == "postgresql"
    sample = SAMPLE_PLAN.read_bytes()
    archive = archive_of(
        {f"plan-{number}.txt": renamed(sample, f"HMP Queueton {number}") for number in range(1, 4)}
        | {"broken.pdf": b"%PDF-1.4 cut short"}
    )
    signed_in.post("/import/", {"file": builders.upload("three.zip", archive)})
    job = Job.objects.get()
    queued = ProcrastinateJob.objects.get(pk=job.queue_id)
    assert (queued.task_name, queued.status, queued.args) == (
        "planwatch.run_job",
        "todo",
        {"job_id": job.pk},
    )
    assert jobs.no_worker()
    assert (
        "No worker is running to do this job" in signed_in.get(f"/jobs/{job.pk}/").content.decode()
    )
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    done = subprocess.run(
        [sys.executable, "-m", "planwatch.cli", "worker", "--once"],
        env=_environment(DATABASE_URL=url, PLANWATCH_DATA_DIR=str(settings.DATA_DIR)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "planwatch worker: running jobs from the queue (1 at a time" in done.stdout
    job.refresh_from_db()
    assert job.state == "done"
    assert job.summary == "3 plans imported, 0 already held, 1 file not imported"
    assert ProcrastinateJob.objects.get(pk=job.queue_id).status == "succeeded"
    assert sorted(Plan.objects.values_list("inspection__establishment__name", flat=True)) == [
        "HMP Queueton 1 (Men)",
        "HMP Queueton 2 (Men)",
        "HMP Queueton 3 (Men)",
    ]
    broken = job.items.get(name="broken.pdf")
    assert (broken.outcome, broken.message) == (
        "refused",
        "broken.pdf is a damaged or truncated PDF: download it again, or give the Word version",
    )
    page = signed_in.get(f"/jobs/{job.pk}/").content.decode()
    assert "4 of 4 files done" in page and "No worker is running" not in page


def test_a_visitor_with_public_read_gets_the_pdf_at_once(client, settings):
    settings.PLANWATCH_PUBLIC_READ = True
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    slug = plan.establishment.slug
    response = client.post(f"/establishments/{slug}/report/pdf/?as_of=2024-09-30")
    assert response["Location"] == f"/establishments/{slug}/report.pdf?as_of=2024-09-30"
    assert not Job.objects.exists()
    assert client.get(f"/establishments/{slug}/report/pdf/")["Location"] == (
        f"/establishments/{slug}/report/"
    )


@pytest.mark.skipif(not QUEUED, reason="the queue is PostgreSQL's: on SQLite jobs run in process")
def test_the_worker_serves_its_metrics_and_stops_when_told(signed_in):
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unused_tcp_port = probe.getsockname()[1]

    signed_in.post("/jobs/estate/", {"work": "recompute"})
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "planwatch.cli", "worker", "--metrics-port", str(unused_tcp_port)],
        env=_environment(DATABASE_URL=url, PLANWATCH_DATA_DIR=str(settings.DATA_DIR)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    metrics = ""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{unused_tcp_port}/metrics"
                ) as answer:
                    metrics = answer.read().decode()
            except OSError:
                metrics = ""
            if 'planwatch_jobs_succeeded_total{kind="recompute"} 1.0' in metrics:
                break
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=60)
    assert 'planwatch_jobs_succeeded_total{kind="recompute"} 1.0' in metrics
    assert 'planwatch_job_duration_seconds_count{kind="recompute"} 1.0' in metrics
    assert worker.returncode == 0, errors
    assert Job.objects.get().state == "done"


def test_a_job_stopped_half_way_goes_on_from_the_file_it_had_reached(admin):
    """As a worker killed mid-job leaves it (and procrastinate hands it to another): running,
    the first file done, the second waiting. Run again, only the second is imported."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    sample = SAMPLE_PLAN.read_bytes()
    first = default_storage.save("jobs/inputs/test/a.txt", ContentFile(sample))
    second = default_storage.save(
        "jobs/inputs/test/b.txt", ContentFile(renamed(sample, "HMP Eastwick"))
    )
    job = Job.objects.create(
        kind="import",
        state="running",
        user=admin,
        parameters={
            "inputs": [
                {"name": "a.txt", "path": first, "archive": False},
                {"name": "b.txt", "path": second, "archive": False},
            ]
        },
        total=2,
        done=1,
    )
    JobItem.objects.create(
        job=job, position=0, name="a.txt", outcome="imported", message="a.txt: done before"
    )
    JobItem.objects.create(job=job, position=1, name="b.txt", source=1)
    assert jobs.run(job.pk) == "done"
    job.refresh_from_db()
    assert (job.done, job.total) == (2, 2)
    assert list(job.items.values_list("name", "outcome")) == [
        ("a.txt", "imported"),
        ("b.txt", "imported"),
    ]
    assert job.items.get(name="a.txt").message == "a.txt: done before"
    assert list(Plan.objects.values_list("inspection__establishment__name", flat=True)) == [
        "HMP Eastwick (Men)"
    ]
    assert not default_storage.exists(first) and not default_storage.exists(second)
    # A finished job is never run twice; a job no longer held is nothing to run.
    assert jobs.run(job.pk) == "done"
    assert Plan.objects.count() == 1
    assert jobs.run(987654) == "missing"
