"""A plan version: the published table with each action's status, its files, its changes."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from planwatch import labels, writers
from planwatch.web.access import permissions
from planwatch.web.access.decorators import Need, requires
from planwatch.web.caching import shared_with_public
from planwatch.web.plans import exporting, rules, services
from planwatch.web.plans.models import SUPERSEDED, Action, Category, Judgement, Plan, ProgressUpdate
from planwatch.web.plans.views.common import page, plan_by_pk


def shown_status(action: Action, standing: Any, as_of: Any) -> str:
    """The status people see on a plan's page: superseded plans' unfinished actions say so."""
    status = action.display_status(as_of)
    if standing.superseded_by_inspection and action.status != labels.COMPLETED:
        return SUPERSEDED
    return status


@shared_with_public
@requires(Need.READ, load=plan_by_pk)
def plan_page(request: HttpRequest, plan: Plan) -> HttpResponse:
    """The plan as published, with each action's status, latest update and quality findings."""
    today = rules.today()
    report = services.quality_report(plan)
    standing = Plan.objects.standing(plan, today)
    versions = list(plan.versions().only("pk", "version", "state", "submitted_on", "inspection"))
    if not permissions.can_edit(request.user, plan.inspection.establishment_id):
        versions = [version for version in versions if not version.is_draft]
    selected = {
        "status": request.GET.get("status", ""),
        "owner": request.GET.get("owner", ""),
        "category": request.GET.get("category", ""),
    }
    stored = list(plan.concerns.prefetch_related("actions", "topic_links"))
    all_actions = [action for concern in stored for action in concern.actions.all()]
    latest = ProgressUpdate.objects.latest_for(all_actions)
    judgements = Judgement.objects.latest_by_concern(plan.inspection_id)
    tally: dict[str, int] = {}
    concerns = []
    for concern in stored:
        rows = []
        for action in concern.actions.all():
            action.plan = plan
            status = shown_status(action, standing, today)
            tally[status] = tally.get(status, 0) + 1
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
                    "judgement": judgements.get(concern.ref),
                }
            )
    owner_names = sorted(
        {name for action in all_actions for name in action.owner_normalised.split("; ") if name}
    )
    where = plan.inspection.establishment_id
    return page(
        request,
        "plans/plan.html",
        {
            "plan": plan,
            "standing": standing,
            "standing_message": standing.message(plan),
            "concerns": concerns,
            "report": report,
            "plan_findings": [f for f in report.findings if f.concern_ref is None],
            "tally": tally,
            "total": len(all_actions),
            "selected": selected,
            "owner_names": owner_names,
            "categories": Category.choices,
            "can_edit": permissions.can_edit(request.user, where),
            "can_judge": permissions.can_judge(request.user, where) and not plan.is_draft,
            "can_classify": bool(stored) and permissions.can_classify(request.user, stored[0]),
            "versions": versions,
            "is_latest": versions[-1].pk == plan.pk,
            "previous": next((v for v in reversed(versions) if v.version < plan.version), None),
            "filtered": any(selected.values()),
        },
    )


@requires(Need.READ, load=plan_by_pk)
def plan_source(request: HttpRequest, plan: Plan) -> FileResponse:
    if not plan.source_file:
        raise Http404("This plan was drafted here and has no source file")
    response = FileResponse(
        plan.source_file.open("rb"), as_attachment=True, filename=plan.source_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _action_changes(older: Plan, newer: Plan) -> dict[str, list[Any]]:
    """What changed between two versions: actions added, removed and changed."""
    new_actions = list(Action.objects.filter(plan=newer).select_related("concern"))
    old_actions = list(Action.objects.filter(plan=older).select_related("concern"))
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


@requires(Need.READ, load=plan_by_pk)
def plan_compare(request: HttpRequest, plan: Plan) -> HttpResponse:
    previous = plan.previous_version()
    if previous is None or (
        previous.is_draft
        and not permissions.can_edit(request.user, plan.inspection.establishment_id)
    ):
        raise Http404("This is the first version of the plan")
    return page(
        request,
        "plans/compare.html",
        {"plan": plan, "previous": previous, **_action_changes(previous, plan)},
    )


@requires(Need.READ, load=plan_by_pk)
def plan_export(request: HttpRequest, plan: Plan, fmt: str) -> HttpResponse:
    """The plan as a document in the published layout, or as data with its statuses."""
    if fmt not in writers.FORMATS:
        raise Http404("No such format")
    response = HttpResponse(
        writers.write(
            [
                exporting.export_of(
                    plan, user=request.user, document=fmt in writers.DOCUMENT_FORMATS
                )
            ],
            fmt,
        ),
        content_type=writers.MEDIA_TYPES[fmt],
    )
    response["Content-Disposition"] = f'attachment; filename="{exporting.file_name(plan, fmt)}"'
    return response
