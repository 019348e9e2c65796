"""What the people running the service need: a health check, metrics and a log line a request."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import Counter, Histogram

REQUESTS = logging.getLogger("planwatch.requests")

# Counters beside django-prometheus' request metrics, for the work the service exists to do.
IMPORTS = Counter(
    "planwatch_imports",
    "Plan files imported, by outcome (imported, skipped, refused) and format (pdf, docx, odt, "
    "text, other)",
    ["outcome", "format"],
)
REMINDERS = Counter("planwatch_reminders", "Reminder emails, by whether they were sent", ["sent"])
# Background jobs (web/plans/jobs.py), counted where they run: the worker on PostgreSQL (its
# own /metrics, `planwatch worker --metrics-port`), the web server on SQLite.
JOBS_STARTED = Counter("planwatch_jobs_started", "Background jobs started, by kind", ["kind"])
JOBS_SUCCEEDED = Counter(
    "planwatch_jobs_succeeded", "Background jobs that finished, by kind", ["kind"]
)
JOBS_FAILED = Counter(
    "planwatch_jobs_failed", "Background jobs that stopped with an error, by kind", ["kind"]
)
JOB_SECONDS = Histogram(
    "planwatch_job_duration_seconds",
    "How long background jobs ran, by kind",
    ["kind"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200),
)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers and the file store takes and gives back a file; 503,
    naming what failed, otherwise. Open to all: it says nothing about what is held."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # any failure of the database is the answer, not an error
        checks["database"] = "failing"
    try:
        name = default_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
        try:
            with default_storage.open(name, "rb") as handle:
                readable = handle.read() == b"ok"
        finally:
            default_storage.delete(name)
        checks["storage"] = "ok" if readable else "failing"
    except Exception:  # any failure of the store is the answer, not an error
        checks["storage"] = "failing"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **checks}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the scraper only: with PLANWATCH_METRICS_TOKEN set, requests
    that bear it; otherwise requests from this machine (the scraper beside the server)."""
    from django_prometheus.exports import ExportToDjangoView

    token = settings.PLANWATCH_METRICS_TOKEN
    if token:
        allowed = request.headers.get("Authorization", "") == f"Bearer {token}"
    else:
        allowed = request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")
    if not allowed:
        return HttpResponse(
            "Metrics are for the monitoring service only.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return ExportToDjangoView(request)


class RequestLogMiddleware:
    """One log line a request: method, path (never the query, which may hold names), status,
    time taken and the user's id, nothing else about the person."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        took = round((time.perf_counter() - started) * 1000, 1)
        REQUESTS.info(
            "%s %s %s %sms user=%s",
            request.method,
            request.path,
            response.status_code,
            took,
            user_id if user_id is not None else "-",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": took,
                "user_id": user_id,
            },
        )
        return response


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The GOV.UK icon at /favicon.ico, where browsers and tools look for it unasked (pages
    name it under /assets/ too): a day in caches."""
    from pathlib import Path

    from django.contrib.staticfiles import finders
    from django.http import Http404

    found = finders.find("images/favicon.ico")
    if not found:
        raise Http404("No icon is installed")
    response = HttpResponse(Path(str(found)).read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
