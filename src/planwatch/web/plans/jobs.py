"""Long work off the request: start a job, queue it (procrastinate on PostgreSQL) or run it in
process (SQLite), and run it, recording its progress and what came of it on the Job row."""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import close_old_connections, transaction
from django.utils import timezone

from planwatch import labels
from planwatch.errors import PlanReadError
from planwatch.readers import plan_archive
from planwatch.web.plans.job_models import Job, JobItem
from planwatch.web.plans.models import Establishment, Plan

LOG = logging.getLogger("planwatch.jobs")
INPUTS = "jobs/inputs"


class Upload:
    """A file given to an import job: its name as uploaded, and a readable, seekable file."""

    def __init__(self, name: str, handle: IO[bytes]) -> None:
        self.name = PurePath(name).name or "plan"
        self.handle = handle


def queued() -> bool:
    """Whether jobs go through the queue (PostgreSQL) rather than run in process."""
    return bool(settings.PLANWATCH_JOBS == "queue")


# --- starting jobs ------------------------------------------------------------------------


def _start(job: Job) -> Job:
    """Queue the job, or run it here and now. Queued in the same transaction as its row, so
    that a worker never sees a job whose row is not there yet."""
    if queued():
        from planwatch.web.plans.tasks import run_job

        with transaction.atomic():
            job.save()
            job.queue_id = run_job.defer(job_id=job.pk)
            job.save(update_fields=["queue_id"])
    else:
        job.save()
        run(job.pk)
        job.refresh_from_db()
    return job


def start_import(user: Any, uploads: Sequence[Upload]) -> Job:
    """Import several plan files, or archives of them: each file becomes an item of the job,
    imported in the order given (revisions of one plan become versions in that order)."""
    inputs = []
    for upload in uploads:
        archived = plan_archive.is_plan_archive(upload.handle)
        upload.handle.seek(0)
        path = default_storage.save(
            f"{INPUTS}/{uuid.uuid4().hex}/{upload.name}", File(upload.handle, name=upload.name)
        )
        inputs.append({"name": upload.name, "path": path, "archive": archived})
    return _start(Job(kind=Job.Kind.IMPORT, user=user, parameters={"inputs": inputs}))


def start_report(
    user: Any, establishment: Establishment, as_of: datetime.date, plan: Plan | None
) -> Job:
    """The progress report of an establishment as a PDF."""
    return _start(
        Job(
            kind=Job.Kind.REPORT,
            user=user,
            establishment=establishment,
            parameters={"as_of": as_of.isoformat(), "plan": plan.pk if plan else None},
            total=1,
        )
    )


def start_recompute(user: Any) -> Job:
    """Similar concerns, what owners had reported at each judgement, and the classified
    areas and topics, worked out again for the whole estate."""
    return _start(Job(kind=Job.Kind.RECOMPUTE, user=user, total=3))


def start_reminders(user: Any, as_of: datetime.date, window_days: int) -> Job:
    """Each person's reminder digest (at most one a day each, as `planwatch remind`)."""
    return _start(
        Job(
            kind=Job.Kind.REMINDERS,
            user=user,
            parameters={"as_of": as_of.isoformat(), "window": window_days},
            total=1,
        )
    )


# --- running them -------------------------------------------------------------------------


