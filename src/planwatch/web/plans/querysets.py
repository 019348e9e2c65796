"""The questions every page, report, export, reminder and command asks of stored plans:
which plan is in force, which actions are open, overdue or due, and who may see them."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate

from planwatch import labels
from planwatch.web.plans import rules

if TYPE_CHECKING:
    from planwatch.web.plans.models import Plan


def _model(name: str) -> Any:
    return apps.get_model("plans", name)


class EstablishmentQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> EstablishmentQuerySet:
        """The establishments whose submitted plans the user may read."""
        from planwatch.web.access import permissions

        return permissions.readable_establishments(user, self)

    def editable_by(self, user: Any) -> EstablishmentQuerySet:
        """The establishments whose plans the user may import, draft and amend."""
        from planwatch.web.access import permissions

        return permissions.editable_establishments(user, self)


class PlanQuerySet(models.QuerySet):
    def submitted(self) -> PlanQuerySet:
        return self.filter(state="submitted")

    def drafts(self) -> PlanQuerySet:
        return self.filter(state="draft")

    def in_force_by_establishment(self, as_of: datetime.date) -> dict[int, int]:
        """{establishment id: id of the plan in force on `as_of`} among these plans."""
        if not self.query.where:
            return dict(_in_force_everywhere(as_of))
        return self._in_force_by_establishment(as_of)

    def in_force_at(self, establishments: list[int], as_of: datetime.date) -> dict[int, int]:
        """{establishment id: id of the plan in force on `as_of`} for these establishments:
        the whole estate's answer (kept between requests) narrowed to them, which is the
        same as asking of their plans alone, since each establishment's plan in force
        depends only on its own plans."""
        wanted = set(establishments)
        return {
            where: pk
            for where, pk in _model("Plan").objects.in_force_by_establishment(as_of).items()
            if where in wanted
        }

    def _in_force_by_establishment(self, as_of: datetime.date) -> dict[int, int]:
        facts = [
            rules.PlanFacts(*row)
            for row in self.submitted().values_list(
                "pk",
                "inspection__establishment_id",
                "inspection_id",
                "inspection__start",
                "version",
                "in_force_from",
            )
        ]
        return rules.plans_in_force(facts, as_of)

    def in_force(self, as_of: datetime.date) -> PlanQuerySet:
        """The plan in force for each establishment on `as_of` (see docs/domain-rules.md)."""
        return self.filter(pk__in=list(self.in_force_by_establishment(as_of).values()))

    def current(self) -> PlanQuerySet:
        return self.in_force(rules.today())

    def as_of(self, as_of: datetime.date) -> PlanQuerySet:
        return self.in_force(as_of)

    def visible_to(self, user: Any) -> PlanQuerySet:
        """Submitted plans of the establishments the user may read, and the drafts of those
        the user may edit."""
        establishments = _model("Establishment").objects.all()
        readable = establishments.visible_to(user)
        editable = establishments.editable_by(user)
        return self.filter(
            Q(state="submitted", inspection__establishment__in=readable)
            | Q(state="draft", inspection__establishment__in=editable)
        )

    def standing(self, plan: Plan, as_of: datetime.date) -> Standing:
        """Whether a plan is in force on `as_of`, and what superseded it if not."""
        if plan.is_draft:
            return Standing(DRAFT)
        in_force_id = (
            _model("Plan")
            .objects.in_force_by_establishment(as_of)
            .get(plan.inspection.establishment_id)
        )
        if in_force_id == plan.pk:
            return Standing(IN_FORCE)
        newer = _model("Plan").objects.filter(pk=in_force_id).first() if in_force_id else None
        if newer is None:
            return Standing(NOT_YET)
        if newer.inspection_id == plan.inspection_id:
            kind = NEWER_VERSION if newer.version > plan.version else NOT_YET
            return Standing(kind, newer)

        def rank(inspection: Any) -> tuple[datetime.date, int]:
            return (inspection.start or datetime.date.min, inspection.pk)

        newer_inspection = rank(newer.inspection) > rank(plan.inspection)
        return Standing(NEWER_INSPECTION if newer_inspection else NOT_YET, newer)

    def newest_versions(self) -> dict[int, int]:
        """{inspection id: id of its newest submitted version} among these plans: the
        versions whose concerns are compared across the estate."""
        newest: dict[int, tuple[int, int]] = {}
        for pk, inspection, version in self.submitted().values_list(
            "pk", "inspection_id", "version"
        ):
            if inspection not in newest or version > newest[inspection][0]:
                newest[inspection] = (version, pk)
        return {inspection: pk for inspection, (_, pk) in newest.items()}

    def latest_of_inspection(self, plan: Plan) -> Plan | None:
        """The newest submitted version of the plan's inspection."""
        result: Plan | None = (
            self.submitted().filter(inspection=plan.inspection_id).order_by("-version").first()
        )
        return result


