"""Upload a plan file: read by content, refused whole if anything is wrong."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.plans import forms, services
from planwatch.web.plans.models import Establishment
from planwatch.web.plans.views.common import form_status, page


def import_refusal(user: Any, establishment_name: str) -> str | None:
    """Why this user may not import a plan for that establishment (None if they may)."""
    establishment = Establishment.objects.filter(name=establishment_name).first()
    if establishment is None:
        if permissions.everywhere(user, permissions.Ability.ADD_ESTABLISHMENT):
            return None
        return f"{establishment_name} is not yet held here: ask an administrator to import it"
    if permissions.can_edit(user, establishment.pk):
        return None
    return f"you cannot import plans for {establishment_name}"


@requires(Need.EDIT_ANY)
def upload(request: HttpRequest) -> HttpResponse:
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        result = services.import_plan_bytes(
            upload_file.read(),
            upload_file.name,
            user=request.user,
            allowed=lambda name: import_refusal(request.user, name),
        )
        if result.outcome == "refused":
            form.add_error("file", result.message)
        else:
            if result.outcome == "imported":
                messages.success(request, result.message)
            else:
                messages.info(request, result.message)
            assert result.plan is not None
            return redirect(result.plan.get_absolute_url())
    return page(request, "importing/upload.html", {"form": form}, status=form_status(form))
