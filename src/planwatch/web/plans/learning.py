"""Writes what the estate learns: links between concerns on the same matter when plans are
stored, and what owners had reported when a concern was judged. Called by services inside
their transactions, and by `planwatch similar --recompute` for the whole estate."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from planwatch import labels, similarity
from planwatch.web.caching import estate_changed
from planwatch.web.plans import rules
from planwatch.web.plans.learned import ConcernLink, SelfReport
from planwatch.web.plans.models import Action, Concern, Judgement, Plan, ProgressUpdate

# Links kept from each concern to concerns at other establishments, the closest first: a
# matter raised across the estate would otherwise link every concern to hundreds.
ELSEWHERE_KEPT = 20


@dataclass(frozen=True)
class _Row:
    pk: int
    text: str
    inspection: int
    establishment: int
    draft: bool


def _rows(concerns: Any) -> list[_Row]:
    return [
        _Row(pk, text, inspection, establishment, state == Plan.State.DRAFT)
        for pk, text, inspection, establishment, state in concerns.values_list(
            "pk",
            "text",
            "plan__inspection_id",
            "plan__inspection__establishment_id",
            "plan__state",
        )
    ]


def _link(rows: list[_Row], fresh: list[_Row]) -> list[ConcernLink]:
    """Links between the fresh concerns and every compared concern (weights from all)."""
    index = {row.pk: position for position, row in enumerate(rows)}
    for row in fresh:
        if row.pk not in index:
            index[row.pk] = len(rows)
            rows.append(row)
    pairs = similarity.similar_pairs(
        [row.text for row in rows], among=[index[row.pk] for row in fresh]
    )
    # (score, target) per source, made into links only once the closest are chosen.
    found: dict[int, list[tuple[float, _Row]]] = {}
    for pair in pairs:
        first, second = rows[pair.first], rows[pair.second]
        if first.inspection == second.inspection or (first.draft and second.draft):
            continue  # one report's own concerns do not recur in it
        if not second.draft:
            found.setdefault(first.pk, []).append((pair.score, second))
        if not first.draft:
            found.setdefault(second.pk, []).append((pair.score, first))
    by_pk = {row.pk: row for row in rows}
    kept: list[ConcernLink] = []
    for source_pk, targets in found.items():
        source = by_pk[source_pk]
        targets.sort(key=lambda item: (-item[0], item[1].pk))
        same = [item for item in targets if item[1].establishment == source.establishment]
        elsewhere = [item for item in targets if item[1].establishment != source.establishment]
        for score, target in same + elsewhere[:ELSEWHERE_KEPT]:
            kept.append(
                ConcernLink(
                    concern_id=source.pk,
                    other_id=target.pk,
                    score=score,
                    same_establishment=target.establishment == source.establishment,
                    other_inspection_id=target.inspection,
                    other_establishment_id=target.establishment,
                )
            )
    return kept


def refresh_links(plan: Plan) -> int:
    """Link a plan's concerns to those on the same matter: called whenever a plan is stored,
    submitted, or a draft's concerns change. Returns the number of links written."""
    with transaction.atomic():
        # Bulk writes send no signals: the themes every server keeps are told here.
        estate_changed()
        if plan.is_draft:
            ConcernLink.objects.filter(concern__plan=plan).delete()
        else:
            newest = Plan.objects.filter(inspection=plan.inspection_id).newest_versions()
            if newest.get(plan.inspection_id) != plan.pk:
                return 0  # an older version: its newest version speaks for its concerns
            # The previous versions' links (and links to them) are replaced by this one's.
            of_inspection = Concern.objects.filter(plan__inspection=plan.inspection_id)
            ConcernLink.objects.filter(concern__in=of_inspection).delete()
            ConcernLink.objects.filter(other__in=of_inspection).delete()
        fresh = _rows(Concern.objects.filter(plan=plan))
        if not fresh:
            return 0
        links = _link(_rows(Concern.objects.compared()), fresh)
        ConcernLink.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        return len(links)


def recompute_links() -> int:
    """Every link across the estate, worked out afresh. Returns the number written."""
    with transaction.atomic():
        ConcernLink.objects.all().delete()
        compared = _rows(Concern.objects.compared())
        drafts = _rows(Concern.objects.filter(plan__state=Plan.State.DRAFT))
        links = _link(list(compared), compared + drafts)
        ConcernLink.objects.bulk_create(links, batch_size=2000)
        estate_changed()
        return len(links)


# --- self-reported against judged --------------------------------------------------------


@dataclass(frozen=True)
class _Update:
    """What rules.state needs of an update, read without the rest of it."""

    pk: int
    status: str
    new_target_date: datetime.date | None
    evidence_date: datetime.date | None
    recorded_at: datetime.datetime


