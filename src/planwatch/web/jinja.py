"""The Jinja2 environment for pages: GOV.UK Frontend macros, URLs, static files, form fields."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from planwatch import labels
from planwatch.web import govuk


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def navigation(request: Any) -> list[dict[str, Any]]:
    """The service navigation: only what this user may open, the current page marked."""
    from planwatch.web.access import permissions
    from planwatch.web.access.permissions import Ability

    user = request.user
    items: list[tuple[str, str]] = []
    if permissions.anywhere(user, Ability.READ):
        items += [
            ("home", "Establishments"),
            ("overdue", "Overdue"),
            ("due", "Due soon"),
            ("estate", "Estate report"),
            ("search", "Search"),
        ]
    if permissions.anywhere(user, Ability.UPDATE_OWN):
        items.append(("my-actions", "My actions"))
    if permissions.anywhere(user, Ability.EDIT):
        items.append(("import", "Import"))
    if permissions.anywhere(user, Ability.JUDGE):
        items.append(("review-upload", "Reviews of progress"))
    result = []
    for name, text in items:
        href = reverse(name)
        item: dict[str, Any] = {"href": href, "text": text}
        if href == request.path:
            item.update(active=True, current=True)
        result.append(item)
    return result


def csp_nonce(request: Any) -> dict[str, Any]:
    """GOV.UK's template gives its one inline script this nonce, which the Content Security
    Policy header then names (django-csp adds it once the page has asked for it)."""
    # str() makes the nonce: django-csp's lazy nonce is false until something asks for it.
    return {"cspNonce": str(request.csp_nonce) if hasattr(request, "csp_nonce") else ""}


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
            "navigation": navigation,
            "status_labels": labels.DISPLAY_STATUSES,
            "status_tags": labels.STATUS_TAGS,
            "category_labels": labels.CATEGORIES,
            "rating_labels": labels.RATINGS,
            "rule_labels": labels.QUALITY_RULES,
            "area_names": labels.AREAS,
            "topic_names": labels.TOPICS,
            "source_label": labels.source_label,
        }
    )
    env.filters.update(
        {
            "govuk_date": govuk.format_date,
            "govuk_time": govuk.format_time,
            "govuk_target": govuk.format_target,
            # The first letter in capitals, the rest as written ("Inspection of 8 January"):
            # Jinja's own capitalize lowers every other letter.
            "sentence_case": lambda text: str(text)[:1].upper() + str(text)[1:],
            "plural": labels.plural,
            "file_size": labels.file_size,
        }
    )
    return env