DRAFT = "draft"
IN_FORCE = "in force"
NEWER_VERSION = "superseded by a newer version"
NEWER_INSPECTION = "superseded by a newer inspection's plan"
NOT_YET = "not yet in force"


@dataclass(frozen=True)
class Standing:
    """Where a plan version stands: in force, a draft, or superseded (and by which plan)."""

    kind: str
    newer: Any = None

    @property
    def in_force(self) -> bool:
        return self.kind == IN_FORCE

    @property
    def superseded_by_inspection(self) -> bool:
        return self.kind == NEWER_INSPECTION

    def message(self, plan: Any) -> str | None:
        """What a page says of a plan that is not in force (None when it is)."""
        if self.kind == NEWER_VERSION:
            return (
                f"Version {plan.version} was superseded by version {self.newer.version}: its "
                "figures and progress are now shown there"
            )
        if self.kind == NEWER_INSPECTION:
            return (
                f"This plan was superseded by the plan for the {self.newer.inspection.label}: "
                "its unfinished actions were not completed when it was superseded"
            )
        if self.kind == NOT_YET:
            return "This plan is not in force: a plan for a later inspection is in force"
        return None

    def link_text(self) -> str | None:
        """The words of the link to the plan in force from a plan that is not (None when
        there is none to go to)."""
        if self.newer is None or self.kind in (DRAFT, IN_FORCE):
            return None
        if self.kind == NEWER_VERSION:
            return f"Go to version {self.newer.version}, the version in force"
        return (
            f"Go to the plan in force: the plan for the {self.newer.inspection.label}, "
            f"version {self.newer.version}"
        )


# The plans in force across the estate, per day, kept while no plan or inspection changes:
# every list and figure asks, and the answer changes only then. Kept under the estate's
# mark and the data's token, which a change made on any web server or worker, or straight
# in the database, replaces (planwatch.web.caching).
_IN_FORCE: dict[tuple[datetime.date, tuple[str, str | None]], dict[int, int]] = {}


def forget_plans_in_force() -> None:
    _IN_FORCE.clear()


def _in_force_everywhere(as_of: datetime.date) -> dict[int, int]:
    from planwatch.web import caching

    # The marks are read before the plans: an answer is never kept under a newer mark than
    # the plans it was worked out from.
    key = (as_of, caching.estate_key())
    return caching.kept_in_process(
        _IN_FORCE,
        key,
        lambda: _model("Plan").objects.all()._in_force_by_establishment(as_of),
        limit=256,
    )


def status_filters(as_of: datetime.date) -> dict[str, Q]:
    """One filter per status people see on `as_of`, over `with_state` annotations; every
    count of actions by status is made from these."""
    completed = Q(state_status=labels.COMPLETED)
    overdue = ~completed & Q(state_due__lt=as_of)
    # Written out rather than ~overdue: SQL's NOT of a comparison with NULL is NULL, which
    # would drop the actions that have no due date ("Ongoing") from every status.
    on_time = Q(state_due__isnull=True) | Q(state_due__gte=as_of)
    return {
        labels.COMPLETED: completed,
        labels.OVERDUE: overdue,
        labels.DEFERRED: Q(state_status=labels.DEFERRED) & on_time,
        labels.IN_PROGRESS: Q(state_status=labels.IN_PROGRESS) & on_time,
        labels.NOT_STARTED: Q(state_status=labels.NOT_STARTED) & on_time,
    }