def refresh_self_reports(inspection_id: int, ref: str | None = None) -> int:
    """What owners had reported on the day of each judgement in effect on an inspection's
    concerns (one concern, with `ref`). Returns the number of rows written. A few queries an
    inspection, however many concerns it has."""
    from planwatch.web.plans.models import Inspection

    with transaction.atomic():
        stale = SelfReport.objects.filter(inspection_id=inspection_id)
        judgements = Judgement.objects.filter(inspection_id=inspection_id).in_effect()
        if ref is not None:
            stale = stale.filter(concern_ref=ref)
            judgements = judgements.filter(concern_ref=ref)
        stale.delete()
        judged = list(judgements.order_by("pk"))
        if not judged:
            return 0
        inspection = Inspection.objects.get(pk=inspection_id)
        versions = [
            rules.PlanFacts(*row)
            for row in Plan.objects.submitted()
            .filter(inspection_id=inspection_id)
            .values_list(
                "pk",
                "inspection__establishment_id",
                "inspection_id",
                "inspection__start",
                "version",
                "in_force_from",
            )
        ]

        def version_on(day: datetime.date) -> int | None:
            # The newest version in force from on or before the day: the plan-in-force rule
            # within one inspection.
            return rules.plans_in_force(versions, day).get(inspection.establishment_id)

        wanted = {(version_on(j.judged_on), j.concern_ref) for j in judged}
        concerns: dict[tuple[int | None, str], Concern] = {
            (concern.plan_id, concern.ref): concern
            for concern in Concern.objects.select_related("plan").filter(
                plan_id__in={plan for plan, _ in wanted if plan is not None},
                ref__in={concern_ref for _, concern_ref in wanted},
            )
        }
        fallback = Concern.objects.select_related("plan").in_bulk({j.concern_id for j in judged})
        chosen = {
            j.pk: concerns.get((version_on(j.judged_on), j.concern_ref), fallback[j.concern_id])
            for j in judged
        }
        actions: dict[int, list[Action]] = {}
        for action in Action.objects.filter(
            concern_id__in={c.pk for c in chosen.values()}
        ).order_by("position"):
            actions.setdefault(action.concern_id, []).append(action)
        updates: dict[object, list[_Update]] = {}
        rows: Any = ProgressUpdate.objects.filter(
            lineage__in={a.lineage for found in actions.values() for a in found}
        ).values_list("lineage", "pk", "status", "new_target_date", "evidence_date", "recorded_at")
        for lineage, pk, status, new_target, evidence, recorded in rows:
            updates.setdefault(lineage, []).append(
                _Update(pk, status, new_target, evidence, recorded)
            )
        written = []
        for judgement in judged:
            concern = chosen[judgement.pk]
            day = judgement.judged_on
            statuses = [
                rules.state(
                    action.target,
                    action.target_due,
                    updates.get(action.lineage, []),
                    day,
                    concern.plan.submitted_on,
                ).status
                for action in actions.get(concern.pk, [])
            ]
            reported = rules.reported_progress(statuses)
            if reported is None:
                continue
            written.append(
                SelfReport(
                    judgement=judgement,
                    concern=concern,
                    establishment_id=inspection.establishment_id,
                    inspection_id=inspection_id,
                    concern_ref=judgement.concern_ref,
                    year=inspection.start.year if inspection.start else None,
                    judged_on=day,
                    rating=judgement.rating,
                    actions=len(statuses),
                    completed=statuses.count(labels.COMPLETED),
                    deferred=statuses.count(labels.DEFERRED),
                    reported=reported,
                )
            )
        # Each concern's latest judgement is the one the pages count (rules as
        # JudgementQuerySet.latest_by_concern: by date judged, then recorded).
        newest: dict[str, SelfReport] = {}
        for row in sorted(
            written,
            key=lambda row: (row.judged_on, row.judgement.recorded_at, row.judgement.pk),
        ):
            newest[row.concern_ref] = row
        for row in newest.values():
            row.latest = True
        SelfReport.objects.bulk_create(written)
        return len(written)


def refresh_self_reports_for_action(action: Action) -> None:
    """An update changes what was reported on a judgement's day only when the judgement is
    dated today or later; refreshing whenever the concern has a judgement is cheap and sure."""
    inspection_id = action.plan.inspection_id
    ref = action.concern.ref
    if Judgement.objects.of_concern(inspection_id, ref).exists():
        refresh_self_reports(inspection_id, ref)


def recompute_self_reports() -> int:
    with transaction.atomic():
        SelfReport.objects.all().delete()
        total = 0
        for inspection_id in set(Judgement.objects.values_list("inspection_id", flat=True)):
            total += refresh_self_reports(inspection_id)
        return total
