"""Quality rules over the plan model: is each action owned, measurable and time-bound?"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from planwatch.model import Plan
from planwatch.owners import OwnerIndex
from planwatch.quality.findings import SEVERITIES, Finding, QualityConfig
from planwatch.quality.rules import RULE_IDS, RULE_SEVERITY, RULES

__all__ = [
    "RULE_IDS",
    "RULE_SEVERITY",
    "SEVERITIES",
    "Finding",
    "QualityConfig",
    "Report",
    "check_plan",
]


@dataclass
class Report:
    """The findings on one plan and the figures that summarise them."""

    findings: list[Finding]
    summary: dict[str, Any] = field(default_factory=dict)

    def for_action(self, concern_ref: str, action_number: int) -> list[Finding]:
        return [
            finding
            for finding in self.findings
            if finding.concern_ref == concern_ref and finding.action_number == action_number
        ]

    def with_considered(self, reasons: dict[tuple[str, int, str], str]) -> Report:
        """The report with the findings the plan's lead marked considered, keyed by (concern
        ref, action number, rule), carrying their reasons and no longer counted as open."""
        if not reasons:
            return self
        findings = [
            replace(finding, considered=reasons[key])
            if finding.action_number is not None
            and (key := (finding.concern_ref or "", finding.action_number, finding.rule)) in reasons
            else finding
            for finding in self.findings
        ]
        summary = {**self.summary, **_counts(self.summary["actions"], findings)}
        return Report(findings=findings, summary=summary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "findings": [finding.to_dict() for finding in self.findings],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(
            findings=[Finding(**finding) for finding in data["findings"]],
            summary=data["summary"],
        )


def _counts(actions: int, findings: list[Finding]) -> dict[str, Any]:
    """The figures that depend on which findings are open: a finding the plan's lead marked
    considered is counted apart, and does not stop its action passing."""
    open_findings = [finding for finding in findings if finding.considered is None]
    flagged = {
        (finding.concern_ref, finding.action_number)
        for finding in open_findings
        if finding.action_number is not None and finding.severity != "info"
    }
    passing = actions - len(flagged)
    return {
        "actions_passing": passing,
        "share_passing": round(passing / actions, 3) if actions else None,
        "by_severity": {
            severity: sum(f.severity == severity for f in open_findings) for severity in SEVERITIES
        },
        "considered": len(findings) - len(open_findings),
        "by_rule": dict(sorted(Counter(finding.rule for finding in open_findings).items())),
    }


def summarise(plan: Plan, findings: list[Finding]) -> dict[str, Any]:
    """Counts by rule and severity, the share of actions that pass, owners and months."""
    actions = plan.actions
    index = OwnerIndex(action.owner for action in actions)
    owners = Counter(
        owner for action in actions for owner in (index.normalise(action.owner) or ["(none)"])
    )
    months = Counter(
        action.target[:7]
        if action.target and action.target[0].isdigit()
        else (action.target or "unreadable")
        for action in actions
    )
    return {
        "concerns": len(plan.concerns),
        "actions": len(actions),
        **_counts(len(actions), findings),
        "actions_per_owner": dict(owners.most_common()),
        "owner_aliases": index.aliases,
        "targets_by_month": dict(sorted(months.items())),
    }


def check_plan(plan: Plan, config: QualityConfig | None = None) -> Report:
    """Run every rule over a plan."""
    config = config or QualityConfig()
    findings = [finding for rule in RULES for finding in rule(plan, config)]
    return Report(findings=findings, summary=summarise(plan, findings))
