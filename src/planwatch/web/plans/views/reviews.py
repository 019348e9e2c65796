"""Record judgements from an independent review of progress: upload it, confirm each match."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from planwatch import labels
from planwatch.dates import parse_iso_date
from planwatch.reports_in import ReportReadError
from planwatch.reports_in.irp import Review, match_items, read_review_bytes
from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.plans import forms, services
from planwatch.web.plans.models import Plan
from planwatch.web.plans.views.common import form_status, page, plan_by_pk

# The review read, kept between the upload and its confirmation (nothing is recorded before).
SESSION_KEY = "planwatch_review"
HOW = {"number": "By number", "text": "By text", "": "Not matched"}


@requires(Need.JUDGE_ANY)
def upload_review(request: HttpRequest) -> HttpResponse:
    form = forms.ReviewUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        display = PurePath(upload.name).name
        try:
            review = read_review_bytes(upload.read(), display)
        except ReportReadError as error:
            form.add_error("file", str(error))
        else:
            plan, notes = services.plan_reviewed(review)
            if plan is None:
                form.add_error("file", f"{display}: {notes[0]}")
            elif not permissions.can_judge(request.user, plan.inspection.establishment_id):
                form.add_error(
                    "file",
                    f"{display}: you may record judgements only for the establishments you "
                    f"inspect, and {plan.establishment.name} is not one of them; nothing was "
                    "recorded",
                )
            elif review.judged_on is None:
                form.add_error(
                    "file",
                    f"{display}: the review's dates could not be read, so its judgements "
                    "cannot be dated; nothing was recorded: record them on each concern's page",
                )
            else:
                request.session[SESSION_KEY] = {
                    "plan": plan.pk,
                    "name": display,
                    "review": review.to_dict(),
                    "notes": notes,
                }
                return redirect("confirm-review", plan.pk)
    return page(request, "reviews/upload.html", {"form": form}, status=form_status(form))


@requires(Need.JUDGE, load=plan_by_pk)
def confirm_review(request: HttpRequest, plan: Plan) -> HttpResponse:
    """Every judgement in the review beside the concern it is matched to; recorded (as this
    inspector, with the review's date) only when confirmed."""
    stored = request.session.get(SESSION_KEY)
    if not stored or stored.get("plan") != plan.pk:
        messages.info(request, "Upload the review of progress: its judgements are shown to confirm")
        return redirect("review-upload")
    review = Review.from_dict(stored["review"])
    assert review.judged_on is not None
    judged_on = parse_iso_date(review.judged_on)
    concerns = list(plan.concerns.order_by("position"))
    matches = match_items(review.items, [(concern.ref, concern.text) for concern in concerns])
    rows = [
        {"item": match.item, "concern_ref": match.concern_ref, "how": HOW[match.how]}
        for match in matches
    ]
    form = forms.ReviewConfirmForm(request.POST or None, rows=rows, concerns=concerns)
    if request.method == "POST" and form.is_valid():
        by_ref = {concern.ref: concern for concern in concerns}
        chosen = [
            services.ReviewJudgement(
                by_ref[ref], row["item"].rating, services.review_reason(review, row["item"])
            )
            for row, bound in form.rows
            if bound is not None and (ref := form.cleaned_data.get(bound.name))
        ]
        if not chosen:
            form.add_error(
                None, "Choose a concern for at least one judgement; nothing was recorded"
            )
        else:
            try:
                recorded, held = services.record_review(plan, request.user, chosen, judged_on)
            except services.Refused as refusal:
                form.add_error(None, f"{refusal.message}; nothing was recorded")
            else:
                del request.session[SESSION_KEY]
                again = f"; {labels.plural(held, 'judgement')} already held" if held else ""
                messages.success(
                    request,
                    f"{labels.plural(recorded, 'judgement')} recorded from the review{again}",
                )
                return redirect(plan.get_absolute_url())
    return page(
        request,
        "reviews/confirm.html",
        {
            "plan": plan,
            "review": review,
            "name": stored["name"],
            "notes": [*stored["notes"], *review.warnings],
            "judged_on": judged_on,
            "form": form,
            "rating_labels": labels.RATINGS,
        },
        status=form_status(form),
    )
