"""Render Django form fields through the GOV.UK Frontend macros, and a GOV.UK date field."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from jinja2 import Environment, pass_environment
from markupsafe import Markup

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

    def value_from_datadict(self, data, files, name):
        return {part: (data.get(f"{name}-{part}") or "").strip() for part in self.parts}

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}-{part}" in data for part in self.parts)


class GovDateField(forms.Field):
    """A date entered in three boxes, with GOV.UK's wording for each mistake."""

    widget = DatePartsWidget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {"required": "Enter a date", "invalid": "Enter a real date, for example 27 3 2024"},
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date) or value in (None, ""):
            return value or None
        parts = {part: value.get(part, "") for part in DatePartsWidget.parts}
        if not any(parts.values()):
            return None
        missing = [part for part, text in parts.items() if not text]
        if missing:
            raise ValidationError(f"The date must include a {missing[0]}", code="incomplete")
        try:
            return datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except (ValueError, OverflowError):  # OverflowError: a part too long for a C int
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def _kind(widget: forms.Widget) -> str:
    if isinstance(widget, DatePartsWidget):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
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
        return f"{bound.auto_id}-day"
    return bound.auto_id


def error_summary_items(form: forms.Form) -> list[dict[str, str]]:
    """Error summary entries, each linking to the field in error."""
    items = [{"text": str(error)} for error in form.non_field_errors()]
    for bound in form:
        for error in bound.errors:
            items.append({"text": str(error), "href": f"#{anchor(bound)}"})
    return items


def _choices(bound: forms.BoundField) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in bound.field.choices]


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
        error_class = " govuk-input--error" if bound.errors else ""
        params.update(
            id=bound.auto_id,
            namePrefix=bound.html_name,
            fieldset=legend,
            items=[
                {
                    "name": "day",
                    "classes": f"govuk-input--width-2{error_class}",
                    "value": value.get("day", ""),
                },
                {
                    "name": "month",
                    "classes": f"govuk-input--width-2{error_class}",
                    "value": value.get("month", ""),
                },
                {
                    "name": "year",
                    "classes": f"govuk-input--width-4{error_class}",
                    "value": value.get("year", ""),
                },
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
    """27 March 2024, as GOV.UK writes dates."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def format_target(target: str | None, target_text: str = "") -> str:
    """A normalised target as people say it: "July 2024", "31 July 2024", "Completed"."""
    if not target:
        return target_text or "None given"
    if target in ("completed", "ongoing"):
        return target.capitalize()
    if len(target) == 7:
        return f"{datetime.date.fromisoformat(target + '-01'):%B %Y}"
    return format_date(target)
