"""Pages: establishments, plans, actions and their progress, due and overdue lists, drafting."""

from __future__ import annotations

import csv
import datetime
import functools
import hashlib
import io
import re
from collections import Counter

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from planwatch import writers
from planwatch.charts import render_svg
from planwatch.dates import parse_target
from planwatch.owners import OwnerIndex
from planwatch.quality import Report, check_plan
from planwatch.web.access import permissions
from planwatch.web.access.models import OwnerMapping
from planwatch.web.plans import exporting, forms, reports
from planwatch.web.plans.importing import carry_over, import_plan_bytes
from planwatch.web.plans.models import (
    OVERDUE,
    Action,
    Category,
    Concern,
    Establishment,
    Evidence,
    Inspection,
    Judgement,
    Plan,
    ProgressUpdate,
    Rating,
    Status,
    latest_updates,
    mark_current,
    overdue_q,
    url_for,
)
from planwatch.writers.pdf import html_to_pdf

STATUS_LABELS = {**dict(Status.choices), OVERDUE: "Overdue"}
STATUS_TAGS = {
    Status.NOT_STARTED: "govuk-tag--grey",
    Status.IN_PROGRESS: "govuk-tag--blue",
    Status.COMPLETED: "govuk-tag--green",
    Status.DEFERRED: "govuk-tag--yellow",
    OVERDUE: "govuk-tag--red",
}