def _has_field(model: str, name: str) -> bool:
    return any(field.name == name for field in _model(model)._meta.get_fields())


def work_list_filters() -> dict[str, tuple[str, ...]]:
    """What the work lists (Overdue, Due soon, My actions) can be narrowed by: {name in the
    query string: the lookups it filters on, any of which may match}. The healthy prison
    test a concern falls under is offered once concerns have one (`Concern.area`)."""
    filters = {
        "establishment": ("plan__inspection__establishment__slug",),
        # The owner as printed, or as the plan's other actions name it ("NHFT").
        "owner": ("owner__icontains", "owner_normalised__icontains"),
        "status": ("state_status",),
    }
    if _has_field("Concern", "area"):
        filters["area"] = ("concern__area",)
    return filters


# How the work lists can be ordered: {name in the query string: fields, earliest first}.
# "due" (when the action is now due, so the most overdue first) is the default.
WORK_LIST_SORTS: dict[str, tuple[str, ...]] = {
    "due": ("state_due", "pk"),
    "number": ("plan__inspection__establishment__name", "concern__position", "position", "pk"),
    "establishment": ("plan__inspection__establishment__name", "state_due", "pk"),
    "owner": ("owner", "state_due", "pk"),
    "original": ("target_due", "state_due", "pk"),
}
DEFAULT_WORK_LIST_SORT = "due"


