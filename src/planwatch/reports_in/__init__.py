"""Reading HMIP's documents: inspection reports (concerns) and reviews of progress (judgements)."""

from __future__ import annotations

from planwatch.errors import PlanReadError


class ReportReadError(PlanReadError):
    """An inspection report or review of progress could not be read; the message is one line
    for the user. A PlanReadError, so that every command and page already shows it as such."""