def run(job_id: int) -> str:
    """Run a job to its end and record what came of it; returns its final state. A job
    already finished is left as it is; one that stopped half way (its worker killed) goes
    on from the file it had reached."""
    from planwatch.web.ops import JOB_SECONDS, JOBS_FAILED, JOBS_STARTED, JOBS_SUCCEEDED

    job = Job.objects.select_related("user", "establishment").filter(pk=job_id).first()
    if job is None:
        LOG.warning("job %s is not held (deleted?): nothing to run", job_id)
        return "missing"
    if job.finished:
        return str(job.state)
    job.state = Job.State.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["state", "started_at"])
    JOBS_STARTED.labels(kind=job.kind).inc()
    started = time.perf_counter()
    try:
        with _acting_as(job.user):
            RUNNERS[job.kind](job)
    except Exception as error:  # the job's failure is recorded and shown, not raised
        LOG.exception("job %s (%s) failed", job.pk, job.kind)
        job.state = Job.State.FAILED
        job.summary = (
            f"The job stopped with an error and did not finish ({type(error).__name__}: "
            f"{str(error)[:300]}). Start it again; if it fails again, tell the people who run "
            "the service."
        )
        JOBS_FAILED.labels(kind=job.kind).inc()
    else:
        job.state = Job.State.DONE
        JOBS_SUCCEEDED.labels(kind=job.kind).inc()
    finally:
        JOB_SECONDS.labels(kind=job.kind).observe(time.perf_counter() - started)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "summary", "finished_at", "done", "total"])
    if job.kind == Job.Kind.IMPORT:
        _remove_inputs(job)
    return str(job.state)


@contextlib.contextmanager
def _acting_as(user: Any) -> Iterator[None]:
    """Changes a job makes are recorded in the history as its starter's."""
    if user is None:
        yield
        return
    from planwatch.web.commands import acting_as

    with acting_as(user):
        yield


def _step(job: Job, count: int = 1) -> None:
    job.done += count
    job.save(update_fields=["done"])


def _run_import(job: Job) -> None:
    from planwatch.web.plans.services import import_plan_bytes, import_refusal

    inputs: list[dict[str, Any]] = job.parameters.get("inputs", [])
    if not job.items.exists():
        _unpack(job, inputs)
    user = job.user

    def allowed(name: str) -> str | None:
        return import_refusal(user, name) if user is not None else None

    for index, given in enumerate(inputs):
        waiting = list(job.items.filter(source=index, outcome=JobItem.Outcome.WAITING))
        if not waiting:
            continue
        with default_storage.open(given["path"], "rb") as handle:
            zipped = plan_archive.open_archive(handle, given["name"]) if given["archive"] else None
            for item in waiting:
                try:
                    if zipped is not None:
                        data = plan_archive.read_plan_member(zipped, given["name"], item.member)
                    else:
                        handle.seek(0)
                        data = handle.read()
                except PlanReadError as error:
                    item.outcome, item.message = JobItem.Outcome.REFUSED, str(error)
                else:
                    result = import_plan_bytes(data, item.name, user=user, allowed=allowed)
                    item.outcome, item.message, item.plan = (
                        result.outcome,
                        result.message,
                        result.plan,
                    )
                item.save(update_fields=["outcome", "message", "plan"])
                _step(job)
    counts: dict[str, int] = {
        str(outcome): job.items.filter(outcome=outcome).count()
        for outcome in (JobItem.Outcome.IMPORTED, JobItem.Outcome.SKIPPED, JobItem.Outcome.REFUSED)
    }
    job.summary = (
        f"{labels.plural(counts['imported'], 'plan')} imported, "
        f"{counts['skipped']} already held, "
        f"{labels.plural(counts['refused'], 'file')} not imported"
    )


def _unpack(job: Job, inputs: list[dict[str, Any]]) -> None:
    """One item for each file given, and for each file in each archive given."""
    items: list[JobItem] = []
    refused = 0
    for index, given in enumerate(inputs):
        if not given["archive"]:
            items.append(JobItem(job=job, position=len(items), name=given["name"], source=index))
            continue
        with default_storage.open(given["path"], "rb") as handle:
            try:
                members = plan_archive.plan_members(handle, given["name"])
            except PlanReadError as error:
                items.append(
                    JobItem(
                        job=job,
                        position=len(items),
                        name=given["name"],
                        source=index,
                        outcome=JobItem.Outcome.REFUSED,
                        message=str(error),
                    )
                )
                refused += 1
                continue
        for member in members:
            items.append(
                JobItem(
                    job=job,
                    position=len(items),
                    name=PurePath(member).name[:255],
                    source=index,
                    member=member,
                )
            )
    JobItem.objects.bulk_create(items)
    job.total = len(items)
    job.done = refused
    job.save(update_fields=["total", "done"])


