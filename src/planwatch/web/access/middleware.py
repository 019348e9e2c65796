"""One answer to a refusal: visitors are asked to sign in, signed-in users get the 403 page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


class PermissionDeniedMiddleware:
    """Answers PermissionDenied before Django logs it: a refusal is not an error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PermissionDenied):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        from planwatch.web.plans.views.errors import forbidden

        response = forbidden(request, exception)
        # Django would log every 403 answer as a warning: a refusal is not an error.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


class RequestSizeMiddleware:
    """Refuses a request body larger than PLANWATCH_MAX_REQUEST_BYTES before any of it is read:
    files are streamed to disk only for requests within the limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.PLANWATCH_MAX_REQUEST_BYTES
        if length > limit:
            from planwatch.web.plans.views.errors import too_large

            return too_large(request, length, limit)
        return self.get_response(request)
