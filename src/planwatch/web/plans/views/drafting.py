"""Drafting a plan: start it, add and change concerns and actions, submit it, amend it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from planwatch import labels
from planwatch.reports_in import ReportReadError
from planwatch.reports_in.inspection_report import read_report_bytes
from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.plans import forms, rules, services
from planwatch.web.plans.models import Action, Category, Concern, Establishment, Plan
from planwatch.web.plans.views.common import (
    action_by_pk,
    concern_by_pk,
    form_status,
    page,
    plan_by_pk,
    refused,
)


def _draft_only(plan: Plan) -> HttpResponse | None:
    """A submitted plan's drafting pages send people to the plan, with the reason."""
    return None if plan.is_draft else redirect(plan.get_absolute_url())


def _back_to(
    plan: Plan, concern: Concern | None = None, action: Action | None = None
) -> HttpResponse:
    """Back to the draft, at the action just saved (beside its findings) or its concern."""
    if action is not None:
        anchor = f"#action-{action.pk}"
    else:
        anchor = f"#concern-{concern.pk}" if concern is not None else ""
    return redirect(reverse("edit-plan", args=[plan.pk]) + anchor)


@requires(Need.EDIT_ANY)
def new_plan(request: HttpRequest) -> HttpResponse:
    """Start drafting a plan: which establishment and inspection it answers."""
    establishments = Establishment.objects.editable_by(request.user)
    form = forms.DraftPlanForm(request.POST or None, establishments=establishments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        establishment = establishments.get(pk=data["establishment"])
        try:
            plan = services.start_draft(
                establishment,
                data["inspection_start"],
                data["inspection_end"],
                data["report_published"],
                request.user,
            )
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, "Draft plan started: add its concerns and actions")
            return redirect("edit-plan", plan.pk)
    return page(
        request,
        "drafting/new.html",
        {"form": form, "report_form": forms.ReportUploadForm()},
        status=form_status(form),
    )


def _report_establishment(user: object, name: str | None) -> tuple[Establishment | None, str]:
    """The establishment a report names, and why this user may not draft for it ("" if they
    may; with no establishment held and no reason, an administrator adds it)."""
    held = services.establishment_named(name)
    if held is None:
        if name and permissions.everywhere(user, permissions.Ability.ADD_ESTABLISHMENT):
            return None, ""
        return None, (
            f"{name or 'the establishment it names'} is not held here: ask an administrator "
            "to add it"
        )
    if not permissions.can_edit(user, held.pk):
        return held, f"you cannot draft plans for {held.name}"
    return held, ""


@requires(Need.EDIT_ANY)
def new_plan_from_report(request: HttpRequest) -> HttpResponse:
    """Start a draft from the inspection report: its dates and every concern as printed."""
    if request.method != "POST":
        return redirect("new-plan")
    report_form = forms.ReportUploadForm(request.POST, request.FILES)
    if report_form.is_valid():
        upload = report_form.cleaned_data["file"]
        try:
            report = read_report_bytes(upload.read(), upload.name)
        except ReportReadError as error:
            report_form.add_error("file", str(error))
        else:
            establishment, reason = _report_establishment(request.user, report.establishment)
            if reason:
                report_form.add_error("file", f"{upload.name}: {reason}")
            else:
                try:
                    plan = services.start_draft_from_report(
                        report, establishment, request.user, upload.name
                    )
                except services.Refused as refusal:
                    refused(report_form, refusal)
                else:
                    count = len(report.warnings)
                    warned = (
                        f"; {count} thing{'s' if count != 1 else ''} to check below"
                        if count
                        else ""
                    )
                    messages.success(
                        request,
                        f"Draft plan started from the report with its {len(report.concerns)} "
                        f"concerns{warned}: add the actions",
                    )
                    return redirect("edit-plan", plan.pk)
    establishments = Establishment.objects.editable_by(request.user)
    return page(
        request,
        "drafting/new.html",
        {"form": forms.DraftPlanForm(establishments=establishments), "report_form": report_form},
        status=form_status(report_form),
    )


@requires(Need.EDIT, load=plan_by_pk)
def edit_plan(request: HttpRequest, plan: Plan) -> HttpResponse:
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    concern_form = forms.ConcernForm(
        request.POST or None, initial={"category": Category.KEY}, prefix="concern"
    )
    if request.method == "POST" and concern_form.is_valid():
        try:
            concern = services.save_concern(plan, concern_form.cleaned_data)
        except services.Refused as refusal:
            refused(concern_form, refusal)
        else:
            messages.success(request, f"Concern {concern.ref} added")
            return redirect("edit-plan", plan.pk)
    inspection = plan.inspection
    return page(
        request,
        "drafting/edit.html",
        {
            "plan": plan,
            "concerns": plan.concerns.prefetch_related("actions"),
            "form": concern_form,
            "report": services.quality_report(plan),
            "submit_form": forms.SubmitPlanForm(initial={"submitted_on": rules.today()}),
            "dates_form": forms.DraftPlanDatesForm(
                initial={
                    "inspection_start": inspection.start,
                    "inspection_end": inspection.end,
                    "report_published": inspection.report_published,
                }
            ),
        },
        status=form_status(concern_form),
    )


