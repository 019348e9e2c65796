"""What the estate's pages read of what it has learned: a concern's earlier and similar
concerns and how their plans fared, an establishment's recurring concerns, self-reported
against judged progress, and the estate's themes. Read only from stored links and records."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from planwatch import labels
from planwatch.charts import Chart, Series
from planwatch.web.plans import rules, taxonomy
from planwatch.web.plans.learned import ConcernLink, SelfReport
from planwatch.web.plans.models import (
    Action,
    Concern,
    Establishment,
    Inspection,
    Judgement,
    Plan,
)

ELSEWHERE_SHOWN = 10
# Links read before ordering by judgement: more than are shown, so that a judged concern a
# little less alike can come before unjudged closer ones.
ELSEWHERE_READ = 40


def compared_concern(concern: Concern) -> Concern:
    """The concern whose links speak for this one: the same concern in the newest submitted
    version of its plan (itself for drafts and newest versions)."""
    if concern.plan.is_draft:
        return concern
    newest = Plan.objects.filter(inspection=concern.plan.inspection_id).newest_versions()
    plan_id = newest.get(concern.plan.inspection_id)
    if plan_id is None or plan_id == concern.plan_id:
        return concern
    found = (
        Concern.objects.select_related("plan__inspection__establishment")
        .filter(plan_id=plan_id, ref=concern.ref)
        .first()
    )
    return found or concern


@dataclass
class Fared:
    """Another concern and how its plan fared: its actions' statuses and any judgement."""

    concern: Concern
    score: float
    actions: list[tuple[Action, str]] = field(default_factory=list)
    judgement: Judgement | None = None

    @property
    def completed(self) -> int:
        return sum(status == labels.COMPLETED for _, status in self.actions)

    @property
    def inspection(self) -> Any:
        return self.concern.plan.inspection

    @property
    def met(self) -> bool:
        return self.judgement is not None and self.judgement.rating in labels.MET_RATINGS


def _fared(links: list[ConcernLink]) -> list[Fared]:
    """Each linked concern with its latest judgement in effect (actions: _with_actions)."""
    if not links:
        return []
    concerns = Concern.objects.select_related("plan__inspection__establishment").in_bulk(
        [link.other_id for link in links]
    )
    wanted = {(c.plan.inspection_id, c.ref) for c in concerns.values()}
    judgements: dict[tuple[int, str], Judgement] = {}
    for judgement in (
        Judgement.objects.filter(
            inspection_id__in={key[0] for key in wanted},
            concern_ref__in={key[1] for key in wanted},
        )
        .in_effect()
        .only("pk", "inspection_id", "concern_ref", "rating", "judged_on", "recorded_at")
        .order_by("judged_on", "recorded_at", "pk")
    ):
        key = (judgement.inspection_id, judgement.concern_ref)
        if key in wanted:
            judgements[key] = judgement
    return [
        Fared(
            concern=concerns[link.other_id],
            score=link.score,
            judgement=judgements.get(
                (concerns[link.other_id].plan.inspection_id, concerns[link.other_id].ref)
            ),
        )
        for link in links
    ]


def _with_actions(found: list[Fared], today: datetime.date) -> list[Fared]:
    """Fill in each concern's actions with their final (or current) statuses."""
    if not found:
        return found
    in_force = set(Plan.objects.in_force_by_establishment(today).values())
    actions: dict[int, list[tuple[Action, str]]] = defaultdict(list)
    for action in (
        Action.objects.filter(concern_id__in=[item.concern.pk for item in found])
        .only(
            "pk",
            "concern_id",
            "plan_id",
            "position",
            "text",
            "owner",
            "status",
            "target_due",
            "deferred_to",
        )
        .order_by("concern_id", "position")
    ):
        status = action.display_status(today)
        if action.plan_id not in in_force and action.status != labels.COMPLETED:
            status = labels.SUPERSEDED  # its plan left every figure unfinished
        actions[action.concern_id].append((action, status))
    for item in found:
        item.actions = actions.get(item.concern.pk, [])
    return found


