"""The plan model: Plan, Concern and Action as plain Python, with the plan JSON contract."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("priority", "key", "recommendation")
# The keys of the plan JSON contract: two readings of a plan are the same plan when these agree.
CONTRACT_KEYS = (
    "establishment",
    "plan_submitted",
    "inspection_start",
    "inspection_end",
    "report_published",
    "concerns",
)
AGREEMENTS = (None, "agreed", "partly agreed", "not agreed")
# HMIP's healthy prison areas (labels.AREAS has their names).
AREAS = ("safety", "respect", "purposeful_activity", "rehabilitation_release")


@dataclass
class Action:
    """One response action: what will be done, by whom, by when."""

    text: str
    owner: str = ""
    target_text: str = ""
    # "YYYY-MM", "YYYY-MM-DD", "completed", "ongoing" or None when unreadable
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "target_text": self.target_text,
            "target": self.target,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        return cls(
            text=data["text"],
            owner=data.get("owner", ""),
            target_text=data.get("target_text", ""),
            target=data.get("target"),
        )


@dataclass
class Concern:
    """A numbered concern or recommendation from the inspection report, with its actions."""

    ref: str
    category: str
    text: str
    agreement: str | None = None
    actions: list[Action] = field(default_factory=list)
    # The healthy prison area (a key of AREAS): printed in the plan, or assigned once stored.
    area: str | None = None
    # Topics (keys of labels.TOPICS): never printed, so not part of the reading's contract;
    # stored plans carry them for exports.
    topics: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"category must be one of {CATEGORIES}, not {self.category!r}")
        if self.agreement not in AGREEMENTS:
            raise ValueError(f"agreement must be one of {AGREEMENTS}, not {self.agreement!r}")
        if self.area is not None and self.area not in AREAS:
            raise ValueError(f"area must be one of {AREAS} or None, not {self.area!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "category": self.category,
            "agreement": self.agreement,
            "area": self.area,
            "text": self.text,
            "actions": [action.to_dict() for action in self.actions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Concern:
        return cls(
            ref=data["ref"],
            category=data["category"],
            agreement=data.get("agreement"),
            text=data.get("text", ""),
            actions=[Action.from_dict(item) for item in data.get("actions", [])],
            area=data.get("area"),
            topics=list(data.get("topics", [])),
        )


@dataclass
class Plan:
    """An action plan answering one inspection report."""

    establishment: str
    plan_submitted: str | None = None
    inspection_start: str | None = None
    inspection_end: str | None = None
    report_published: str | None = None
    concerns: list[Concern] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def actions(self) -> list[Action]:
        return [action for concern in self.concerns for action in concern.actions]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "establishment": self.establishment,
            "plan_submitted": self.plan_submitted,
            "inspection_start": self.inspection_start,
            "inspection_end": self.inspection_end,
            "report_published": self.report_published,
            "concerns": [concern.to_dict() for concern in self.concerns],
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            establishment=data["establishment"],
            plan_submitted=data.get("plan_submitted"),
            inspection_start=data.get("inspection_start"),
            inspection_end=data.get("inspection_end"),
            report_published=data.get("report_published"),
            concerns=[Concern.from_dict(item) for item in data.get("concerns", [])],
            warnings=list(data.get("warnings", [])),
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.from_dict(json.loads(text))
