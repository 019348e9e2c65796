"""The Owners page's form: which person acts for an owner named in the plans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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


class SignInForm(AuthenticationForm):
    """Django's sign-in, with one plain message for each field: what to enter, or that the
    username and password did not match (on the username, where the error summary leads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code != "invalid_login":
                raise
            self.add_error(
                "username", "Enter a correct username and password: both may be case-sensitive"
            )
            return self.cleaned_data