@dataclass
class ConcernLessons:
    concern: Concern
    earlier: list[Fared]
    later: list[Fared]
    elsewhere: list[Fared]

    @property
    def earlier_years(self) -> list[int]:
        return sorted(
            {f.inspection.start.year for f in self.earlier if f.inspection.start is not None}
        )


def concern_lessons(concern: Concern, user: Any) -> ConcernLessons:
    """The same establishment's earlier and later concerns on the same matter, and up to ten
    at other establishments (those judged good or reasonable progress first), each as the
    user may see them."""
    today = rules.today()
    source = compared_concern(concern)
    links = ConcernLink.objects.filter(concern=source).visible_to(user)
    recurring = _fared(list(links.recurring().order_by("-score")))
    start = concern.plan.inspection.start or datetime.date.min

    def when(item: Fared) -> datetime.date:
        return item.inspection.start or datetime.date.min

    earlier = sorted((f for f in recurring if when(f) < start), key=when)
    later = sorted((f for f in recurring if when(f) >= start), key=when)
    candidates = _fared(list(links.elsewhere().order_by("-score")[:ELSEWHERE_READ]))
    candidates.sort(key=lambda item: (not item.met, -item.score))
    elsewhere = candidates[:ELSEWHERE_SHOWN]
    # Actions for those shown only, in one query.
    _with_actions(earlier + later + elsewhere, today)
    return ConcernLessons(concern, earlier, later, elsewhere)


@dataclass
class Recurring:
    """Concerns of one establishment on one matter, raised at more than one inspection."""

    concerns: list[Concern]

    @property
    def latest(self) -> Concern:
        return self.concerns[-1]

    @property
    def years(self) -> list[int]:
        return sorted(
            {c.plan.inspection.start.year for c in self.concerns if c.plan.inspection.start}
        )


def recurring_concerns(establishment: Establishment) -> list[Recurring]:
    """The establishment's matters raised at more than one inspection: its compared concerns
    joined by their links, the most often raised and most recent first."""
    concerns = {
        concern.pk: concern
        for concern in Concern.objects.compared()
        .filter(plan__inspection__establishment=establishment)
        .select_related("plan__inspection")
    }
    parent = {pk: pk for pk in concerns}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for first, second in (
        ConcernLink.objects.recurring()
        .filter(concern_id__in=list(concerns), other_id__in=list(concerns))
        .values_list("concern_id", "other_id")
    ):
        parent[root(first)] = root(second)
    groups: dict[int, list[Concern]] = defaultdict(list)
    for pk, concern in concerns.items():
        groups[root(pk)].append(concern)

    def order(concern: Concern) -> tuple[datetime.date, int]:
        return (concern.plan.inspection.start or datetime.date.min, concern.position)

    found = [
        Recurring(sorted(members, key=order))
        for members in groups.values()
        if len({member.plan.inspection_id for member in members}) > 1
    ]
    found.sort(key=lambda item: (-len(item.years), [-year for year in reversed(item.years)]))
    return found


def recurring_topics(establishment: Establishment) -> list[str]:
    """The names of the topics raised at more than one of the establishment's inspections
    (empty until concerns carry topics)."""
    concerns = Concern.objects.compared().filter(plan__inspection__establishment=establishment)
    return [entry["name"] for entry in _recurring_topics(concerns)]


# --- self-reported against judged -------------------------------------------------------


