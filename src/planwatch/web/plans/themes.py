"""Areas and topics of stored concerns: classifying those the plan does not print, a
person's corrections with their history, and carrying both over to a plan's next version."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from planwatch import labels
from planwatch.themes.classifier import classify, concern_text
from planwatch.web.caching import estate_changed
from planwatch.web.plans.models import Concern, ConcernTopic, Source, ThemeCorrection

# Concerns classified per batch by `planwatch classify`: memory stays flat across the estate.
BATCH = 500


def classify_concerns(concerns: Iterable[Concern]) -> int:
    """Classify the area and topics of these concerns where nobody printed or set them:
    a printed or person-set area, and person-set topics, are kept. Returns how many
    concerns were classified."""
    concerns = [
        concern
        for concern in concerns
        if concern.area_source in ("", Source.CLASSIFIED)
        or not any(link.source == Source.PERSON for link in concern.topic_links.all())
    ]
    if not concerns:
        return 0
    texts = [
        concern_text(concern.text, [action.text for action in concern.actions.all()])
        for concern in concerns
    ]
    assignments = classify(texts)
    changed_areas = []
    for concern, assignment in zip(concerns, assignments, strict=True):
        if concern.area_source in ("", Source.CLASSIFIED):
            concern.area = assignment.area
            concern.area_source = Source.CLASSIFIED
            concern.area_score = assignment.area_score
            changed_areas.append(concern)
    if changed_areas:
        Concern.objects.bulk_update(changed_areas, ["area", "area_source", "area_score"])
    # Bulk writes send no signals: the themes every server keeps are told here.
    estate_changed()
    person_set = {
        concern.pk
        for concern in concerns
        if any(link.source == Source.PERSON for link in concern.topic_links.all())
    }
    reclassified = [concern.pk for concern in concerns if concern.pk not in person_set]
    ConcernTopic.objects.filter(concern__in=reclassified).delete()
    ConcernTopic.objects.bulk_create(
        ConcernTopic(concern=concern, topic=topic, source=Source.CLASSIFIED, score=score)
        for concern, assignment in zip(concerns, assignments, strict=True)
        if concern.pk not in person_set
        for topic, score in assignment.topics
    )
    return len(concerns)


def _with_texts(concerns: Any) -> Any:
    return concerns.prefetch_related("actions", "topic_links")


def classify_plan(plan: Any) -> int:
    """Classify a plan's concerns (when it is stored, and when a draft changes)."""
    return classify_concerns(_with_texts(Concern.objects.filter(plan=plan)))


def classify_concern(concern: Concern) -> int:
    return classify_concerns(_with_texts(Concern.objects.filter(pk=concern.pk)))


def classify_estate() -> int:
    """Recompute every classified assignment across the estate, in batches; printed and
    person-set ones are kept. Returns how many concerns were classified."""
    done = 0
    keys = list(Concern.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(keys), BATCH):
        with transaction.atomic():
            done += classify_concerns(
                _with_texts(Concern.objects.filter(pk__in=keys[start : start + BATCH]))
            )
    return done


def set_printed_area(concern: Concern, area: str | None) -> None:
    """The area the plan prints, as read (before classification)."""
    if area:
        concern.area, concern.area_source, concern.area_score = area, Source.PRINTED, None


def correct(concern: Concern, user: Any, area: str, topics: Sequence[str]) -> list[ThemeCorrection]:
    """A person sets (or confirms) a concern's area and topics: each is recorded in its
    history and marked as set by a person. Returns the history entries written (none when
    the person had already set exactly these)."""
    if area not in labels.AREAS:
        raise ValueError(f"unknown area {area!r}")
    unknown = [topic for topic in topics if topic not in labels.TOPICS]
    if unknown or not topics:
        raise ValueError(f"topics must be one or more of labels.TOPICS, not {list(topics)!r}")
    order = list(labels.TOPICS)
    wanted = sorted(set(topics), key=order.index)
    written = []
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        plan = concern.plan
        held = sorted(
            ConcernTopic.objects.filter(concern=concern).values_list("topic", flat=True),
            key=order.index,
        )
        base = {
            "concern": concern,
            "inspection_id": plan.inspection_id,
            "concern_ref": concern.ref,
            "changed_by": user,
        }
        # A person confirming what was printed or classified is recorded too: from then on
        # it is theirs, kept when the estate is classified again.
        if concern.area != area or concern.area_source != Source.PERSON:
            written.append(
                ThemeCorrection.objects.create(
                    field=ThemeCorrection.Field.AREA, before=concern.area, after=area, **base
                )
            )
            concern.area, concern.area_source, concern.area_score = area, Source.PERSON, None
            concern.save(update_fields=["area", "area_source", "area_score"])
        person_set = (
            not ConcernTopic.objects.filter(concern=concern).exclude(source=Source.PERSON).exists()
        )
        if held != wanted or not person_set:
            written.append(
                ThemeCorrection.objects.create(
                    field=ThemeCorrection.Field.TOPICS,
                    before=" ".join(held),
                    after=" ".join(wanted),
                    **base,
                )
            )
        ConcernTopic.objects.filter(concern=concern).delete()
        ConcernTopic.objects.bulk_create(
            ConcernTopic(concern=concern, topic=topic, source=Source.PERSON) for topic in wanted
        )
        estate_changed()
    return written


def history(concern: Concern) -> list[ThemeCorrection]:
    """Every correction of the concern's area and topics, in any version of its plan, newest
    first."""
    return list(
        ThemeCorrection.objects.filter(
            inspection_id=concern.plan.inspection_id, concern_ref=concern.ref
        ).select_related("changed_by")
    )


def carry_over(plan: Any, previous: Any) -> int:
    """A person's area and topics on the previous version's concerns carry over to the same
    concerns (by number, as judgements do) of the new version, so that a correction is not
    lost when the plan is re-issued. Returns how many concerns took something over."""
    if previous is None:
        return 0
    old = {
        concern.ref: concern
        for concern in Concern.objects.filter(plan=previous).prefetch_related("topic_links")
    }
    areas, links, replaced = [], [], []
    for concern in Concern.objects.filter(plan=plan):
        before = old.get(concern.ref)
        if before is None:
            continue
        if before.area_source == Source.PERSON:
            concern.area, concern.area_source, concern.area_score = before.area, Source.PERSON, None
            areas.append(concern)
        person = [link for link in before.topic_links.all() if link.source == Source.PERSON]
        if person:
            replaced.append(concern)
            links += [
                ConcernTopic(concern=concern, topic=link.topic, source=Source.PERSON)
                for link in person
            ]
    Concern.objects.bulk_update(areas, ["area", "area_source", "area_score"])
    ConcernTopic.objects.filter(concern__in=replaced).delete()
    ConcernTopic.objects.bulk_create(links)
    estate_changed()
    return len({concern.pk for concern in [*areas, *replaced]})
