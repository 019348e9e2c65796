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
