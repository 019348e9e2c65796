"""Render Django form fields through the GOV.UK Frontend macros, and a GOV.UK date field."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from jinja2 import Environment, pass_environment
from markupsafe import Markup

from planwatch.dates import MAX_YEAR, MIN_YEAR, year_in_range

_MACROS = {
    "input": ("input", "govukInput"),
    "textarea": ("textarea", "govukTextarea"),
    "select": ("select", "govukSelect"),
    "radios": ("radios", "govukRadios"),
    "checkboxes": ("checkboxes", "govukCheckboxes"),
    "checkbox": ("checkboxes", "govukCheckboxes"),
    "date": ("date-input", "govukDateInput"),
    "file": ("file-upload", "govukFileUpload"),
}


class DatePartsWidget(forms.Widget):
    """Three boxes, day, month and year, as the GOV.UK date input pattern asks."""

    parts = ("day", "month", "year")

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {part: (data.get(f"{name}-{part}") or "").strip() for part in self.parts}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in self.parts)


# ASCII digits only: int() also reads other scripts' digits ("٣"), which no one types here.
_DAY_OR_MONTH = re.compile(r"\d{1,2}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)


class GovDateField(forms.Field):
    """A date entered in three boxes, with the GOV.UK Design System's wording for each mistake.

    Each error names the boxes at fault in its params ("parts"), so that only those boxes
    are styled as in error and the error summary links to the first of them.
    """

    widget = DatePartsWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "required" not in (kwargs.get("error_messages") or {}):
            self.error_messages["required"] = f"Enter {self._described()}"

    def _name(self) -> str:
        """The field's label as the subject of a sentence: "Date of the judgement"."""
        return str(self.label) if self.label else "Date"

    def _described(self) -> str:
        """The label inside a sentence: "the date of the judgement", or "a date"."""
        if not self.label:
            return "a date"
        label = str(self.label)
        # Lower the first letter unless the first word is an acronym ("HMIP report date").
        if label[1:2].islower():
            label = label[0].lower() + label[1:]
        return f"the {label}"

    def _error(self, message: str, code: str, parts: tuple[str, ...]) -> ValidationError:
        return ValidationError(message, code=code, params={"parts": parts})

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        if not value:
            return None
        parts = {part: str(value.get(part, "")) for part in DatePartsWidget.parts}
        if not any(parts.values()):
            return None
        missing = tuple(part for part, text in parts.items() if not text)
        if missing:
            raise self._error(
                f"{self._name()} must include a {' and '.join(missing)}", "incomplete", missing
            )
        if not _YEAR.fullmatch(parts["year"]):
            raise self._error("Year must include 4 numbers", "year_format", ("year",))
        wrong = tuple(part for part in ("day", "month") if not _DAY_OR_MONTH.fullmatch(parts[part]))
        if wrong:
            raise self._error(f"{self._name()} must be a real date", "invalid", wrong)
        year = int(parts["year"])
        if not year_in_range(year):
            raise self._error(
                f"Year must be between {MIN_YEAR} and {MAX_YEAR}", "year_range", ("year",)
            )
        try:
            return datetime.date(year, int(parts["month"]), int(parts["day"]))
        except (ValueError, OverflowError):  # OverflowError: a part too long for a C int
            raise self._error(
                f"{self._name()} must be a real date", "invalid", DatePartsWidget.parts
            ) from None


def date_parts_in_error(bound: forms.BoundField) -> tuple[str, ...]:
    """The boxes of a date field to style as in error: those its errors name, else all."""
    if not bound.errors:
        return ()
    named: list[str] = []
    for error in bound.form.errors.as_data().get(bound.name, []):
        parts = (error.params or {}).get("parts")
        if not parts:
            return DatePartsWidget.parts
        named.extend(part for part in parts if part not in named)
    return tuple(part for part in DatePartsWidget.parts if part in named)


def _kind(widget: forms.Widget) -> str:
    if isinstance(widget, DatePartsWidget):
        return "date"
    # Django's CheckboxSelectMultiple is a RadioSelect too: ask for it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


def anchor(bound: forms.BoundField) -> str:
    """The id an error summary link should move focus to: the first input of the field."""
    kind = _kind(bound.field.widget)
    if kind == "date":
        return f"{bound.auto_id}-{(date_parts_in_error(bound) or ('day',))[0]}"
    return bound.auto_id


def error_summary_items(form: forms.Form) -> list[dict[str, str]]:
    """Error summary entries, each linking to the field in error."""
    items = [{"text": str(error)} for error in form.non_field_errors()]
    for bound in form:
        for error in bound.errors:
            items.append({"text": str(error), "href": f"#{anchor(bound)}"})
    return items


