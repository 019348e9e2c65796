"""Plans -> data: CSV (GOV.UK tabular data guidance), XLSX and JSON, one row per action."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

from planwatch.owners import OwnerIndex
from planwatch.writers.cells import SafeCsvDictWriter, keep_as_text
from planwatch.writers.layout import ConcernLinks, LinkedConcern, PlanExport

COLUMNS = (
    "establishment",
    "inspection_start",
    "inspection_end",
    "report_published",
    "plan_submitted",
    "plan_version",
    "concern_ref",
    "concern_category",
    "concern_agreement",
    "concern_text",
    "area",
    "topics",
    "action_number",
    "action_text",
    "owner",
    "owner_normalised",
    "target_text",
    "target",
    "status",
    "overdue",
    "due_date",
    "deferred_to",
    "last_update",
    "plan_in_force",
    "concern_raised_at_other_inspections",
    "concern_similar_elsewhere",
)


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _link_counts(export: PlanExport, ref: str) -> tuple[Any, Any]:
    if export.links is None:
        return "", ""
    found = export.links.get(ref, ConcernLinks())
    return len(found.recurring), len(found.elsewhere)


def _linked(items: tuple[LinkedConcern, ...]) -> list[dict[str, Any]]:
    return [
        {
            "establishment": item.establishment,
            "inspection_start": item.inspection_start,
            "ref": item.ref,
            "similarity": item.similarity,
        }
        for item in items
    ]


def action_records(exports: list[PlanExport]) -> list[dict[str, Any]]:
    """One record per action, with the plan and concern it belongs to, in COLUMNS order."""
    records = []
    for export in exports:
        plan = export.plan
        owners = OwnerIndex(action.owner for action in plan.actions)
        for concern in plan.concerns:
            recurring, elsewhere = _link_counts(export, concern.ref)
            for number, action in enumerate(concern.actions, start=1):
                progress = export.progress_of(concern, number)
                records.append(
                    {
                        "establishment": plan.establishment,
                        "inspection_start": plan.inspection_start or "",
                        "inspection_end": plan.inspection_end or "",
                        "report_published": plan.report_published or "",
                        "plan_submitted": plan.plan_submitted or "",
                        "plan_version": export.version or "",
                        "concern_ref": concern.ref,
                        "concern_category": concern.category,
                        "concern_agreement": concern.agreement or "",
                        "concern_text": concern.text,
                        "area": concern.area or "",
                        "topics": "; ".join(concern.topics),
                        "action_number": number,
                        "action_text": action.text,
                        "owner": action.owner,
                        "owner_normalised": (
                            progress.owner_normalised if progress else owners.label(action.owner)
                        ),
                        "target_text": action.target_text,
                        "target": action.target or "",
                        "status": progress.status if progress else "",
                        "overdue": ("true" if progress.overdue else "false") if progress else "",
                        "due_date": _iso(progress.due) if progress else "",
                        "deferred_to": _iso(progress.deferred_to) if progress else "",
                        "last_update": _iso(progress.last_update) if progress else "",
                        "plan_in_force": _flag(progress.in_force if progress else None),
                        "concern_raised_at_other_inspections": recurring,
                        "concern_similar_elsewhere": elsewhere,
                    }
                )
    return records


def write_csv(exports: list[PlanExport]) -> bytes:
    """UTF-8, one header row, one table, ISO dates, as GOV.UK asks of published data."""
    output = io.StringIO(newline="")
    writer = SafeCsvDictWriter(output, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(action_records(exports))
    return output.getvalue().encode("utf-8")


def write_xlsx(exports: list[PlanExport]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet
    sheet.title = "Actions"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in action_records(exports):
        sheet.append([record[column] for column in COLUMNS])
    keep_as_text(sheet.iter_rows(min_row=2))
    sheet.freeze_panes = "A2"
    widths = {"concern_text": 60, "action_text": 80, "establishment": 28, "owner": 28}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column, 16)
        if column in ("concern_text", "action_text"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.auto_filter.ref = sheet.dimensions
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def plan_record(export: PlanExport) -> dict[str, Any]:
    """The plan JSON contract, with each action's progress added where it is held."""
    data = export.plan.to_dict()
    data.pop("warnings", None)
    if export.version is not None:
        data["version"] = export.version
    owners = OwnerIndex(action.owner for action in export.plan.actions)
    for concern, concern_data in zip(export.plan.concerns, data["concerns"], strict=True):
        if export.links is not None:
            found = export.links.get(concern.ref, ConcernLinks())
            concern_data["raised_at_other_inspections"] = _linked(found.recurring)
            concern_data["similar_elsewhere"] = _linked(found.elsewhere)

        concern_data["topics"] = list(concern.topics)
        for number, action_data in enumerate(concern_data["actions"], start=1):
            progress = export.progress_of(concern, number)
            action_data["owner_normalised"] = (
                progress.owner_normalised if progress else owners.label(action_data["owner"])
            )
            if progress:
                action_data["status"] = progress.status
                action_data["overdue"] = progress.overdue
                action_data["due_date"] = _iso(progress.due) or None
                action_data["deferred_to"] = _iso(progress.deferred_to) or None
                action_data["last_update"] = _iso(progress.last_update) or None
                action_data["plan_in_force"] = progress.in_force
    return data


def write_json(exports: list[PlanExport]) -> bytes:
    if len(exports) == 1:
        data: Any = plan_record(exports[0])
    else:
        data = {"plans": [plan_record(export) for export in exports]}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