@dataclass
class SelfReported:
    """Concerns with both a self-report and a judgement, counted."""

    cells: dict[tuple[str, str], int]  # (reported, rating) -> concerns
    rows: list[SelfReport] = field(default_factory=list)  # each concern, where listed

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    @property
    def reported_complete(self) -> int:
        return sum(number for (reported, _), number in self.cells.items() if reported == "all")

    @property
    def complete_not_met(self) -> int:
        return sum(
            number
            for (reported, rating), number in self.cells.items()
            if reported == "all" and rating in labels.NOT_MET_RATINGS
        )

    @property
    def summary(self) -> str:
        """The headline in words, for reports' tables."""
        if not self.reported_complete:
            return "none reported complete"
        return f"{self.complete_not_met} of {self.reported_complete}"

    @property
    def share(self) -> float | None:
        """Of concerns reported complete, the share judged insufficient or no meaningful
        progress (None when none was reported complete)."""
        if not self.reported_complete:
            return None
        return self.complete_not_met / self.reported_complete

    def chart(self, id_: str = "self-reported") -> Chart:
        ratings = list(labels.RATINGS)
        colours = {
            "no_meaningful": "overdue",
            "insufficient": "deferred",
            "reasonable": "in_progress",
            "good": "completed",
        }
        return Chart(
            id=id_,
            title="Judgements by what owners had reported when each concern was judged",
            description=(
                "Stacked bars, one for each thing owners had reported (all actions completed, "
                "some, deferred, none), split by the inspectors' judgement. The table beside "
                "the chart gives the figures."
            ),
            categories=tuple(labels.REPORTED.values()),
            axis="What owners had reported",
            named=True,
            series=tuple(
                Series(
                    colours[rating],
                    labels.RATINGS[rating],
                    tuple(self.cells.get((reported, rating), 0) for reported in labels.REPORTED),
                )
                for rating in ratings
            ),
        )


SELF_REPORT_FIELDS = (
    "judgement_id",
    "concern_id",
    "establishment_id",
    "inspection_id",
    "concern_ref",
    "year",
    "judged_on",
    "rating",
    "actions",
    "completed",
    "deferred",
    "reported",
)


def _judged(
    user: Any,
    establishment: Establishment | None = None,
    year: int | None = None,
    area: str = "",
    topic: str = "",
) -> Any:
    """Each concern's latest judgement in effect with what owners had reported, as the user
    may see them, narrowed to an establishment, an inspection year, an area and a topic."""
    found = SelfReport.objects.visible_to(user).filter(latest=True)
    if establishment is not None:
        found = found.filter(establishment=establishment)
    if year is not None:
        found = found.filter(year=year)
    return taxonomy.filter_concerns(found, "concern__", area, topic)


def self_reported(
    user: Any,
    establishment: Establishment | None = None,
    year: int | None = None,
    area: str = "",
    topic: str = "",
    listed: bool = True,
) -> SelfReported:
    """Self-reported against judged, for the concerns the user may see: one establishment
    or all, an inspection year, an area and a topic; each concern's latest judgement. With
    `listed`, each concern too; without, only the counts (made by the database)."""
    found = _judged(user, establishment, year, area, topic)
    if not listed:
        cells = found.values_list("reported", "rating").annotate(number=_count()).order_by()
        return SelfReported(cells={(r, g): n for r, g, n in cells})
    # Only what the pages and CSV show: the estate holds thousands of judged concerns.
    rows = list(
        found.select_related("concern__plan", "inspection", "establishment").only(
            *SELF_REPORT_FIELDS,
            "concern__position",
            "concern__plan__version",
            "inspection__start",
            "establishment__name",
            "establishment__slug",
        )
    )
    rows.sort(key=lambda row: (row.establishment.name, row.year or 0, row.concern.position))
    return counted(rows)


def counted(rows: list[SelfReport]) -> SelfReported:
    cells = Counter((row.reported, row.rating) for row in rows)
    return SelfReported(cells=dict(cells), rows=rows)


def self_reported_for_reports(
    as_of: datetime.date, establishments: list[int], inspection_id: int | None = None
) -> dict[int, SelfReported]:
    """{establishment id: self-reported against judged} as of a day, for the progress and
    estate reports (each concern's latest judgement dated by then)."""
    found = SelfReport.objects.filter(establishment_id__in=establishments)
    if inspection_id is not None:
        found = found.filter(inspection_id=inspection_id)
    return {
        where: SelfReported(cells=dict(cells))
        for where, cells in found.latest_counts(as_of).items()
    }


