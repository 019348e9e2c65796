"""Forms for posting progress, judging concerns, uploading and drafting plans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from planwatch import labels
from planwatch.dates import parse_target
from planwatch.web.govuk import GovDateField
from planwatch.web.plans import rules
from planwatch.web.plans.models import Agreement, Category, Concern, Rating, Status
from planwatch.web.plans.services import MAX_CONSIDERED_REASON, MAX_TEXT

WITHDRAW = "withdraw"


def too_long(what: str, limit: int = MAX_TEXT) -> str:
    return f"{what} must be {limit:,} characters or fewer"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _check_size(upload) -> None:
    limit = settings.PLANWATCH_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"{upload.name} is {upload.size / 1_000_000:.1f} MB; the limit is "
            f"{limit / 1_000_000:.0f} MB"
        )


class ProgressUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status of the action"},
    )
    note = forms.CharField(
        label="What has been done",
        required=False,
        max_length=MAX_TEXT,
        error_messages={"max_length": f"The note must be {MAX_TEXT:,} characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what was done and what shows it. Required when you complete an action.",
    )
    evidence_date = GovDateField(
        label="Date the evidence refers to",
        required=False,
        help_text="For example, 27 3 2024",
    )
    new_target_date = GovDateField(
        label="New target date",
        required=False,
        help_text="Required when you defer an action. The original target is kept.",
    )
    deferral_reason = forms.CharField(
        label="Reason for deferring",
        required=False,
        max_length=MAX_TEXT,
        error_messages={"max_length": too_long("The reason for deferring")},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you defer an action: why it cannot be done by its target.",
    )
    evidence_files = MultipleFileField(
        label="Evidence files",
        required=False,
        help_text="Required when you complete an action under a priority concern.",
    )

    def __init__(self, *args, action=None, **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)

    def update_values(self) -> dict[str, Any]:
        """The cleaned form as the arguments of services.record_update."""
        data = self.cleaned_data
        return {
            "status": data["status"],
            "note": data.get("note") or "",
            "evidence_date": data.get("evidence_date"),
            "new_target_date": data.get("new_target_date"),
            "deferral_reason": data.get("deferral_reason") or "",
            "files": data.get("evidence_files") or [],
        }

    def clean_evidence_files(self):
        files = self.cleaned_data.get("evidence_files") or []
        for upload in files:
            _check_size(upload)
        return files

    def clean(self):
        cleaned = super().clean() or {}
        status = cleaned.get("status")
        note = (cleaned.get("note") or "").strip()
        if status == Status.COMPLETED:
            if not note:
                self.add_error("note", "Say what was done to complete the action")
            priority = (
                self.action is not None
                and self.action.concern.category == "priority"
                and "evidence_files" in self.fields
            )
            if priority and not cleaned.get("evidence_files"):
                self.add_error(
                    "evidence_files",
                    "Attach evidence: actions under a priority concern need evidence to be "
                    "completed",
                )
        if status == Status.DEFERRED:
            new_target = cleaned.get("new_target_date")
            if not new_target and "new_target_date" not in self.errors:
                self.add_error("new_target_date", "Enter the new target date")
            elif new_target and new_target <= rules.today():
                self.add_error("new_target_date", "The new target date must be in the future")
            reason = (cleaned.get("deferral_reason") or "").strip()
            if not reason and "deferral_reason" not in self.errors:
                self.add_error("deferral_reason", "Give the reason for deferring the action")
        evidence_date = cleaned.get("evidence_date")
        if evidence_date and evidence_date > rules.today():
            self.add_error("evidence_date", "The date the evidence refers to must be in the past")
        return cleaned


class JudgementForm(forms.Form):
    rating = forms.ChoiceField(
        label="Progress on this concern",
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a judgement"},
    )
    reason = forms.CharField(
        label="Why",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Give the reason for the judgement",
            "max_length": too_long("The reason"),
        },
    )
    judged_on = GovDateField(label="Date of the judgement", help_text="For example, 27 3 2025")


class ThemesForm(forms.Form):
    """A concern's healthy prison area and topics, as a person sets them."""

    area = forms.ChoiceField(
        label="Healthy prison area",
        choices=list(labels.AREAS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Select the concern's area"},
    )
    topics = forms.MultipleChoiceField(
        label="Topics",
        help_text="Select all that apply",
        choices=list(labels.TOPICS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one topic",
            "invalid_choice": "Select topics from the list",
        },
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Action plan file",
        help_text="PDF, Word (DOCX), OpenDocument (ODT) or the extracted text form",
        error_messages={"required": "Choose a plan file to upload"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_size(upload)
        return upload


class PlanImportForm(forms.Form):
    """One plan file, imported at once; or several, or a zip archive of them, imported as a
    background job."""

    file = MultipleFileField(
        label="Action plan files",
        help_text=(
            "One or more plan files (PDF, Word (DOCX), OpenDocument (ODT) or the extracted "
            "text form), or a zip archive of them"
        ),
        error_messages={"required": "Choose a plan file to upload"},
    )

    def clean_file(self):
        uploads = self.cleaned_data.get("file") or []
        if not uploads:
            raise forms.ValidationError("Choose a plan file to upload")
        for upload in uploads:
            _check_size(upload)
        return uploads


class ReportUploadForm(UploadForm):
    """An inspection report, to start a draft plan with its concerns."""

    file = forms.FileField(
        label="Inspection report",
        help_text="HMIP's report as PDF, Word (DOCX), OpenDocument (ODT) or text",
        error_messages={"required": "Choose the inspection report to upload"},
    )


class ReviewUploadForm(UploadForm):
    """An independent review of progress, to record its judgements."""

    file = forms.FileField(
        label="Independent review of progress",
        help_text="HMIP's review as PDF, Word (DOCX), OpenDocument (ODT) or text",
        error_messages={"required": "Choose the review of progress to upload"},
    )


DO_NOT_RECORD = ""


class ReviewConfirmForm(forms.Form):
    """One choice per judged review item: the concern it is recorded on, or none."""

    def __init__(self, *args, rows=(), concerns=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(DO_NOT_RECORD, "Do not record")] + [
            (concern.ref, f"{concern.ref}: {_short(concern.text)}") for concern in concerns
        ]
        self.rows = []
        for index, row in enumerate(rows):
            name = f"match_{index}"
            if row["item"].rating:
                self.fields[name] = forms.ChoiceField(
                    label=f"Concern in the plan for {row['item'].label}",
                    choices=choices,
                    required=False,
                    initial=row["concern_ref"] or DO_NOT_RECORD,
                )
            self.rows.append((row, self[name] if name in self.fields else None))

    def clean(self):
        cleaned = super().clean() or {}
        chosen: dict[str, str] = {}
        for row, bound in self.rows:
            if bound is None:
                continue
            ref = cleaned.get(bound.name)
            if not ref:
                continue
            if ref in chosen:
                self.add_error(
                    bound.name,
                    f"Concern {ref} is already chosen for {chosen[ref]}: choose each concern "
                    "once, or Do not record",
                )
            else:
                chosen[ref] = row["item"].label
        return cleaned


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class DraftPlanDatesForm(forms.Form):
    inspection_start = GovDateField(label="First day of the inspection")
    inspection_end = GovDateField(label="Last day of the inspection")
    report_published = GovDateField(label="Date the report was published", required=False)

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("inspection_start"), cleaned.get("inspection_end")
        if start and end and end < start:
            self.add_error("inspection_end", "The last day must be on or after the first day")
        return cleaned


class DraftPlanForm(DraftPlanDatesForm):
    establishment = forms.ChoiceField(
        label="Establishment", error_messages={"required": "Select the establishment"}
    )
    field_order = ["establishment", "inspection_start", "inspection_end", "report_published"]

    def __init__(self, *args, establishments=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["establishment"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose an establishment")] + [
            (str(item.pk), item.name) for item in establishments
        ]


class ConcernForm(forms.Form):
    ref = forms.CharField(
        label="Number",
        max_length=20,
        error_messages={
            "required": "Enter the concern's number",
            "max_length": too_long("The number", 20),
        },
    )
    category = forms.ChoiceField(
        label="Kind",
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of concern"},
    )
    agreement = forms.ChoiceField(
        label="Response to the recommendation (older plans only)",
        choices=[("", "Not applicable"), *Agreement.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Concern",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the concern as the report states it",
            "max_length": too_long("The concern"),
        },
    )


class ActionForm(forms.Form):
    text = forms.CharField(
        label="Action",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Describe the action", "max_length": too_long("The action")},
    )
    owner = forms.CharField(
        label="Responsible owner",
        max_length=300,
        help_text="The post or team, not a named person",
        error_messages={
            "required": "Enter the responsible owner",
            "max_length": too_long("The owner", 300),
        },
    )
    target_text = forms.CharField(
        label="Target date",
        max_length=100,
        help_text=(
            "A month (July 2025), a day (31 July 2025), a financial-year quarter "
            "(Q3 2025/26), Completed or Ongoing"
        ),
        error_messages={
            "required": "Enter the target date",
            "max_length": too_long("The target date", 100),
        },
    )

    def clean_target_text(self):
        text = self.cleaned_data["target_text"].strip()
        if parse_target(text) is None:
            raise forms.ValidationError(
                "Enter the target as a month (July 2025), a day (31 July 2025), a "
                "financial-year quarter with its year (Q3 2025/26), Completed or Ongoing"
            )
        return text


class AsOfForm(forms.Form):
    """The date a list or report is as of, in the three GOV.UK date boxes (a GET filter)."""

    as_of = GovDateField(label="As of", required=False, help_text="For example, 27 3 2024")

    def __init__(self, *args: Any, label: str = "As of", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].label = label


class WorkListFilterForm(forms.Form):
    """The filters of a work list (Overdue, Due soon, My actions), sent by GET. A value that
    is not a choice is ignored rather than refused: a list link stays usable."""

    establishment = forms.ChoiceField(label="Establishment", required=False)
    owner = forms.CharField(label="Owner (any part of the name)", required=False, max_length=300)
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args: Any, establishments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choose("establishment", [(item.slug, item.name) for item in establishments])
        self._choose(
            "status", [(key, text) for key, text in Status.choices if key != Status.COMPLETED]
        )
        area = next((f for f in Concern._meta.get_fields() if f.name == "area"), None)
        if area is not None:  # the healthy prison test a concern falls under, once held
            self.fields["area"] = forms.ChoiceField(label="Area", required=False)
            self._choose("area", [(str(k), str(v)) for k, v in getattr(area, "choices", [])])

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All"), *choices]

    def criteria(self) -> dict[str, str]:
        """The filters asked for, those that are not choices left out."""
        if not self.is_bound:
            return {}
        found: dict[str, str] = {}
        for name, bound in self.fields.items():
            value = str(self.data.get(name) or "").strip()
            if not value:
                continue
            if isinstance(bound, forms.ChoiceField):
                choices: list[tuple[Any, Any]] = list(bound.choices)  # type: ignore[arg-type]
                if value not in {str(key) for key, _ in choices}:
                    continue
            elif len(value) > 300:
                continue
            found[name] = value
        return found


class SubmitPlanForm(forms.Form):
    submitted_on = GovDateField(label="Date the plan is submitted")
    confirm = forms.BooleanField(
        label="Submit it although some targets fall before the submission date",
        required=False,
    )


class CorrectionForm(ProgressUpdateForm):
    """A corrected update: the right values, and why the earlier entry was wrong."""

    reason = forms.CharField(
        label="Why the update is being corrected",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Give the reason for the correction",
            "max_length": too_long("The reason"),
        },
    )


class JudgementCorrectionForm(forms.Form):
    rating = forms.ChoiceField(
        label="The right judgement",
        choices=[*Rating.choices, (WITHDRAW, "Withdraw the judgement: it was recorded in error")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the right judgement, or withdraw it"},
    )
    reason = forms.CharField(
        label="Why the judgement is being corrected",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Give the reason for the correction",
            "max_length": too_long("The reason"),
        },
    )


class ConsiderFindingForm(forms.Form):
    """Mark one of an action's open quality findings as considered, with the reason."""

    rule = forms.ChoiceField(
        label="Which finding",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the finding you have considered",
            "invalid_choice": "Select one of the findings shown",
        },
    )
    reason = forms.CharField(
        label="Why the action stays as it is",
        help_text="For example, the Deputy Governor quality-assures this work on purpose",
        max_length=MAX_CONSIDERED_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Give the reason the action stays as it is",
            "max_length": too_long("The reason", MAX_CONSIDERED_REASON),
        },
    )

    def __init__(self, *args: Any, findings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rule"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(finding.rule, finding.message) for finding in findings]