def _deny(request: HttpRequest):
    """Anonymous visitors are asked to sign in; signed-in users are refused."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def _as_of(request: HttpRequest) -> tuple[datetime.date, str | None]:
    text = request.GET.get("as_of", "").strip()
    if not text:
        return datetime.date.today(), None
    try:
        return datetime.date.fromisoformat(text), None
    except ValueError:
        return datetime.date.today(), "Enter the date as year-month-day, for example 2024-07-31"


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("status_labels", STATUS_LABELS)
    context.setdefault("status_tags", STATUS_TAGS)
    context.setdefault("today", datetime.date.today())
    context.setdefault("permissions", permissions)
    return render(request, template, context, status=status)


def quality_report(plan: Plan) -> Report:
    """The quality findings on a plan. A submitted plan never changes, so its report is
    worked out once, kept with it, and held in memory once read; a draft's is worked out
    every time."""
    if plan.is_draft:
        return check_plan(plan.to_model())
    return _submitted_report(plan.pk, plan.created_at)


@functools.lru_cache(maxsize=1024)
def _submitted_report(plan_pk: int, created_at: datetime.datetime) -> Report:
    """Keyed by creation time as well, so that a number used again (tests roll back) is
    never taken for another plan."""
    stored = Plan.objects.filter(pk=plan_pk).values_list("quality", flat=True).first()
    if stored:
        return Report.from_dict(stored)
    report = check_plan(Plan.objects.get(pk=plan_pk).to_model())
    Plan.objects.filter(pk=plan_pk).update(quality=report.to_dict())
    return report


def _counts(actions, as_of: datetime.date) -> dict[str, int]:
    counts = Counter(action.display_status(as_of) for action in actions)
    return {
        "open": sum(count for status, count in counts.items() if status != Status.COMPLETED),
        "overdue": counts[OVERDUE],
        "completed": counts[Status.COMPLETED],
        "total": sum(counts.values()),
    }


def home(request: HttpRequest) -> HttpResponse:
    """Every establishment the user may read, with its latest plan's open, overdue and
    completed actions (counted in the database: the estate is large)."""
    establishments = permissions.visible_establishments(request.user, Establishment.objects.all())
    if not request.user.is_authenticated and not establishments.exists():
        return _page(request, "home_signed_out.html", {})
    today = datetime.date.today()
    editable = set(
        permissions.editable_establishments(request.user, Establishment.objects.all()).values_list(
            "pk", flat=True
        )
    )

    # The latest plan of each establishment (drafts only for those who may edit them),
    # chosen in Python from one small query rather than a subquery per establishment.
    never = datetime.date.min
    chosen: dict[int, tuple] = {}
    for pk, establishment_id, state, published, start, version in Plan.objects.filter(
        inspection__establishment__in=establishments
    ).values_list(
        "pk",
        "inspection__establishment_id",
        "state",
        "inspection__report_published",
        "inspection__start",
        "version",
    ):
        if state == Plan.State.DRAFT and establishment_id not in editable:
            continue
        rank = (published or never, start or never, version)
        if establishment_id not in chosen or rank > chosen[establishment_id][0]:
            chosen[establishment_id] = (rank, pk)
    plans = {
        plan["pk"]: {**plan, "url": url_for("plan", plan["pk"])}
        for plan in Plan.objects.filter(pk__in=[pk for _, pk in chosen.values()]).values(
            "pk", "version", "state", "submitted_on"
        )
    }
    counts = {
        row["plan"]: row
        for row in Action.objects.filter(plan__in=plans)
        .values("plan")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status=Status.COMPLETED)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by()
    }
    rows = []
    for establishment in establishments:
        plan = plans.get(chosen[establishment.pk][1]) if establishment.pk in chosen else None
        found = counts.get(plan["pk"] if plan else None, {"total": 0, "completed": 0, "overdue": 0})
        rows.append(
            {
                "establishment": establishment,
                "plan": plan,
                "open": found["total"] - found["completed"],
                "overdue": found["overdue"],
                "completed": found["completed"],
            }
        )
    return _page(request, "home.html", {"rows": rows})


def establishment_page(request: HttpRequest, slug: str) -> HttpResponse:
    establishment = get_object_or_404(Establishment, slug=slug)
    if not permissions.can_view(request.user, establishment):
        return _deny(request)
    plans = Plan.objects.filter(inspection__establishment=establishment).select_related(
        "inspection"
    )
    if not permissions.can_edit_plans(request.user, establishment):
        plans = plans.filter(state=Plan.State.SUBMITTED)
    return _page(
        request,
        "establishment.html",
        {
            "establishment": establishment,
            "plans": plans.order_by("-inspection__start", "-version"),
            "can_edit": permissions.can_edit_plans(request.user, establishment),
        },
    )


def _plan_or_deny(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(
        Plan.objects.select_related("inspection__establishment").defer("quality"), pk=pk
    )
    if not permissions.can_view(request.user, plan.establishment, plan):
        raise _Denied
    return plan


class _Denied(Exception):
    """Raised inside a view to fall back to the sign-in redirect or a 403."""


def _guard(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _Denied:
            return _deny(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_guard
def plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan as published, with each action's status, latest update and quality findings."""
    plan = _plan_or_deny(request, pk)
    today = datetime.date.today()
    report = quality_report(plan)
    versions = list(plan.versions().only("pk", "version", "state", "submitted_on"))
    selected = {
        "status": request.GET.get("status", ""),
        "owner": request.GET.get("owner", ""),
        "category": request.GET.get("category", ""),
    }
    concerns = []
    all_actions = []
    stored = plan.concerns.prefetch_related("actions")
    latest = latest_updates([a for concern in stored for a in concern.actions.all()])
    judgements: dict[int, Judgement] = {}
    for judgement in Judgement.objects.filter(concern__plan=plan).order_by("recorded_at"):
        judgements[judgement.concern_id] = judgement
    for concern in stored:
        rows = []
        for action in concern.actions.all():
            all_actions.append(action)
            status = action.display_status(today)
            owners = action.owner_normalised.split("; ") if action.owner_normalised else []
            if selected["status"] and status != selected["status"]:
                continue
            if selected["owner"] and selected["owner"] not in owners:
                continue
            if selected["category"] and concern.category != selected["category"]:
                continue
            rows.append(
                {
                    "action": action,
                    "status": status,
                    "latest": latest.get(action.pk),
                    "findings": report.for_action(concern.ref, action.number),
                }
            )
        if rows:
            concerns.append(
                {
                    "concern": concern,
                    "rows": rows,
                    "findings": [
                        finding
                        for finding in report.findings
                        if finding.concern_ref == concern.ref and finding.action_number is None
                    ],
                    "judgement": judgements.get(concern.pk),
                }
            )
    owner_names = sorted(
        {name for action in all_actions for name in action.owner_normalised.split("; ") if name}
    )
    return _page(
        request,
        "plan.html",
        {
            "plan": plan,
            "concerns": concerns,
            "report": report,
            "plan_findings": [f for f in report.findings if f.concern_ref is None],
            "counts": _counts(all_actions, today),
            "selected": selected,
            "owner_names": owner_names,
            "categories": Category.choices,
            "can_edit": permissions.can_edit_plans(request.user, plan.establishment),
            "can_judge": permissions.can_judge(request.user),
            "versions": versions,
            "is_latest": versions[-1].pk == plan.pk,
            "previous": next((v for v in reversed(versions) if v.version < plan.version), None),
            "filtered": any(selected.values()),
        },
    )