def _choices(bound: forms.BoundField) -> list[tuple[str, str]]:
    choices: list[tuple[Any, Any]] = getattr(bound.field, "choices", [])
    return [(str(value), str(label)) for value, label in choices]


@pass_environment
def field(env: Environment, bound: forms.BoundField, **options: Any) -> Markup:
    """One Django form field as its GOV.UK component, with label, hint and error message."""
    kind = _kind(bound.field.widget)
    template, macro_name = _MACROS[kind]
    macro = getattr(
        env.get_template(f"govuk_frontend_jinja/components/{template}/macro.html").module,
        macro_name,
    )
    label_classes = options.pop("label_classes", "govuk-label--s")
    params: dict[str, Any] = {"name": bound.html_name}
    if bound.help_text:
        params["hint"] = {"text": str(bound.help_text)}
    if bound.errors:
        params["errorMessage"] = {"text": " ".join(str(error) for error in bound.errors)}
    value = bound.value()
    legend = {
        "legend": {
            "text": str(bound.label),
            "classes": label_classes.replace("govuk-label", "govuk-fieldset__legend"),
        }
    }
    if kind in ("radios", "checkboxes"):
        chosen = {str(item) for item in value} if isinstance(value, list | tuple) else {str(value)}
        params.update(
            idPrefix=bound.auto_id,
            fieldset=legend,
            # A blank choice is a placeholder ("------"), unless it is named ("Not applicable").
            items=[
                {"value": key, "text": text, "checked": key in chosen}
                for key, text in _choices(bound)
                if key != "" or not text.startswith("-")
            ],
        )
    elif kind == "checkbox":
        params.update(
            idPrefix=bound.auto_id,
            items=[{"value": "on", "text": str(bound.label), "checked": bool(value)}],
        )
    elif kind == "date":
        if isinstance(value, datetime.date):
            value = {"day": value.day, "month": value.month, "year": value.year}
        value = value or {}
        in_error = date_parts_in_error(bound)
        params.update(
            id=bound.auto_id,
            namePrefix=bound.html_name,
            fieldset=legend,
            items=[
                {
                    "name": part,
                    "classes": f"govuk-input--width-{4 if part == 'year' else 2}"
                    + (" govuk-input--error" if part in in_error else ""),
                    "value": value.get(part, ""),
                }
                for part in DatePartsWidget.parts
            ],
        )
    else:
        params.update(id=bound.auto_id, label={"text": str(bound.label), "classes": label_classes})
        if kind == "select":
            params["items"] = [
                {"value": key, "text": text, "selected": key == str(value)}
                for key, text in _choices(bound)
            ]
        elif kind == "file":
            if bound.field.widget.attrs.get("multiple"):
                params["attributes"] = {"multiple": True}
        elif kind in ("input", "textarea"):
            params["value"] = "" if value is None else str(value)
            input_type = getattr(bound.field.widget, "input_type", "text")
            if kind == "input" and input_type != "text":
                params["type"] = input_type
            if isinstance(bound.field.widget, forms.PasswordInput):
                params["value"] = ""
            autocomplete = bound.field.widget.attrs.get("autocomplete")
            if autocomplete:
                params["autocomplete"] = autocomplete
            width = bound.field.widget.attrs.get("govuk_classes")
            if width:
                params["classes"] = width
    params.update(options)
    return Markup(macro(params))


def format_date(value: datetime.date | str | None) -> str:
    """27 March 2024, as GOV.UK writes dates; text that is not an ISO date is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = datetime.date.fromisoformat(value[:10])
        except ValueError:
            # A page shows what was stored rather than failing on it.
            return value
    elif isinstance(value, datetime.datetime):
        day = value.date()
    else:
        day = value
    return f"{day.day} {day:%B %Y}"


def format_time(value: datetime.datetime | None) -> str:
    """2:05pm, as GOV.UK writes times, in the service's time zone."""
    if value is None:
        return ""
    from django.utils import timezone

    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def format_target(target: str | None, target_text: str = "") -> str:
    """A normalised target as people say it: "July 2024", "31 July 2024", "Completed"."""
    if not target:
        return target_text or "None given"
    if target in ("completed", "ongoing"):
        return target.capitalize()
    if len(target) == 7:
        try:
            return f"{datetime.date.fromisoformat(target + '-01'):%B %Y}"
        except ValueError:
            return target_text or target
    formatted = format_date(target)
    return target_text if formatted == target and target_text else formatted