def _remove_inputs(job: Job) -> None:
    """The uploaded files were only needed to run the job: imported plans keep their own."""
    for given in job.parameters.get("inputs", []):
        with contextlib.suppress(OSError):
            default_storage.delete(given["path"])


def _run_report(job: Job) -> None:
    from planwatch.web.plans import reports

    establishment = job.establishment
    assert establishment is not None
    as_of = datetime.date.fromisoformat(job.parameters["as_of"])
    plan_pk = job.parameters.get("plan")
    plan = Plan.objects.submitted().filter(pk=plan_pk).first() if plan_pk else None
    pdf = reports.progress_report_pdf(establishment, as_of, plan)
    job.result_name = reports.progress_report_file_name(establishment, as_of)
    job.result.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    job.save(update_fields=["result", "result_name"])
    _step(job)
    job.summary = (
        f"The progress report of {establishment.name} as of "
        f"{as_of.strftime('%-d %B %Y')} is ready ({len(pdf) / 1000:,.0f} kB)."
    )


def _run_recompute(job: Job) -> None:
    from planwatch.web.plans import learning, themes

    links = learning.recompute_links()
    _step(job)
    reports = learning.recompute_self_reports()
    _step(job)
    classified = themes.classify_estate()
    _step(job)
    job.summary = (
        f"{labels.plural(links, 'link')} between similar concerns, "
        f"{labels.plural(reports, 'judged concern')} with what owners had reported, and "
        f"{labels.plural(classified, 'concern')} classified by area and topic (areas printed "
        "in a plan, and areas and topics set by a person, kept)."
    )


def _run_reminders(job: Job) -> None:
    from planwatch.web.plans.reminders import recipients_without_email, send_reminders

    as_of = datetime.date.fromisoformat(job.parameters["as_of"])
    window = int(job.parameters.get("window", 28))
    outcomes = send_reminders(as_of, window)
    _step(job)
    sent = sum(outcome.sent for outcome in outcomes)
    lines = [f"{labels.plural(sent, 'reminder')} sent for {as_of.strftime('%-d %B %Y')}."]
    lines += [
        f"Not sent to {outcome.digest.user.get_username()}: {outcome.reason}."
        for outcome in outcomes
        if not outcome.sent
    ]
    lines += [
        f"{username} acts for owners but has no email address."
        for username in recipients_without_email()
    ]
    job.summary = "\n".join(lines)


RUNNERS: dict[str, Callable[[Job], None]] = {
    Job.Kind.IMPORT: _run_import,
    Job.Kind.REPORT: _run_report,
    Job.Kind.RECOMPUTE: _run_recompute,
    Job.Kind.REMINDERS: _run_reminders,
}


def run_in_worker(job_id: int) -> str:
    """`run` in a worker's thread: its own database connection, closed when done."""
    close_old_connections()
    try:
        return run(job_id)
    finally:
        from django.db import connection

        connection.close()


# --- who may see what ---------------------------------------------------------------------


def administers(user: Any) -> bool:
    """Administrators of every establishment (superusers too): they may see every job and
    start the estate-wide ones."""
    from planwatch.web.access import permissions

    return bool(user.is_authenticated) and permissions.everywhere(
        user, permissions.Ability.ADD_ESTABLISHMENT
    )


def may_see(user: Any, job: Job) -> bool:
    """A job is seen by the person who started it, and by administrators."""
    if not user.is_authenticated:
        return False
    return job.user_id == user.pk or administers(user)


def visible_jobs(user: Any) -> Any:
    jobs = Job.objects.select_related("user", "establishment")
    return jobs if administers(user) else jobs.filter(user=user)


def no_worker() -> bool:
    """Whether no worker has shown a sign of life in the last minute (queue only): a job
    waiting then waits for someone to start `planwatch worker`."""
    if not queued():
        return False
    from procrastinate.contrib.django.models import ProcrastinateWorker

    recent = timezone.now() - datetime.timedelta(minutes=1)
    return not ProcrastinateWorker.objects.filter(last_heartbeat__gte=recent).exists()
