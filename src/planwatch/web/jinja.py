"""The Jinja2 environment for pages: GOV.UK Frontend macros, URLs, static files, form fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from planwatch.web import govuk


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    loader = options.pop("loader", None)
    options.setdefault("autoescape", True)
    env = Environment(**options)
    env.loader = ChoiceLoader(
        [
            loader,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": messages.get_messages,
            "govuk_field": govuk.field,
            "govuk_error_summary": govuk.error_summary_items,
        }
    )
    env.filters.update({"govuk_date": govuk.format_date, "govuk_target": govuk.format_target})
    return env