class ActionQuerySet(models.QuerySet):
    def in_force(self, as_of: datetime.date, visible_to: Any = None) -> ActionQuerySet:
        """Actions of the plans in force on `as_of`: those every figure and list counts; with
        `visible_to`, only at the establishments that user may read."""
        plans = _model("Plan").objects.in_force_by_establishment(as_of)
        if visible_to is not None:
            from planwatch.web.access import permissions

            readable = permissions.readable_establishment_ids(visible_to)
            if readable is not None:
                plans = {where: pk for where, pk in plans.items() if where in readable}
        return self.filter(plan_id__in=list(plans.values()))

    def current(self) -> ActionQuerySet:
        return self.in_force(rules.today())

    def newest_of(self, lineage: Any) -> Any:
        """The action of this lineage in the newest submitted version that has it: where a
        person lands after changing something recorded on an older version."""
        plans = _model("Plan").objects.submitted()
        return (
            self.filter(lineage=lineage, plan__in=plans.values("pk"))
            .order_by("-plan__version")
            .first()
        )

    def as_of(self, as_of: datetime.date) -> ActionQuerySet:
        return self.in_force(as_of).with_state(as_of)

    def with_state(self, as_of: datetime.date) -> ActionQuerySet:
        """Annotate each action with its status and due date as they stood at the end of
        `as_of` (`state_status`, `state_deferred_to`, `state_due`), as rules.state does.

        From today on that is what is stored; for a past day it comes from the updates
        recorded by then."""
        if as_of >= rules.today():
            return self.annotate(
                state_status=F("status"),
                state_deferred_to=F("deferred_to"),
                state_due=F("due"),
            )
        cutoff = rules.end_of(as_of)
        # Updates replaced by a correction known by then count for nothing (rules.state).
        known = (
            _model("ProgressUpdate")
            .objects.filter(lineage=OuterRef("lineage"), recorded_at__lt=cutoff)
            .exclude(corrected_by__recorded_at__lt=cutoff)
        )
        newest = ("-recorded_at", "-pk")
        status = Subquery(known.order_by(*newest).values("status")[:1])
        deferred = Subquery(
            known.filter(status=labels.DEFERRED, new_target_date__isnull=False)
            .order_by(*newest)
            .values("new_target_date")[:1]
        )
        initial = Case(
            When(target="completed", then=Value(labels.COMPLETED)),
            default=Value(labels.NOT_STARTED),
        )
        return self.annotate(
            state_status=Coalesce(status, initial),
            state_deferred_to=deferred,
            state_due=Coalesce(deferred, F("target_due")),
        )

    def with_completed_on(self, as_of: datetime.date) -> ActionQuerySet:
        """Annotate each action with the day it was first completed, as known at the end of
        `as_of` (`state_completed_on`, None if never), as rules.state finds it: for an action
        the plan printed as "Completed", the plan's submission date; otherwise the first
        completion recorded (by the time it was recorded), dated by its evidence or else by
        the day it was recorded, local time."""
        first = Subquery(
            _model("ProgressUpdate")
            .objects.filter(
                lineage=OuterRef("lineage"),
                status=labels.COMPLETED,
                recorded_at__lt=rules.end_of(as_of),
            )
            # A completion replaced by a correction known by then does not date it.
            .exclude(corrected_by__recorded_at__lt=rules.end_of(as_of))
            .order_by("recorded_at", "pk")
            # TruncDate takes the current time zone, as timezone.localtime does.
            .annotate(day=Coalesce("evidence_date", TruncDate("recorded_at")))
            .values("day")[:1]
        )
        # The subquery written once, so that the database plans (and costs) it once.
        printed = Case(When(target="completed", then=F("plan__submitted_on")))
        return self.annotate(state_completed_on=Coalesce(printed, first))

    def delivery_by_plan(self, as_of: datetime.date) -> dict[int, dict[str, int]]:
        """For each plan, in one query: how many actions' original targets had passed by
        `as_of` ("due_so_far") and how many of those were completed on or before their
        original target ("delivered_on_time", by with_completed_on)."""
        passed = Q(target_due__lt=as_of)
        rows = (
            self.with_completed_on(as_of)
            .values("plan_id")
            .annotate(
                due_so_far=Count("pk", filter=passed),
                delivered_on_time=Count(
                    "pk", filter=passed & Q(state_completed_on__lte=F("target_due"))
                ),
            )
            .order_by()
        )
        return {row.pop("plan_id"): row for row in rows}

    def overdue(self, as_of: datetime.date) -> ActionQuerySet:
        """Not completed and past due at the end of `as_of` (rules.is_past_due)."""
        annotated = self.with_state(as_of)
        if as_of >= rules.today():
            # The same test on the stored fields, written so that the database can use its
            # indexes on them rather than compute the due day of every action first.
            return annotated.exclude(status=labels.COMPLETED).filter(due__lt=as_of)
        return annotated.filter(status_filters(as_of)[labels.OVERDUE])

    def due_between(
        self, first: datetime.date, last: datetime.date, as_of: datetime.date | None = None
    ) -> ActionQuerySet:
        """Not completed and due from `first` to `last` inclusive, as things stand on `as_of`
        (today by default)."""
        return (
            self.with_state(as_of or rules.today())
            .exclude(state_status=labels.COMPLETED)
            .filter(state_due__gte=first, state_due__lte=last)
        )

    def visible_to(self, user: Any) -> ActionQuerySet:
        from planwatch.web.access import permissions

        plans = _model("Plan").objects.submitted()
        if not permissions.everywhere(user, permissions.Ability.READ):
            establishments = _model("Establishment").objects.visible_to(user)
            plans = plans.filter(inspection__establishment__in=establishments)
        # A subquery rather than a join, so that lists can be read in the order of an index.
        return self.filter(plan__in=plans.values("pk"))

    def acted_for(self, user: Any) -> ActionQuerySet:
        """Actions whose owner the user acts for (owner mappings at the action's
        establishment)."""
        if not user.is_authenticated:
            return self.none()
        from planwatch.web.access.models import OwnerMapping

        condition = Q(pk__in=[])
        for establishment_id, owner in OwnerMapping.objects.filter(user=user).values_list(
            "establishment_id", "owner"
        ):
            condition |= Q(plan__inspection__establishment_id=establishment_id) & (
                Q(owner_normalised=owner)
                | Q(owner_normalised__startswith=f"{owner}; ")
                | Q(owner_normalised__endswith=f"; {owner}")
                | Q(owner_normalised__contains=f"; {owner}; ")
            )
        return self.filter(condition)

    def narrowed(self, criteria: dict[str, str]) -> ActionQuerySet:
        """Narrowed by a work list's filters (work_list_filters), over `with_state`
        annotations; empty or unknown criteria are ignored."""
        found = self
        for name, lookups in work_list_filters().items():
            value = (criteria.get(name) or "").strip()
            if value:
                condition = Q()
                for lookup in lookups:
                    condition |= Q(**{lookup: value})
                found = found.filter(condition)
        return found

    def sorted_for_list(self, sort: str, descending: bool = False) -> ActionQuerySet:
        """In a work list's order (WORK_LIST_SORTS), over `with_state` annotations; the pk
        last so that pages never overlap."""
        fields = WORK_LIST_SORTS.get(sort, WORK_LIST_SORTS[DEFAULT_WORK_LIST_SORT])
        if not descending:
            return self.order_by(*fields)
        return self.order_by(*(F(name).desc(nulls_last=True) for name in fields))

    def counts(self, as_of: datetime.date) -> dict[str, int]:
        """How many actions stood at each status people see on `as_of`, with "open" (all
        but completed) and "total"."""
        filters = status_filters(as_of)
        found = self.with_state(as_of).aggregate(
            total=Count("pk"), **{key: Count("pk", filter=q) for key, q in filters.items()}
        )
        return _with_open(found)

    def counts_by_plan(self, as_of: datetime.date) -> dict[int, dict[str, int]]:
        """counts() for each plan, in one query."""
        filters = status_filters(as_of)
        rows = (
            self.with_state(as_of)
            .values("plan_id")
            .annotate(
                total=Count("pk"), **{key: Count("pk", filter=q) for key, q in filters.items()}
            )
            .order_by()
        )
        return {row.pop("plan_id"): _with_open(row) for row in rows}


