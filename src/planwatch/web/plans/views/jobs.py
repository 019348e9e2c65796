"""Background jobs' pages: each job's progress and result, the jobs a person started, and
the estate-wide jobs administrators start."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from planwatch import labels
from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.plans import jobs, rules
from planwatch.web.plans.job_models import Job
from planwatch.web.plans.models import Establishment
from planwatch.web.plans.reminders import DEFAULT_WINDOW_DAYS
from planwatch.web.plans.views.common import as_of_filter, establishment_by_slug, page
from planwatch.web.plans.views.reports import _chosen_plan


def job_by_pk(pk: int) -> Job:
    return get_object_or_404(Job.objects.select_related("user", "establishment"), pk=pk)


def when(moment: datetime.datetime | None) -> str:
    """ "26 November 2026 at 5:40pm", in the service's time zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    hour = local.strftime("%I").lstrip("0")
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local.strftime('%p').lower()}"


def _context(job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "kind": labels.JOB_KINDS[job.kind],
        "state": labels.JOB_STATES[job.state],
        "state_tag": labels.JOB_TAGS[job.state],
        "when": when,
        "outcomes": labels.IMPORT_OUTCOMES,
        "outcome_tags": labels.IMPORT_TAGS,
    }


@requires(Need.JOB, load=job_by_pk)
def job_page(request: HttpRequest, job: Job) -> HttpResponse:
    """Where a job stands: reloads itself every few seconds until it has finished (a meta
    refresh, no JavaScript), then shows what came of it."""
    context = _context(job)
    items = list(job.items.select_related("plan__inspection__establishment"))
    context.update(
        {
            "items": items,
            "refused": [item for item in items if item.outcome == "refused"],
            "refresh": None if job.finished else settings.PLANWATCH_JOB_REFRESH_SECONDS,
            "no_worker": job.state == Job.State.QUEUED and jobs.no_worker(),
            "can_download": bool(job.result) and _may_download(request.user, job),
        }
    )
    return page(request, "jobs/job.html", context)


def _may_download(user: Any, job: Job) -> bool:
    """A report's PDF is for readers of its establishment, as the report itself."""
    if job.establishment_id is None:
        return True
    return permissions.may(user, permissions.Ability.READ, job.establishment_id)


@requires(Need.JOB, load=job_by_pk)
def job_result(request: HttpRequest, job: Job) -> FileResponse:
    """What the job made (a report's PDF), downloaded."""
    if not job.result:
        raise Http404("This job made no file")
    permissions.require(_may_download(request.user, job))
    return FileResponse(
        job.result.open("rb"),
        as_attachment=True,
        filename=job.result_name or "result",
        content_type="application/pdf",
    )


@requires(Need.SIGNED_IN)
def job_list(request: HttpRequest) -> HttpResponse:
    """The jobs a person started, newest first (every job, for administrators)."""
    shown = list(jobs.visible_jobs(request.user)[:50])
    return page(
        request,
        "jobs/list.html",
        {
            "jobs": [_context(job) for job in shown],
            "everyone": jobs.administers(request.user),
            "when": when,
        },
    )


@requires(Need.READ, load=establishment_by_slug)
def report_pdf_job(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    """Start making the progress report as a PDF (POST from the report page); its job's page
    offers the file when it is ready."""
    report = reverse("progress-report", kwargs={"slug": establishment.slug})
    if request.method != "POST":
        return redirect(report)
    chosen_day = as_of_filter(request, label="Report as of")
    if chosen_day.error:
        return redirect(report)
    plan = _chosen_plan(request, establishment)
    if not request.user.is_authenticated:
        # A visitor (public read) has no jobs of their own: the PDF is made there and then.
        query = request.GET.urlencode()
        pdf = reverse("progress-report-pdf", kwargs={"slug": establishment.slug})
        return redirect(f"{pdf}?{query}" if query else pdf)
    job = jobs.start_report(request.user, establishment, chosen_day.day, plan)
    return redirect(job.get_absolute_url())


@requires(Need.ADMINISTER)
def estate_work(request: HttpRequest) -> HttpResponse:
    """Estate-wide work that takes minutes: similar concerns, areas and topics worked out
    again; today's reminders sent."""
    if request.method == "POST":
        what = request.POST.get("work")
        if what == "recompute":
            return redirect(jobs.start_recompute(request.user).get_absolute_url())
        if what == "reminders":
            job = jobs.start_reminders(request.user, rules.today(), DEFAULT_WINDOW_DAYS)
            return redirect(job.get_absolute_url())
    return page(
        request,
        "jobs/estate.html",
        {"window": DEFAULT_WINDOW_DAYS},
        status=400 if request.method == "POST" else 200,
    )