def combined(parts: list[SelfReported]) -> SelfReported:
    """Several establishments' figures as one (the estate report's headline)."""
    cells: Counter[tuple[str, str]] = Counter()
    for part in parts:
        cells.update(part.cells)
    return SelfReported(cells=dict(cells))


def self_reported_years(user: Any, establishment: Establishment | None = None) -> list[int]:
    found = SelfReport.objects.visible_to(user).exclude(year=None)
    if establishment is not None:
        found = found.filter(establishment=establishment)
    return sorted(set(found.values_list("year", flat=True)), reverse=True)


def self_reported_by_establishment(
    user: Any, year: int | None = None, area: str = "", topic: str = ""
) -> list[dict[str, Any]]:
    """The estate page's table: each establishment's judged concerns, those reported
    complete, and of those the ones judged insufficient or no meaningful progress."""
    table: dict[int, dict[str, Any]] = {}
    for where, reported, rating, number in (
        _judged(user, None, year, area, topic)
        .values_list("establishment_id", "reported", "rating")
        .annotate(number=_count())
        .order_by()
    ):
        entry = table.setdefault(where, {"judged": 0, "complete": 0, "not_met": 0})
        entry["judged"] += number
        if reported == "all":
            entry["complete"] += number
            if rating in labels.NOT_MET_RATINGS:
                entry["not_met"] += number
    names = Establishment.objects.only("name", "slug").in_bulk(list(table))
    return sorted(
        ({"establishment": names[where], **entry} for where, entry in table.items()),
        key=lambda entry: entry["establishment"].name,
    )


# --- estate themes -------------------------------------------------------------------------


@dataclass
class Themes:
    years: list[int]
    kinds: dict[str, str]  # key -> name of the rows (areas when held, else categories)
    counts: dict[tuple[int, str], int]  # (year, kind) -> concerns
    recurring: dict[tuple[int, str], int]  # (year, kind) -> raised at an earlier inspection too
    totals: dict[int, int]
    by_establishment: list[dict[str, Any]]  # where concerns recur most
    topics: list[dict[str, Any]]  # the topics that recur most (when topics are held)

    def recurring_in(self, year: int) -> int:
        return sum(number for (when, _), number in self.recurring.items() if when == year)

    def chart(self) -> Chart:
        return Chart(
            axis="Inspection years",
            id="themes-by-year",
            title=f"Concerns by {'area' if taxonomy.has_areas() else 'kind'} and inspection year",
            description=(
                "Stacked bars, one per inspection year, counting the concerns raised that year "
                f"by {'healthy prison area' if taxonomy.has_areas() else 'kind of concern'}. "
                "The table beside the chart gives the figures."
            ),
            categories=tuple(str(year) for year in self.years),
            series=tuple(
                Series(
                    ("completed", "in_progress", "deferred", "not_started", "overdue")[n % 5],
                    name,
                    tuple(self.counts.get((year, key), 0) for year in self.years),
                )
                for n, (key, name) in enumerate(self.kinds.items())
            ),
        )


# The themes as last worked out, per reader's establishments and filters, kept under the
# estate's mark: a plan stored, an area or topic corrected or a link written on any server
# replaces it (planwatch.web.caching), and every request checks it.
_THEMES: dict[tuple[Any, ...], Themes] = {}


def forget_themes(**_: Any) -> None:
    _THEMES.clear()


def themes(user: Any, area: str = "", topic: str = "", category: str = "") -> Themes:
    """themes_now(), kept until the estate's plans, themes or links change."""
    from planwatch.web import caching
    from planwatch.web.access import permissions

    readable = permissions.readable_establishment_ids(user)
    key = (
        None if readable is None else frozenset(readable),
        area,
        topic,
        category,
        caching.estate_key(),
    )
    return caching.kept_in_process(
        _THEMES, key, lambda: themes_now(user, area, topic, category), limit=64
    )