@_guard
def plan_source(request: HttpRequest, pk: int) -> FileResponse:
    plan = _plan_or_deny(request, pk)
    if not plan.source_file:
        raise Http404("This plan was drafted here and has no source file")
    return FileResponse(plan.source_file.open("rb"), as_attachment=True, filename=plan.source_name)


def _action_changes(older: Plan, newer: Plan) -> dict[str, list]:
    """What changed between two versions: actions added, removed and changed."""
    new_actions = list(Action.objects.filter(concern__plan=newer).select_related("concern"))
    old_actions = list(Action.objects.filter(concern__plan=older).select_related("concern"))
    carried = {action.carried_from_id: action for action in new_actions if action.carried_from_id}
    changed, removed = [], []
    for old in old_actions:
        new = carried.get(old.pk)
        if new is None:
            removed.append(old)
            continue
        fields = [
            (label, getattr(old, name), getattr(new, name))
            for name, label in (("text", "Action"), ("owner", "Owner"), ("target_text", "Target"))
            if getattr(old, name) != getattr(new, name)
        ]
        if fields:
            changed.append({"old": old, "new": new, "fields": fields})
    added = [action for action in new_actions if action.carried_from_id is None]
    return {"added": added, "removed": removed, "changed": changed}


@_guard
def plan_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The plan as a document in the published layout, or as data with its statuses."""
    plan = _plan_or_deny(request, pk)
    if fmt not in writers.FORMATS:
        raise Http404("No such format")
    response = HttpResponse(
        writers.write([exporting.export_of(plan)], fmt), content_type=writers.MEDIA_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{exporting.file_name(plan, fmt)}"'
    return response


@_guard
def plan_compare(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_deny(request, pk)
    previous = plan.previous_version()
    if previous is None:
        raise Http404("This is the first version of the plan")
    return _page(
        request,
        "plan_compare.html",
        {"plan": plan, "previous": previous, **_action_changes(previous, plan)},
    )


@_guard
def action_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An action's whole history, and the form to post an update."""
    action = get_object_or_404(
        Action.objects.select_related("concern__plan__inspection__establishment"), pk=pk
    )
    plan = _plan_or_deny(request, action.concern.plan_id)
    can_update = permissions.can_update(request.user, action)
    form = forms.ProgressUpdateForm(action=action, initial={"status": action.status})
    if request.method == "POST":
        if not can_update:
            return _deny(request)
        form = forms.ProgressUpdateForm(request.POST, request.FILES, action=action)
        if form.is_valid():
            _record_update(action, form.cleaned_data, request.user)
            messages.success(request, "Your update has been saved")
            return redirect(action.get_absolute_url())
    return _page(
        request,
        "action.html",
        {
            "action": action,
            "plan": plan,
            "status": action.display_status(),
            "updates": action.updates().select_related("author").prefetch_related("evidence"),
            "history": action.history.all().select_related("history_user")[:50],
            "form": form,
            "can_update": can_update,
            "findings": check_plan(plan.to_model()).for_action(action.concern.ref, action.number),
        },
        status=400 if form.errors else 200,
    )


