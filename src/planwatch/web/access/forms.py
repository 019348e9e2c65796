"""The Owners page's form: which person acts for an owner named in the plans."""

from __future__ import annotations

from typing import Any

from django import forms


class OwnerMappingForm(forms.Form):
    owner = forms.ChoiceField(
        label="Owner named in the plan", error_messages={"required": "Select the owner"}
    )
    username = forms.CharField(
        label="Username of the person who acts for them",
        max_length=150,
        error_messages={"required": "Enter the username of the person who acts for this owner"},
    )

    def __init__(self, *args: Any, owners: tuple[str, ...] | list[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose an owner")] + [(o, o) for o in owners]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name of the token",
        help_text="Say what will use it, such as “HMPPS performance dashboard”",
        max_length=100,
        error_messages={
            "required": "Enter a name for the token, such as the system that will use it",
            "max_length": "The name must be 100 characters or fewer",
        },
    )
