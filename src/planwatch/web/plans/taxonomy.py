"""Areas and topics of concerns where the data model holds them: the one place the estate
pages ask for them, so that their filters and tables appear once `Concern.area` and
`Concern.topic_links` exist (docs/topics.md) and are left out until then."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist


def _has(field: str) -> bool:
    from planwatch.web.plans.models import Concern

    try:
        Concern._meta.get_field(field)
    except FieldDoesNotExist:
        return False
    return True


def has_areas() -> bool:
    return _has("area")


def has_topics() -> bool:
    return _has("topic_links")


def areas() -> dict[str, str]:
    """{area key: name}, empty until areas are held."""
    from planwatch import labels

    return dict(getattr(labels, "AREAS", {})) if has_areas() else {}


def topics() -> dict[str, str]:
    """{topic key: name}, empty until topics are held."""
    from planwatch import labels

    return dict(getattr(labels, "TOPICS", {})) if has_topics() else {}


def filter_concerns(queryset: Any, path: str, area: str = "", topic: str = "") -> Any:
    """Narrow a queryset to concerns of an area and a topic. `path` leads from the
    queryset's model to the concern ("" for concerns, "concern__" for links and reports)."""
    if area and has_areas():
        queryset = queryset.filter(**{f"{path}area": area})
    if topic and has_topics():
        queryset = queryset.filter(**{f"{path}topic_links__topic": topic}).distinct()
    return queryset


def chosen(request_get: Any) -> tuple[str, str, str | None]:
    """The area and topic asked for in a query string, each "" when not given; with a
    message when one is not known (and then left out)."""
    area = request_get.get("area", "").strip()
    topic = request_get.get("topic", "").strip()
    error = None
    if area and area not in areas():
        error = "Choose an area from the list"
        area = ""
    if topic and topic not in topics():
        error = "Choose a topic from the list"
        topic = ""
    return area, topic, error
