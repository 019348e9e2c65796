"""What a quality rule reports: a finding, its severity, and the settings rules read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer should look at, with the words that triggered it quoted."""

    rule: str
    severity: str
    message: str
    suggestion: str
    concern_ref: str | None = None
    action_number: int | None = None  # 1-based within its concern
    # Why the plan's lead kept the action as it is, when they marked the finding considered
    # (the web application records it); a considered finding is not counted as open.
    considered: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.considered is None:
            del data["considered"]
        return data

    @property
    def where(self) -> str:
        if self.concern_ref is None:
            return "plan"
        if self.action_number is None:
            return f"concern {self.concern_ref}"
        return f"concern {self.concern_ref} action {self.action_number}"


@dataclass(frozen=True)
class QualityConfig:
    """Limits the rules apply; each can be changed for a deployment or a run."""

    max_months_after_submission: int = 12
    max_owner_share: float = 0.5
    max_days_to_submit: int = 60
    near_duplicate_ratio: float = 0.9
    # A draft is measured as if submitted on its plan_submitted day (today): the messages
    # say so instead of speaking of a submission that has not happened.
    draft: bool = False
