"""An action's page and its progress; evidence files; judgements on a concern; corrections;
a concern's area and topics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.plans import forms, integrity, rules, services, themes
from planwatch.web.plans.models import (
    Action,
    Concern,
    Evidence,
    Judgement,
    Plan,
    ProgressUpdate,
)
from planwatch.web.plans.views.common import (
    action_by_pk,
    concern_by_pk,
    evidence_by_pk,
    form_status,
    judgement_by_pk,
    page,
    refused,
    update_by_pk,
)
from planwatch.web.plans.views.plans import shown_status


def _action_context(request: HttpRequest, action: Action, form: Any) -> dict[str, Any]:
    plan = action.plan
    where = plan.inspection.establishment_id
    standing = Plan.objects.standing(plan, rules.today())
    refusal = services.accepts_updates(action)
    report = services.quality_report(plan)
    return {
        "action": action,
        "plan": plan,
        "standing": standing,
        "standing_message": standing.message(plan),
        "in_force_href": _in_force_href(action, standing),
        "status": shown_status(action, standing, rules.today()),
        "updates": action.updates()
        .select_related("author", "action__plan", "corrects")
        .prefetch_related("evidence"),
        "history": action.history.all().select_related("history_user")[:50],
        "form": form,
        "can_update": refusal is None and permissions.can_update(request.user, action),
        "private": permissions.can_read_private(request.user, where),
        "findings": report.for_action(action.concern.ref, action.number),
    }


def _in_force_href(action: Action, standing: Any) -> str | None:
    """Where the version in force is: the same action in it, else the plan itself."""
    if standing.newer is None:
        return None
    same = Action.objects.filter(plan=standing.newer, lineage=action.lineage).first()
    return same.get_absolute_url() if same is not None else str(standing.newer.get_absolute_url())


@requires(Need.READ, load=action_by_pk)
def action_page(request: HttpRequest, action: Action) -> HttpResponse:
    """An action's whole history, and the form to post an update."""
    form = forms.ProgressUpdateForm(action=action, initial={"status": action.status})
    return page(request, "actions/action.html", _action_context(request, action, form))


@requires(Need.UPDATE, load=action_by_pk)
def post_update(request: HttpRequest, action: Action) -> HttpResponse:
    if request.method != "POST":
        return redirect(action.get_absolute_url())
    form = forms.ProgressUpdateForm(request.POST, request.FILES, action=action)
    if form.is_valid():
        try:
            services.record_update(action, request.user, **form.update_values())
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, "Your update has been saved")
            return redirect(action.get_absolute_url())
    context = _action_context(request, action, form)
    return page(request, "actions/action.html", context, status=400)


@requires(Need.UPDATE, load=update_by_pk)
def correct_update(request: HttpRequest, update: ProgressUpdate) -> HttpResponse:
    """Replace a wrong update by a corrected one that says why; both stay in the history."""
    action = update.action
    form = forms.CorrectionForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "status": update.status,
            "note": update.note,
            "evidence_date": update.evidence_date,
            "new_target_date": update.new_target_date,
            "deferral_reason": update.deferral_reason or "",
        },
        action=action,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_update(
                update, request.user, reason=form.cleaned_data["reason"], **form.update_values()
            )
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, "The correction has been saved")
            # The update may have been posted on a version since superseded: back to the
            # same action in the newest version, the one in force.
            return redirect((Action.objects.newest_of(action.lineage) or action).get_absolute_url())
    return page(
        request,
        "actions/correct_update.html",
        {"action": action, "update": update, "form": form},
        status=form_status(form),
    )


@requires(Need.READ_PRIVATE, load=evidence_by_pk)
def evidence_file(request: HttpRequest, evidence: Evidence) -> FileResponse:
    """An evidence file, always as a download, and only if it is what was uploaded."""
    if not integrity.evidence_intact(evidence):
        raise Http404("This evidence file is missing or was changed after it was uploaded")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(Need.JUDGE, load=concern_by_pk)
def judge_concern(request: HttpRequest, concern: Concern) -> HttpResponse:
    form = forms.JudgementForm(request.POST or None, initial={"judged_on": rules.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_judgement(concern, request.user, **form.cleaned_data)
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, f"Judgement recorded for concern {concern.ref}")
            return redirect(concern.plan.get_absolute_url() + f"#concern-{concern.pk}")
    return page(
        request,
        "actions/judge.html",
        {
            "concern": concern,
            "form": form,
            "judgements": Judgement.objects.of_concern(concern.plan.inspection_id, concern.ref)
            .select_related("judged_by", "corrects")
            .order_by("-recorded_at", "-pk"),
        },
        status=form_status(form),
    )


@requires(Need.JUDGE, load=judgement_by_pk)
def correct_judgement(request: HttpRequest, judgement: Judgement) -> HttpResponse:
    """Correct a judgement (a new rating) or withdraw it, with the reason."""
    form = forms.JudgementCorrectionForm(request.POST or None, initial={"rating": judgement.rating})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_judgement(
                judgement.concern,
                request.user,
                rating="" if data["rating"] == forms.WITHDRAW else data["rating"],
                reason=data["reason"],
                judged_on=judgement.judged_on,
                corrects=judgement,
            )
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            done = "withdrawn" if data["rating"] == forms.WITHDRAW else "corrected"
            messages.success(
                request, f"The judgement on concern {judgement.concern_ref} was {done}"
            )
            return redirect(judgement.concern.plan.get_absolute_url())
    return page(
        request,
        "actions/correct_judgement.html",
        {"judgement": judgement, "form": form},
        status=form_status(form),
    )


@requires(Need.CLASSIFY, load=concern_by_pk)
def concern_themes(request: HttpRequest, concern: Concern) -> HttpResponse:
    """Correct a concern's area and topics; the corrections so far, newest first."""
    topics = concern.topic_keys()
    form = forms.ThemesForm(
        request.POST or None, initial={"area": concern.area or None, "topics": topics}
    )
    if request.method == "POST" and form.is_valid():
        written = themes.correct(
            concern, request.user, form.cleaned_data["area"], form.cleaned_data["topics"]
        )
        messages.success(
            request,
            f"Area and topics of concern {concern.ref} saved"
            if written
            else f"Area and topics of concern {concern.ref} confirmed",
        )
        return redirect(concern.plan.get_absolute_url() + f"#concern-{concern.pk}")
    return page(
        request,
        "actions/themes.html",
        {
            "concern": concern,
            "form": form,
            "links": list(concern.topic_links.all()),
            "corrections": themes.history(concern),
        },
        status=form_status(form),
    )