@requires(Need.EDIT, load=plan_by_pk)
def edit_dates(request: HttpRequest, plan: Plan) -> HttpResponse:
    """Correct the inspection's and the report's dates on a draft."""
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    inspection = plan.inspection
    form = forms.DraftPlanDatesForm(
        request.POST or None,
        initial={
            "inspection_start": inspection.start,
            "inspection_end": inspection.end,
            "report_published": inspection.report_published,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_draft_dates(
                plan, data["inspection_start"], data["inspection_end"], data["report_published"]
            )
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, "The inspection's dates were changed")
            return redirect("edit-plan", plan.pk)
    return page(
        request, "drafting/dates.html", {"plan": plan, "form": form}, status=form_status(form)
    )


@requires(Need.EDIT, load=concern_by_pk)
def add_action(request: HttpRequest, concern: Concern) -> HttpResponse:
    plan = concern.plan
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    form = forms.ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.save_action(concern, form.cleaned_data)
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, f"Action {action.label} added")
            return _back_to(plan, action=action)
    return page(
        request,
        "drafting/action.html",
        {"plan": plan, "concern": concern, "form": form, "title": "Add an action"},
        status=form_status(form),
    )


@requires(Need.EDIT, load=action_by_pk)
def edit_action(request: HttpRequest, action: Action) -> HttpResponse:
    plan = action.plan
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    form = forms.ActionForm(
        request.POST or None,
        initial={"text": action.text, "owner": action.owner, "target_text": action.target_text},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_action(action.concern, form.cleaned_data, action)
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, f"Action {action.label} changed")
            return _back_to(plan, action=action)
    return page(
        request,
        "drafting/action.html",
        {
            "plan": plan,
            "concern": action.concern,
            "form": form,
            "title": f"Change action {action.label}",
        },
        status=form_status(form),
    )


@requires(Need.EDIT, load=action_by_pk)
def delete_action(request: HttpRequest, action: Action) -> HttpResponse:
    """Ask first (GET), remove on confirmation (POST)."""
    plan = action.plan
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    if request.method == "POST":
        concern = action.concern
        try:
            services.delete_action(action)
        except services.Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"Action {action.label} removed")
        return _back_to(plan, concern)
    return page(
        request,
        "drafting/confirm.html",
        {
            "plan": plan,
            "title": f"Remove action {action.label}?",
            "text": action.text,
            "button": "Remove the action",
        },
    )


@requires(Need.EDIT, load=concern_by_pk)
def edit_concern(request: HttpRequest, concern: Concern) -> HttpResponse:
    plan = concern.plan
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    form = forms.ConcernForm(
        request.POST or None,
        initial={
            "ref": concern.ref,
            "category": concern.category,
            "agreement": concern.agreement,
            "text": concern.text,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_concern(plan, form.cleaned_data, concern)
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, f"Concern {concern.ref} changed")
            return redirect("edit-plan", plan.pk)
    return page(
        request,
        "drafting/concern.html",
        {"plan": plan, "concern": concern, "form": form},
        status=form_status(form),
    )


@requires(Need.EDIT, load=concern_by_pk)
def delete_concern(request: HttpRequest, concern: Concern) -> HttpResponse:
    plan = concern.plan
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    if request.method == "POST":
        try:
            services.delete_concern(concern)
        except services.Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"Concern {concern.ref} removed")
        return redirect("edit-plan", plan.pk)
    return page(
        request,
        "drafting/confirm.html",
        {
            "plan": plan,
            "title": f"Remove concern {concern.ref} and its actions?",
            "text": concern.text,
            "detail": _removed_with(concern),
            "button": "Remove the concern",
        },
    )


def _removed_with(concern: Concern) -> str:
    count = concern.actions.count()
    if not count:
        return "It has no actions."
    return f"Its {labels.plural(count, 'action')} will be removed too."


@requires(Need.EDIT, load=plan_by_pk)
def submit_plan(request: HttpRequest, plan: Plan) -> HttpResponse:
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    if request.method != "POST":
        return redirect("edit-plan", plan.pk)
    form = forms.SubmitPlanForm(request.POST)
    if form.is_valid():
        try:
            services.submit(
                plan,
                form.cleaned_data["submitted_on"],
                confirm_early_targets=form.cleaned_data["confirm"],
            )
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, "The plan is submitted: changes now make a new version")
            return redirect(plan.get_absolute_url())
    return page(
        request, "drafting/submit.html", {"plan": plan, "form": form}, status=form_status(form)
    )


@requires(Need.EDIT, load=plan_by_pk)
def amend_plan(request: HttpRequest, plan: Plan) -> HttpResponse:
    """Start a new draft version of a submitted plan; its actions carry their progress over."""
    if request.method != "POST":
        return redirect(plan.get_absolute_url())
    if plan.is_draft:
        return redirect("edit-plan", plan.pk)
    draft = services.amend(plan, request.user)
    messages.success(request, f"Version {draft.version} is a draft: change it, then submit it")
    return redirect("edit-plan", draft.pk)


@requires(Need.EDIT, load=action_by_pk)
def consider_finding(request: HttpRequest, action: Action) -> HttpResponse:
    """Mark one of a draft action's open quality findings as considered, with the reason: it
    is then shown as considered, here and in the submitted plan's quality report."""
    plan = action.plan
    if (elsewhere := _draft_only(plan)) is not None:
        return elsewhere
    findings = services.considerable_findings(action)
    form = forms.ConsiderFindingForm(
        request.POST or None, findings=findings, initial={"rule": request.GET.get("rule")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consider_finding(
                action, form.cleaned_data["rule"], form.cleaned_data["reason"], request.user
            )
        except services.Refused as refusal:
            refused(form, refusal)
        else:
            messages.success(request, f"Finding on action {action.label} marked as considered")
            return _back_to(plan, action=action)
    return page(
        request,
        "drafting/consider.html",
        {"plan": plan, "action": action, "findings": findings, "form": form},
        status=form_status(form),
    )