def _record_update(action: Action, data: dict, user) -> ProgressUpdate:
    with transaction.atomic():
        update = ProgressUpdate.objects.create(
            action=action,
            status=data["status"],
            note=data.get("note", "").strip(),
            evidence_date=data.get("evidence_date"),
            new_target_date=data.get("new_target_date")
            if data["status"] == Status.DEFERRED
            else None,
            author=user,
        )
        for upload in data.get("evidence_files") or []:
            content = upload.read()
            evidence = Evidence(
                update=update,
                name=upload.name[:255],
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
            evidence.file.save(upload.name, ContentFile(content), save=False)
            evidence.save()
        action.status = data["status"]
        if data["status"] == Status.DEFERRED:
            action.deferred_to = data["new_target_date"]
            action.deferral_reason = data.get("note", "").strip()
        action._change_reason = f"progress update {update.pk}"
        action.save()
    return update


def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(
        Evidence.objects.select_related("update__action__concern__plan__inspection__establishment"),
        pk=pk,
    )
    plan = evidence.update.action.concern.plan
    if not permissions.can_view(request.user, plan.establishment, plan):
        return _deny(request)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.name)


def judge_concern(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_object_or_404(
        Concern.objects.select_related("plan__inspection__establishment"), pk=pk
    )
    if not permissions.can_judge(request.user):
        return _deny(request)
    form = forms.JudgementForm(initial={"judged_on": datetime.date.today()})
    if request.method == "POST":
        form = forms.JudgementForm(request.POST)
        if form.is_valid():
            Judgement.objects.create(concern=concern, judged_by=request.user, **form.cleaned_data)
            messages.success(request, f"Judgement recorded for concern {concern.ref}")
            return redirect(concern.plan.get_absolute_url() + f"#concern-{concern.pk}")
    return _page(
        request,
        "judge.html",
        {"concern": concern, "form": form, "judgements": concern.judgements.all()},
        status=400 if form.errors else 200,
    )


def _visible_actions(user):
    """Actions in the latest submitted version of every plan the user may read."""
    actions = Action.objects.filter(current=True)
    if not permissions.sees_everything(user):
        establishments = permissions.visible_establishments(user, Establishment.objects.all())
        actions = actions.filter(concern__plan__inspection__establishment__in=establishments)
    return actions.select_related("concern__plan__inspection__establishment")


PAGE_SIZE = 50


def _paginate(request: HttpRequest, queryset):
    """One page of a long list; a page number past the end shows the last page."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _pagination(request: HttpRequest, page) -> dict | None:
    """Parameters for the GOV.UK pagination component, keeping the other query values."""
    if page.paginator.num_pages < 2:
        return None

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return f"?{query.urlencode()}"

    items = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
        if number == Paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": link(number), "current": number == page.number})
    result: dict = {"items": items}
    if page.has_previous():
        result["previous"] = {"href": link(page.previous_page_number())}
    if page.has_next():
        result["next"] = {"href": link(page.next_page_number())}
    return result


def _nothing_to_show(request: HttpRequest) -> bool:
    """A visitor who is not signed in, on a deployment that keeps plans private."""
    return (
        not request.user.is_authenticated
        and not permissions.visible_establishments(
            request.user, Establishment.objects.all()
        ).exists()
    )


def overdue(request: HttpRequest) -> HttpResponse:
    if _nothing_to_show(request):
        return _deny(request)
    as_of, error = _as_of(request)
    actions = (
        _visible_actions(request.user)
        .filter(overdue_q(as_of))
        .order_by("target_due", "concern__plan__inspection__establishment__name", "pk")
    )
    page = _paginate(request, actions)
    return _page(
        request,
        "overdue.html",
        {
            "page": page,
            "actions": page.object_list,
            "as_of": as_of,
            "error": error,
            "pagination": _pagination(request, page),
        },
        status=400 if error else 200,
    )


def due_soon(request: HttpRequest) -> HttpResponse:
    if _nothing_to_show(request):
        return _deny(request)
    error = None
    try:
        weeks = int(request.GET.get("weeks", "4"))
        if not 1 <= weeks <= 104:
            raise ValueError
    except ValueError:
        weeks, error = 4, "Enter a number of weeks from 1 to 104"
    today = datetime.date.today()
    until = today + datetime.timedelta(weeks=weeks)
    actions = (
        _visible_actions(request.user)
        .exclude(status=Status.COMPLETED)
        .filter(
            Q(deferred_to__isnull=False, deferred_to__gte=today, deferred_to__lte=until)
            | Q(deferred_to__isnull=True, target_due__gte=today, target_due__lte=until)
        )
        .order_by("target_due", "pk")
    )
    page = _paginate(request, actions)
    return _page(
        request,
        "due.html",
        {
            "page": page,
            "actions": page.object_list,
            "weeks": weeks,
            "until": until,
            "error": error,
            "pagination": _pagination(request, page),
        },
        status=400 if error else 200,
    )


def my_actions(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _deny(request)
    mappings = OwnerMapping.objects.filter(user=request.user)
    condition = Q(pk__in=[])
    for mapping in mappings:
        condition |= Q(
            concern__plan__inspection__establishment=mapping.establishment,
            owner_normalised__regex=_owner_regex(mapping.owner),
        )
    actions = _visible_actions(request.user).filter(condition).order_by("target_due")
    today = datetime.date.today()
    return _page(
        request,
        "my_actions.html",
        {
            "actions": actions,
            "mappings": mappings.select_related("establishment"),
            "today": today,
        },
    )


def _owner_regex(owner: str) -> str:
    return rf"(^|; ){re.escape(owner)}(; |$)"


def upload(request: HttpRequest) -> HttpResponse:
    """Upload a plan file; it is read by content, and refused whole if anything is wrong."""
    if not request.user.is_authenticated:
        return _deny(request)
    editable = permissions.editable_establishments(request.user, Establishment.objects.all())
    if not (editable.exists() or permissions.can_import_new_establishment(request.user)):
        raise PermissionDenied
    form = forms.UploadForm()
    if request.method == "POST":
        form = forms.UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            result = import_plan_bytes(
                upload_file.read(),
                upload_file.name,
                user=request.user,
                allowed=lambda name: _import_refusal(request.user, name),
            )
            if result.outcome == "refused":
                form.add_error("file", result.message)
            else:
                messages.success(request, result.message)
                return redirect(result.plan.get_absolute_url())
    return _page(request, "upload.html", {"form": form}, status=400 if form.errors else 200)


def _import_refusal(user, establishment_name: str) -> str | None:
    establishment = Establishment.objects.filter(name=establishment_name).first()
    if establishment is None:
        if permissions.can_import_new_establishment(user):
            return None
        return f"{establishment_name} is not yet held here: ask an administrator to import it"
    if permissions.can_edit_plans(user, establishment):
        return None
    return f"you cannot import plans for {establishment_name}"


# --- drafting -------------------------------------------------------------------------


def new_plan(request: HttpRequest) -> HttpResponse:
    """Start drafting a plan: which establishment and inspection it answers."""
    if not request.user.is_authenticated:
        return _deny(request)
    establishments = permissions.editable_establishments(request.user, Establishment.objects.all())
    if not establishments.exists():
        raise PermissionDenied
    form = forms.DraftPlanForm(establishments=establishments)
    if request.method == "POST":
        form = forms.DraftPlanForm(request.POST, establishments=establishments)
        if form.is_valid():
            data = form.cleaned_data
            establishment = establishments.get(pk=data["establishment"])
            with transaction.atomic():
                inspection, _ = Inspection.objects.get_or_create(
                    establishment=establishment,
                    start=data["inspection_start"],
                    end=data["inspection_end"],
                    defaults={"report_published": data["report_published"]},
                )
                latest = inspection.plans.order_by("-version").first()
                plan = Plan.objects.create(
                    inspection=inspection,
                    version=latest.version + 1 if latest else 1,
                    state=Plan.State.DRAFT,
                    created_by=request.user,
                )
            messages.success(request, "Draft plan started: add its concerns and actions")
            return redirect("edit-plan", plan.pk)
    return _page(request, "plan_new.html", {"form": form}, status=400 if form.errors else 200)


def _editable_draft(request: HttpRequest, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("inspection__establishment"), pk=pk)
    if not permissions.can_edit_plans(request.user, plan.establishment):
        raise _Denied
    if not plan.is_draft:
        raise PermissionDenied("A submitted plan cannot be changed: amend it as a new version")
    return plan


@_guard
def edit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_draft(request, pk)
    concern_form = forms.ConcernForm(
        request.POST if request.method == "POST" else None,
        initial={"category": Category.KEY},
        prefix="concern",
    )
    if request.method == "POST" and concern_form.is_valid():
        data = concern_form.cleaned_data
        position = (plan.concerns.aggregate(Max("position"))["position__max"] or -1) + 1
        Concern.objects.create(plan=plan, position=position, **data)
        messages.success(request, f"Concern {data['ref']} added")
        return redirect("edit-plan", plan.pk)
    report = check_plan(plan.to_model())
    return _page(
        request,
        "plan_edit.html",
        {
            "plan": plan,
            "concerns": plan.concerns.prefetch_related("actions"),
            "concern_form": concern_form,
            "report": report,
            "submit_form": forms.SubmitPlanForm(initial={"submitted_on": datetime.date.today()}),
        },
        status=400 if concern_form.errors else 200,
    )


@_guard
def add_action(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_object_or_404(Concern, pk=pk)
    plan = _editable_draft(request, concern.plan_id)
    form = forms.ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _save_action(Action(concern=concern), form.cleaned_data, plan)
        messages.success(request, f"Action added to concern {concern.ref}")
        return redirect(reverse("edit-plan", args=[plan.pk]) + f"#concern-{concern.pk}")
    return _page(
        request,
        "action_form.html",
        {"plan": plan, "concern": concern, "form": form, "title": "Add an action"},
        status=400 if form.errors else 200,
    )


@_guard
def edit_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.select_related("concern"), pk=pk)
    plan = _editable_draft(request, action.concern.plan_id)
    form = forms.ActionForm(
        request.POST or None,
        initial={"text": action.text, "owner": action.owner, "target_text": action.target_text},
    )
    if request.method == "POST" and form.is_valid():
        _save_action(action, form.cleaned_data, plan)
        messages.success(request, "Action changed")
        return redirect(reverse("edit-plan", args=[plan.pk]) + f"#concern-{action.concern_id}")
    return _page(
        request,
        "action_form.html",
        {"plan": plan, "concern": action.concern, "form": form, "title": "Change an action"},
        status=400 if form.errors else 200,
    )


def _save_action(action: Action, data: dict, plan: Plan) -> None:
    if action.pk is None:
        action.position = (
            action.concern.actions.aggregate(Max("position"))["position__max"] or -1
        ) + 1
    action.text = data["text"].strip()
    action.owner = data["owner"].strip()
    action.target_text = data["target_text"]
    action.target = parse_target(data["target_text"]) or ""
    action.save()
    _renormalise_owners(plan)


def _renormalise_owners(plan: Plan) -> None:
    actions = list(Action.objects.filter(concern__plan=plan))
    index = OwnerIndex(action.owner for action in actions)
    for action in actions:
        label = index.label(action.owner)
        if label != action.owner_normalised:
            action.owner_normalised = label
            action.save(update_fields=["owner_normalised"])


@_guard
@require_POST
def delete_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action, pk=pk)
    plan = _editable_draft(request, action.concern.plan_id)
    action.delete()
    messages.success(request, "Action removed")
    return redirect("edit-plan", plan.pk)


@_guard
def edit_concern(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_object_or_404(Concern, pk=pk)
    plan = _editable_draft(request, concern.plan_id)
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
        for name, value in form.cleaned_data.items():
            setattr(concern, name, value)
        concern.save()
        messages.success(request, f"Concern {concern.ref} changed")
        return redirect("edit-plan", plan.pk)
    return _page(
        request,
        "concern_form.html",
        {"plan": plan, "concern": concern, "form": form},
        status=400 if form.errors else 200,
    )


@_guard
@require_POST
def delete_concern(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_object_or_404(Concern, pk=pk)
    plan = _editable_draft(request, concern.plan_id)
    concern.delete()
    messages.success(request, "Concern removed")
    return redirect("edit-plan", plan.pk)


@_guard
@require_POST
def submit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _editable_draft(request, pk)
    form = forms.SubmitPlanForm(request.POST)
    if not plan.concerns.exists():
        messages.error(request, "Add at least one concern before submitting the plan")
        return redirect("edit-plan", plan.pk)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("submitted_on", ["Enter a date"])))
        return redirect("edit-plan", plan.pk)
    plan.state = Plan.State.SUBMITTED
    plan.submitted_on = form.cleaned_data["submitted_on"]
    with transaction.atomic():
        plan.save()
        mark_current(plan.inspection)
    messages.success(request, "The plan is submitted: changes now make a new version")
    return redirect(plan.get_absolute_url())


@_guard
@require_POST
def amend_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a new draft version of a submitted plan; its actions carry their progress over."""
    plan = get_object_or_404(Plan.objects.select_related("inspection__establishment"), pk=pk)
    if not permissions.can_edit_plans(request.user, plan.establishment):
        raise _Denied
    existing_draft = plan.versions().filter(state=Plan.State.DRAFT).first()
    if existing_draft:
        return redirect("edit-plan", existing_draft.pk)
    with transaction.atomic():
        latest = plan.versions().last()
        draft = Plan.objects.create(
            inspection=plan.inspection,
            version=latest.version + 1,
            state=Plan.State.DRAFT,
            created_by=request.user,
        )
        for concern in latest.concerns.prefetch_related("actions"):
            copy = Concern.objects.create(
                plan=draft,
                position=concern.position,
                ref=concern.ref,
                category=concern.category,
                agreement=concern.agreement,
                text=concern.text,
            )
            for action in concern.actions.all():
                Action.objects.create(
                    concern=copy,
                    position=action.position,
                    text=action.text,
                    owner=action.owner,
                    owner_normalised=action.owner_normalised,
                    target_text=action.target_text,
                    target=action.target,
                )
        carry_over(draft, latest)
    messages.success(request, f"Version {draft.version} started as a draft")
    return redirect("edit-plan", draft.pk)


def progress_report_page(request: HttpRequest, slug: str, pdf: bool = False) -> HttpResponse:
    """An establishment's progress as of a chosen date, as a page or an accessible PDF."""
    establishment = get_object_or_404(Establishment, slug=slug)
    if not permissions.can_view(request.user, establishment):
        return _deny(request)
    as_of, error = _as_of(request)
    report = reports.progress_report(establishment, as_of)
    context = {
        "report": report,
        "as_of": as_of,
        "error": error,
        "status_names": reports.STATUS_NAMES,
        "status_order": reports.STATUS_ORDER,
        "svg": {chart.id: render_svg(chart) for chart in report.charts},
    }
    if pdf:
        html = render_to_string("report_print.html", {**context, "status_labels": STATUS_LABELS})
        response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
        name = f"{establishment.slug}-progress-{as_of.isoformat()}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return _page(request, "report.html", context, status=400 if error else 200)


def progress_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    return progress_report_page(request, slug, pdf=True)


def estate(request: HttpRequest, csv_file: bool = False) -> HttpResponse:
    """Every establishment side by side, sortable by any column, and as CSV."""
    establishments = permissions.visible_establishments(request.user, Establishment.objects.all())
    if not request.user.is_authenticated and not establishments.exists():
        return _deny(request)
    as_of, error = _as_of(request)
    rows = reports.estate_report(establishments, as_of)
    sort = request.GET.get("sort", "establishment")
    if sort not in reports.ESTATE_COLUMNS:
        sort = "establishment"
    descending = request.GET.get("order") == "descending"
    rows.sort(key=reports.ESTATE_COLUMNS[sort][1], reverse=descending)
    if csv_file:
        return _estate_csv(rows, as_of)
    return _page(
        request,
        "estate.html",
        {
            "rows": rows,
            "as_of": as_of,
            "error": error,
            "sort": sort,
            "descending": descending,
            "columns": {key: label for key, (label, _) in reports.ESTATE_COLUMNS.items()},
            "ratings": [label for _, label in Rating.choices],
        },
        status=400 if error else 200,
    )


def estate_csv(request: HttpRequest) -> HttpResponse:
    return estate(request, csv_file=True)


def _estate_csv(rows, as_of: datetime.date) -> HttpResponse:
    output = io.StringIO(newline="")
    writer = csv.writer(output, lineterminator="\r\n")
    ratings = [label for _, label in Rating.choices]
    writer.writerow(
        [
            "establishment",
            "as_of",
            "plan_version",
            "open",
            "overdue",
            "completed",
            "deferred",
            "due_so_far",
            "delivered_on_time",
            "on_time_share",
        ]
        + [f"judgements_{label.lower().replace(' ', '_')}" for label in ratings]
    )
    for row in rows:
        share = row.on_time_share
        writer.writerow(
            [
                row.establishment.name,
                as_of.isoformat(),
                row.plan.version if row.plan else "",
                row.open,
                row.overdue,
                row.completed,
                row.deferred,
                row.due_so_far,
                row.delivered_on_time,
                "" if share is None else f"{share:.3f}",
            ]
            + [row.judgements.get(label, 0) for label in ratings]
        )
    response = HttpResponse(
        output.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="estate-{as_of.isoformat()}.csv"'
    return response


def owners(request: HttpRequest, slug: str) -> HttpResponse:
    """Which people act for each owner named in the establishment's plans. Leads and
    administrators change it; ownership then survives staff changes."""
    establishment = get_object_or_404(Establishment, slug=slug)
    if not permissions.can_view(request.user, establishment) or not request.user.is_authenticated:
        return _deny(request)
    can_edit = permissions.can_edit_plans(request.user, establishment)
    names = sorted(
        {
            name
            for value in Action.objects.filter(
                concern__plan__inspection__establishment=establishment
            ).values_list("owner_normalised", flat=True)
            for name in value.split("; ")
            if name
        }
    )
    form = forms.OwnerMappingForm(owners=names)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "remove" in request.POST:
            OwnerMapping.objects.filter(
                establishment=establishment, pk=request.POST.get("remove")
            ).delete()
            messages.success(request, "The person no longer acts for that owner")
            return redirect("owners", establishment.slug)
        form = forms.OwnerMappingForm(request.POST, owners=names)
        if form.is_valid():
            user = form.cleaned_data["username"]
            OwnerMapping.objects.get_or_create(
                establishment=establishment, owner=form.cleaned_data["owner"], user=user
            )
            messages.success(
                request, f"{user.get_username()} now acts for {form.cleaned_data['owner']}"
            )
            return redirect("owners", establishment.slug)
    mappings = OwnerMapping.objects.filter(establishment=establishment).select_related("user")
    by_owner = {name: [m for m in mappings if m.owner == name] for name in names}
    return _page(
        request,
        "owners.html",
        {"establishment": establishment, "by_owner": by_owner, "form": form, "can_edit": can_edit},
        status=400 if form.errors else 200,
    )


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "403.html", {}, status=403)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "404.html", {}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", {}, status=500)
