"""The open API under /api/v1/: the same records, rules and permission checks as the pages.

Reads are open to all where the deployment lets the public read published plans, and
otherwise need a personal API token; writes always need one, and the token's owner must be
allowed to make the change, exactly as on the pages (web/access/permissions.py).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from ninja import File, Form, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from pydantic import Field

from planwatch import labels
from planwatch.web.access import permissions
from planwatch.web.access import services as access_services
from planwatch.web.access.decorators import Need, allowed
from planwatch.web.api import schemas
from planwatch.web.plans import rules, services
from planwatch.web.plans.forms import ProgressUpdateForm
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Judgement,
    Plan,
    ProgressUpdate,
)
from planwatch.web.plans.querysets import status_filters
from planwatch.web.plans.reports import plan_states
from planwatch.web.plans.views.importing import import_refusal

MAX_LIMIT = 100
MAX_OFFSET = 10_000_000
READ_ERRORS: dict[int, Any] = {
    401: schemas.Error,
    404: schemas.Error,
    422: schemas.ValidationErrors,
}
WRITE_ERRORS: dict[int, Any] = {
    **READ_ERRORS,
    400: schemas.Error,
    403: schemas.Error,
}


class TokenAuth(HttpBearer):
    """A personal API token: Authorization: Bearer pw_…"""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = access_services.user_for_token(token)
        if user is not None:
            request.user = user  # the request log and the services see who it is
        return user


def public_reader(request: HttpRequest) -> Any:
    """No token at all: an anonymous reader, where the public may read published plans."""
    if settings.PLANWATCH_PUBLIC_READ and "Authorization" not in request.headers:
        return AnonymousUser()
    return None


api = NinjaAPI(
    title="planwatch",
    version="1",
    description=(
        "Prison inspection action plans: establishments, inspections, plans and their "
        "versions, concerns, actions, progress updates and judgements; progress updates, "
        "judgements and plan imports written through the service's own rules. Authenticate "
        "with a personal API token (make one on the Account > API tokens page): "
        "`Authorization: Bearer pw_…`."
    ),
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)
READ = [TokenAuth(), public_reader]
WRITE = [TokenAuth()]


@api.exception_handler(services.Refused)
def refused(request: HttpRequest, error: services.Refused) -> HttpResponse:
    return api.create_response(request, {"detail": error.message, "field": error.field}, status=400)


# Where a value sits in the request, as pydantic names it; not a field a person would name.
_PLACES = {"body", "query", "path", "form", "file", "header", "cookie", "data", "filters"}


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Input outside the schema: the first problem in one line, naming its field, as every
    other error says it; every problem as pydantic lists them under `errors`."""
    problems = [dict(problem) for problem in error.errors]
    first = problems[0] if problems else {}
    names = [str(part) for part in first.get("loc", ()) if str(part) not in _PLACES]
    field = names[-1] if names else None
    message = str(first.get("msg", "The request does not match the schema"))
    detail = f"{field}: {message}" if field else message
    if len(problems) > 1:
        detail += f" (and {labels.plural(len(problems) - 1, 'more problem')})"
    errors = [
        {key: value for key, value in problem.items() if key in ("loc", "msg", "type")}
        for problem in problems
    ]
    return api.create_response(
        request, {"detail": detail, "field": field, "errors": errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": "Send a personal API token as 'Authorization: Bearer <token>': make one "
            "on the Account > API tokens page (a revoked or unknown token is refused)"
        },
        status=401,
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Your account does not allow this change"}, status=403
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


def _who(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class Paging(Schema):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 50
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0


def _page(items: QuerySet[Any], paging: Paging) -> tuple[list[Any], dict[str, int]]:
    limit = min(max(paging.limit, 1), MAX_LIMIT)
    offset = max(paging.offset, 0)
    return list(items[offset : offset + limit]), {
        "count": items.count(),
        "limit": limit,
        "offset": offset,
    }


def _readable(user: Any, need: Need, target: Any) -> Any:
    """The record if the user may read it; not found otherwise, as on the pages, so that
    readers learn nothing of records they may not see."""
    if not allowed(user, need, target):
        raise Http404
    return target


def _plan_summary(plan: Plan, in_force: dict[int, int]) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "establishment": plan.inspection.establishment.name,
        "inspection_id": plan.inspection_id,
        "version": plan.version,
        "submitted_on": plan.submitted_on,
        "in_force": in_force.get(plan.inspection.establishment_id) == plan.pk,
    }


def _in_force() -> dict[int, int]:
    return Plan.objects.in_force_by_establishment(rules.today())


# --- reads ----------------------------------------------------------------------------------


@api.get("/establishments", response={200: schemas.EstablishmentPage, **READ_ERRORS}, auth=READ)
def establishments(request: HttpRequest, paging: Query[Paging]) -> Any:
    """The establishments whose plans you may read, by name."""
    found = Establishment.objects.visible_to(_who(request)).order_by("name", "pk")
    items, page = _page(found, paging)
    return {**page, "items": [{"id": e.pk, "name": e.name, "slug": e.slug} for e in items]}


@api.get(
    "/establishments/{slug}",
    response={200: schemas.EstablishmentDetail, **READ_ERRORS},
    auth=READ,
)
def establishment(request: HttpRequest, slug: str) -> Any:
    """One establishment, with its inspections and each inspection's submitted plan versions."""
    found = Establishment.objects.filter(slug=slug).first()
    if found is None:
        raise Http404
    _readable(_who(request), Need.READ, found)
    in_force = _in_force()
    inspections = []
    for inspection in found.inspections.order_by("-start", "pk"):
        plans = inspection.plans.submitted().select_related("inspection__establishment")
        inspections.append(
            {
                "id": inspection.pk,
                "start": inspection.start,
                "end": inspection.end,
                "report_published": inspection.report_published,
                "plans": [_plan_summary(plan, in_force) for plan in plans.order_by("version")],
            }
        )
    return {"id": found.pk, "name": found.name, "slug": found.slug, "inspections": inspections}


class PlanFilters(Paging):
    establishment: str | None = None
    in_force: bool | None = None


@api.get("/plans", response={200: schemas.PlanPage, **READ_ERRORS}, auth=READ)
def plans(request: HttpRequest, filters: Query[PlanFilters]) -> Any:
    """Submitted plans, every version; `in_force=true` for each establishment's plan in force."""
    found = (
        Plan.objects.visible_to(_who(request))
        .submitted()
        .select_related("inspection__establishment")
        .order_by("inspection__establishment__name", "inspection__start", "version", "pk")
    )
    if filters.establishment:
        found = found.filter(inspection__establishment__slug=filters.establishment)
    in_force = _in_force()
    if filters.in_force is not None:
        chosen = Plan.objects.filter(pk__in=list(in_force.values()))
        found = found.filter(pk__in=chosen) if filters.in_force else found.exclude(pk__in=chosen)
    items, page = _page(found, filters)
    return {**page, "items": [_plan_summary(plan, in_force) for plan in items]}


class AsOf(Schema):
    as_of: schemas.OptionalDay = None


def _as_of(value: datetime.date | None) -> datetime.date:
    return value or rules.today()


@api.get("/plans/{plan_id}", response={200: schemas.PlanDetail, **READ_ERRORS}, auth=READ)
def plan(request: HttpRequest, plan_id: int, when: Query[AsOf]) -> Any:
    """A plan with its concerns and actions, each action's status as of a day (today by
    default) as the plan page and the exports give it."""
    found = Plan.objects.filter(pk=plan_id, state=Plan.State.SUBMITTED).first()
    if found is None:
        raise Http404
    _readable(_who(request), Need.READ, found)
    as_of = _as_of(when.as_of)
    standing = Plan.objects.standing(found, as_of)
    states = {
        state.action.pk: state
        for state in plan_states(found, as_of, superseded=standing.superseded_by_inspection)
    }
    inspection = found.inspection
    concerns = []
    for concern in found.concerns.prefetch_related("actions").order_by("position"):
        actions = []
        for action in concern.actions.order_by("position"):
            state = states[action.pk]
            actions.append(
                {
                    "id": action.pk,
                    "number": action.number,
                    "text": action.text,
                    "owner": action.owner,
                    "owner_normalised": action.owner_normalised,
                    "target_text": action.target_text,
                    "target": action.target or None,
                    "status": state.status,
                    "due_date": state.due,
                    "deferred_to": state.deferred_to,
                    "last_update": timezone.localtime(state.latest.recorded_at).date()
                    if state.latest
                    else None,
                }
            )
        concerns.append(
            {
                "id": concern.pk,
                "ref": concern.ref,
                "category": concern.category,
                "agreement": concern.agreement or None,
                "text": concern.text,
                "actions": actions,
            }
        )
    return {
        **_plan_summary(found, _in_force()),
        "inspection_start": inspection.start,
        "inspection_end": inspection.end,
        "report_published": inspection.report_published,
        "as_of": as_of,
        "concerns": concerns,
    }


class ActionFilters(Paging):
    establishment: str | None = None
    status: schemas.DisplayStatus | None = None
    as_of: schemas.OptionalDay = None


def _list_item(action: Any, as_of: datetime.date) -> dict[str, Any]:
    """An action annotated by ActionQuerySet.with_state (state_status, state_due, …)."""
    status = action.shown_status(as_of)
    return {
        "id": action.pk,
        "plan_id": action.plan_id,
        "establishment": action.plan.inspection.establishment.name,
        "concern_ref": action.concern.ref,
        "number": action.number,
        "text": action.text,
        "owner": action.owner,
        "status": status,
        "due_date": action.state_due,
        "deferred_to": action.state_deferred_to,
    }


@api.get("/actions", response={200: schemas.ActionPage, **READ_ERRORS}, auth=READ)
def actions(request: HttpRequest, filters: Query[ActionFilters]) -> Any:
    """The actions of the plans in force on a day (today by default), as every count and
    work list takes them; filter by establishment and by the status people see (`overdue`
    is every action past its due date and not completed on that day)."""
    as_of = _as_of(filters.as_of)
    found = Action.objects.in_force(as_of, visible_to=_who(request)).with_state(as_of)
    if filters.establishment:
        found = found.filter(plan__inspection__establishment__slug=filters.establishment)
    if filters.status == labels.SUPERSEDED:
        found = found.none()  # plans in force are never superseded
    elif filters.status:
        found = found.filter(status_filters(as_of)[filters.status])
    found = found.select_related("plan__inspection__establishment", "concern").order_by(
        "state_due", "pk"
    )
    items, page = _page(found, filters)
    return {**page, "items": [_list_item(action, as_of) for action in items]}


def _update(update: ProgressUpdate, private: bool) -> dict[str, Any]:
    return {
        "id": update.pk,
        "action_id": update.action_id,
        "status": update.status,
        "note": update.note,
        "evidence_date": update.evidence_date,
        "new_target_date": update.new_target_date,
        "deferral_reason": update.deferral_reason or "",
        "recorded_at": update.recorded_at,
        "corrects": update.corrects_id,
        # Who wrote a note is for members of the establishment only, as on the pages.
        "author_id": update.author_id if private else None,
        "evidence": [
            {
                "id": item.pk,
                "name": item.name,
                "media_type": item.media_type,
                "size": item.size,
                "sha256": item.sha256,
            }
            for item in update.evidence.all()
        ]
        if private
        else [],
    }


@api.get("/actions/{action_id}", response={200: schemas.ActionDetail, **READ_ERRORS}, auth=READ)
def action(request: HttpRequest, action_id: int) -> Any:
    """One action as it stands today, with every progress update recorded on it (in every
    version of its plan), newest first."""
    user = _who(request)
    found = (
        Action.objects.filter(pk=action_id, plan__state=Plan.State.SUBMITTED)
        .with_state(rules.today())
        .select_related("plan__inspection__establishment", "concern")
        .first()
    )
    if found is None:
        raise Http404
    _readable(user, Need.READ, found)
    private = permissions.can_read_private(user, found.plan.inspection.establishment_id)
    updates = (
        ProgressUpdate.objects.filter(lineage=found.lineage)
        .newest_first()
        .prefetch_related("evidence")
    )
    return {
        **_list_item(found, rules.today()),
        "concern_id": found.concern_id,
        "target_text": found.target_text,
        "updates": [_update(update, private) for update in updates],
    }


def _judgement(judgement: Judgement) -> dict[str, Any]:
    return {
        "id": judgement.pk,
        "concern_id": judgement.concern_id,
        "rating": judgement.rating or None,
        "reason": judgement.reason,
        "judged_on": judgement.judged_on,
        "recorded_at": judgement.recorded_at,
        "corrects": judgement.corrects_id,
    }


@api.get(
    "/concerns/{concern_id}/judgements",
    response={200: list[schemas.Judgement], **READ_ERRORS},
    auth=READ,
)
def judgements(request: HttpRequest, concern_id: int) -> Any:
    """Every judgement recorded on the concern's number for its inspection, corrections and
    withdrawals (no rating) included, oldest first."""
    found = Concern.objects.filter(pk=concern_id, plan__state=Plan.State.SUBMITTED).first()
    if found is None:
        raise Http404
    _readable(_who(request), Need.READ, found)
    entries = Judgement.objects.of_concern(found.plan.inspection_id, found.ref).order_by(
        "recorded_at", "pk"
    )
    return [_judgement(entry) for entry in entries]


# --- writes ---------------------------------------------------------------------------------


class UpdateIn(Schema):
    status: schemas.StoredStatus
    note: Annotated[str, Field(max_length=schemas.MAX_TEXT)] = ""
    evidence_date: schemas.OptionalDay = None
    new_target_date: schemas.OptionalDay = None
    # A deferral's reason (needed then, as on the page; ignored for any other status).
    deferral_reason: Annotated[str, Field(max_length=schemas.MAX_TEXT)] = ""


@api.post(
    "/actions/{action_id}/updates",
    response={201: schemas.Update, **WRITE_ERRORS},
    auth=WRITE,
)
def post_update(
    request: HttpRequest,
    action_id: int,
    data: Form[UpdateIn],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # none is optional
) -> Any:
    """Post progress on an action (multipart form, with up to 5 evidence files), as the
    action page does: the same checks, the same record."""
    user = _who(request)
    found = Action.objects.filter(pk=action_id).select_related("plan__inspection").first()
    if found is None or not allowed(user, Need.READ, found):
        raise Http404
    if not allowed(user, Need.UPDATE, found):
        raise PermissionDenied
    # The action page's own form checks the update (a completion says what was done and,
    # under a priority concern, carries evidence; a deferral has a reason and a new date),
    # so that the API and the page refuse the same things in the same words.
    fields: dict[str, Any] = {
        "status": data.status,
        "note": data.note,
        "deferral_reason": data.deferral_reason,
    }
    for name, day in (
        ("evidence_date", data.evidence_date),
        ("new_target_date", data.new_target_date),
    ):
        if day is not None:
            fields.update(
                {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}
            )
    form = ProgressUpdateForm(
        {key: str(value) for key, value in fields.items()},
        MultiValueDict({"evidence_files": list(files or [])}),
        action=found,
    )
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        blamed: str | None = {"evidence_files": "files", "__all__": None}.get(field, field)
        raise services.Refused(str(errors[0]), blamed)
    update = services.record_update(found, user, **form.update_values())
    return Status(201, _update(update, private=True))


@api.post(
    "/concerns/{concern_id}/judgements",
    response={201: schemas.Judgement, **WRITE_ERRORS},
    auth=WRITE,
)
def post_judgement(request: HttpRequest, concern_id: int, data: schemas.JudgementIn) -> Any:
    """Record the independent review of progress's judgement on a concern (inspectors)."""
    user = _who(request)
    found = Concern.objects.filter(pk=concern_id).select_related("plan__inspection").first()
    if found is None or not allowed(user, Need.READ, found):
        raise Http404
    if not allowed(user, Need.JUDGE, found):
        raise PermissionDenied
    judgement = services.record_judgement(
        found, user, rating=data.rating, reason=data.reason, judged_on=data.judged_on
    )
    return Status(201, _judgement(judgement))


@api.post(
    "/imports",
    response={201: schemas.ImportOut, 200: schemas.ImportOut, **WRITE_ERRORS},
    auth=WRITE,
)
def post_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Import a published plan (PDF, DOCX, ODT or text form) as the import page does: 201
    when it is stored, 200 when the same plan is already held, 400 with the reason when it
    is refused (nothing is changed)."""
    user = _who(request)
    if not allowed(user, Need.EDIT_ANY):
        raise PermissionDenied
    if file.size is not None and file.size > settings.PLANWATCH_MAX_UPLOAD_BYTES:
        raise services.Refused(
            f"{file.name} is {file.size / 1_000_000:.1f} MB; the limit is "
            f"{settings.PLANWATCH_MAX_UPLOAD_BYTES / 1_000_000:.0f} MB",
            "file",
        )
    result = services.import_plan_bytes(
        file.read(), file.name or "plan", user=user, allowed=lambda name: import_refusal(user, name)
    )
    if result.outcome == "refused" or result.plan is None:
        raise services.Refused(result.message, "file")
    status = 201 if result.outcome == "imported" else 200
    return Status(
        status, {"outcome": result.outcome, "message": result.message, "plan_id": result.plan.pk}
    )