def themes_now(user: Any, area: str = "", topic: str = "", category: str = "") -> Themes:
    """Concerns across the estate by inspection year and area (or kind of concern until
    areas are held); how many were raised at an earlier inspection too; where concerns recur
    most; and, once topics are held, the topics that recur most and where."""
    concerns = Concern.objects.compared().visible_to(user)
    if category:
        concerns = concerns.filter(category=category)
    concerns = taxonomy.filter_concerns(concerns, "", area, topic)
    by = "area" if taxonomy.has_areas() else "category"
    kinds = taxonomy.areas() if by == "area" else dict(labels.CATEGORIES)
    if by == "area":
        kinds = {**kinds, "": "No area"}
    # Grouped by inspection and its year found here: SQLite extracts a year in Python, row
    # by row, which the estate's thousands of concerns would pay on every request.
    years = {
        pk: start.year
        for pk, start in Inspection.objects.values_list("pk", "start")
        if start is not None
    }
    counts: dict[tuple[int, str], int] = {}
    totals: Counter[int] = Counter()
    for inspection_id, kind, number in (
        concerns.values_list("plan__inspection_id", by).annotate(number=_count()).order_by()
    ):
        if inspection_id not in years:
            continue
        year = years[inspection_id]
        counts[(year, kind or "")] = counts.get((year, kind or ""), 0) + number
        totals[year] += number
    raised_again = (
        ConcernLink.objects.visible_to(user)
        .recurring()
        .filter(concern__in=concerns.values("pk"))
        .filter(other_inspection__start__lt=_start_of_concern())
    )
    recurring: Counter[tuple[int, str]] = Counter()
    where: Counter[int] = Counter()
    for _, inspection_id, kind, establishment_id in set(
        raised_again.values_list(
            "concern_id",
            "concern__plan__inspection_id",
            f"concern__{by}",
            "other_establishment_id",
        )
    ):
        if inspection_id not in years:
            continue
        recurring[(years[inspection_id], kind or "")] += 1
        where[establishment_id] += 1
    names = dict(Establishment.objects.filter(pk__in=list(where)).values_list("pk", "slug"))
    full = dict(Establishment.objects.filter(pk__in=list(where)).values_list("pk", "name"))
    by_establishment = [
        {"name": full[pk], "slug": names[pk], "recurring": number}
        for pk, number in sorted(where.items(), key=lambda item: (-item[1], full[item[0]]))[:20]
    ]
    return Themes(
        years=sorted(totals),
        kinds=kinds,
        counts=counts,
        recurring=dict(recurring),
        totals=dict(totals),
        by_establishment=by_establishment,
        topics=_recurring_topics(concerns),
    )


def _count() -> Any:
    from django.db.models import Count

    return Count("pk")


def _start_of_concern() -> Any:
    from django.db.models import F

    return F("concern__plan__inspection__start")


def _recurring_topics(concerns: Any) -> list[dict[str, Any]]:
    """Each topic raised at two or more inspections of one establishment: the establishments
    where it recurs, the topics recurring at the most establishments first."""
    if not taxonomy.has_topics():
        return []
    names = taxonomy.topics()
    seen: dict[tuple[str, int], set[int]] = defaultdict(set)
    slugs: dict[int, tuple[str, str]] = {}
    for topic, establishment_id, name, slug, inspection_id in concerns.values_list(
        "topic_links__topic",
        "plan__inspection__establishment_id",
        "plan__inspection__establishment__name",
        "plan__inspection__establishment__slug",
        "plan__inspection_id",
    ):
        if topic:
            seen[(topic, establishment_id)].add(inspection_id)
            slugs[establishment_id] = (name, slug)
    by_topic: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (topic, establishment_id), inspections in seen.items():
        if len(inspections) > 1:
            by_topic[topic].append(slugs[establishment_id])
    return sorted(
        (
            {"key": topic, "name": names.get(topic, topic), "establishments": sorted(places)}
            for topic, places in by_topic.items()
        ),
        key=lambda entry: (-len(entry["establishments"]), entry["name"]),
    )