def _with_open(found: dict[str, Any]) -> dict[str, int]:
    counts = {key: int(value or 0) for key, value in found.items()}
    counts["open"] = counts["total"] - counts[labels.COMPLETED]
    return counts


EMPTY_COUNTS: dict[str, int] = {
    "total": 0,
    "open": 0,
    labels.COMPLETED: 0,
    labels.OVERDUE: 0,
    labels.DEFERRED: 0,
    labels.IN_PROGRESS: 0,
    labels.NOT_STARTED: 0,
}


class ConcernQuerySet(models.QuerySet):
    def compared(self) -> ConcernQuerySet:
        """Concerns of the newest submitted version of each inspection's plan: those compared
        across the estate, one per concern however many versions its plan has."""
        newest = _model("Plan").objects.newest_versions()
        return self.filter(plan_id__in=list(newest.values()))

    def visible_to(self, user: Any) -> ConcernQuerySet:
        """Concerns of submitted plans at the establishments the user may read."""
        from planwatch.web.access import permissions

        found = self.filter(plan__state="submitted")
        readable = permissions.readable_establishment_ids(user)
        if readable is None:
            return found
        return found.filter(plan__inspection__establishment_id__in=readable)

    def in_area(self, area: str) -> ConcernQuerySet:
        """Concerns in one healthy prison area (a key of labels.AREAS), however assigned."""
        return self.filter(area=area)

    def with_topic(self, topic: str) -> ConcernQuerySet:
        """Concerns with one topic (a key of labels.TOPICS), however assigned."""
        return self.filter(topic_links__topic=topic)

    def with_themes(self) -> ConcernQuerySet:
        """Concerns with their topics read in one more query (Concern.topic_keys)."""
        return self.prefetch_related("topic_links")


class ConcernLinkQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ConcernLinkQuerySet:
        """Links to concerns the user may read (the other end is always a submitted plan)."""
        from planwatch.web.access import permissions

        readable = permissions.readable_establishment_ids(user)
        return self if readable is None else self.filter(other_establishment_id__in=readable)

    def recurring(self) -> ConcernLinkQuerySet:
        return self.filter(same_establishment=True)

    def elsewhere(self) -> ConcernLinkQuerySet:
        return self.filter(same_establishment=False)


class SelfReportQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> SelfReportQuerySet:
        from planwatch.web.access import permissions

        readable = permissions.readable_establishment_ids(user)
        return self if readable is None else self.filter(establishment_id__in=readable)

    def latest_counts(self, as_of: datetime.date) -> dict[int, Counter[tuple[str, str]]]:
        """{establishment id: {(reported, rating): concerns}}, each concern counted once by
        its latest judgement in effect judged by `as_of`, as
        JudgementQuerySet.latest_by_concern chooses it."""
        counts: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
        if not self.filter(judged_on__gt=as_of).exists():
            # Every one was judged by then: each concern's latest row is flagged when stored
            # (learning.refresh_self_reports), so the database counts them.
            for where, reported, rating, number in (
                self.filter(latest=True)
                .values_list("establishment_id", "reported", "rating")
                .annotate(number=Count("pk"))
                .order_by()
            ):
                counts[where][(reported, rating)] += number
            return counts
        latest: dict[tuple[int, str], tuple[int, str, str]] = {}
        for inspection, ref, where, reported, rating in (
            self.filter(judged_on__lte=as_of)
            .order_by("judged_on", "judgement__recorded_at", "judgement_id")
            .values_list("inspection_id", "concern_ref", "establishment_id", "reported", "rating")
        ):
            latest[(inspection, ref)] = (where, reported, rating)
        for where, reported, rating in latest.values():
            counts[where][(reported, rating)] += 1
        return counts


class UpdateQuerySet(models.QuerySet):
    def newest_first(self) -> UpdateQuerySet:
        return self.order_by("-recorded_at", "-pk")

    def latest_for(self, actions: list[Any]) -> dict[int, Any]:
        """{action id: its newest update in any version}, in two queries."""
        if not actions:
            return {}
        newest = Subquery(
            _model("ProgressUpdate")
            .objects.filter(lineage=OuterRef("lineage"))
            .order_by("-recorded_at", "-pk")
            .values("pk")[:1]
        )
        found = dict(
            _model("Action")
            .objects.filter(pk__in=[action.pk for action in actions])
            .annotate(newest=newest)
            .values_list("pk", "newest")
        )
        updates = _model("ProgressUpdate").objects.in_bulk([pk for pk in found.values() if pk])
        return {action: updates[pk] for action, pk in found.items() if pk}


class JudgementQuerySet(models.QuerySet):
    def of_concern(self, inspection_id: int, ref: str) -> JudgementQuerySet:
        """Every entry on a concern, in any version of its plan."""
        return self.filter(inspection_id=inspection_id, concern_ref=ref)

    def in_effect(self, as_of: datetime.date | None = None) -> JudgementQuerySet:
        """Judgements not corrected by a later entry, nor withdrawn; judged by `as_of`."""
        found = self.filter(corrected_by__isnull=True).exclude(rating="")
        if as_of is not None:
            found = found.filter(judged_on__lte=as_of)
        return found

    def latest_by_concern(
        self, inspection_id: int, as_of: datetime.date | None = None
    ) -> dict[str, Any]:
        """{concern number: the judgement in effect} for one inspection."""
        return self.latest_by_inspection([inspection_id], as_of).get(inspection_id, {})

    def latest_by_inspection(
        self, inspection_ids: list[int], as_of: datetime.date | None = None
    ) -> dict[int, dict[str, Any]]:
        """{inspection id: {concern number: the judgement in effect}} for many inspections,
        in one query: the latest by the day judged, then by when it was recorded."""
        latest: dict[int, dict[str, Any]] = {}
        for judgement in (
            self.filter(inspection_id__in=inspection_ids)
            .in_effect(as_of)
            .order_by("judged_on", "recorded_at", "pk")
        ):
            latest.setdefault(judgement.inspection_id, {})[judgement.concern_ref] = judgement
        return latest
