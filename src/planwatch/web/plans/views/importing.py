"""Upload plan files: one is read by content and refused whole if anything is wrong; several,
or an archive of them, are imported as a background job, file by file."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from planwatch.readers.plan_archive import is_plan_archive
from planwatch.web.access.decorators import Need, requires
from planwatch.web.plans import forms, jobs, services
from planwatch.web.plans.services import import_refusal
from planwatch.web.plans.views.common import form_status, page

__all__ = ["import_refusal", "upload"]


@requires(Need.EDIT_ANY)
def upload(request: HttpRequest) -> HttpResponse:
    form = forms.PlanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploads = form.cleaned_data["file"]
        if len(uploads) > 1 or is_plan_archive(uploads[0]):
            job = jobs.start_import(
                request.user, [jobs.Upload(item.name, item) for item in uploads]
            )
            return redirect(job.get_absolute_url())
        upload_file = uploads[0]
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
