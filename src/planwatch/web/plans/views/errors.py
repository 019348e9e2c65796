"""Error pages: refused, not found, a stale form, and the server's own failure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from planwatch.web.plans.views.common import page


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return page(request, "errors/403.html", {}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return page(request, "errors/404.html", {}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page open too long (or from another site): say what to do."""
    return page(request, "errors/csrf.html", {}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", {}, status=500)


def too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
    """A form whose files together are over the limit: refused before they are read."""
    return page(
        request,
        "errors/413.html",
        {"size_mb": f"{length / 1_000_000:.0f}", "limit_mb": f"{limit / 1_000_000:.0f}"},
        status=413,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return page(request, "errors/400.html", {}, status=400)
