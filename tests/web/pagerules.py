"""Rules every HTML page must keep, checked on every page a test fetches.

`PageRulesClient` is Django's test client with one addition: each HTML response it returns
(including each page a `follow=True` passes through) is checked against `page_problems`, and
a page that breaks a rule fails the test that fetched it, naming the URL and the rule.
"""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from lxml import etree

TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#")
ERROR_PREFIX = "Error: "


def _collapse(text: str) -> str:
    return " ".join(text.split())


def page_problems(html: str) -> list[str]:
    """What is wrong with a page, one sentence a rule (empty when nothing is)."""
    problems: list[str] = []
    parser = etree.HTMLParser(recover=True, encoding="utf-8")
    root = etree.fromstring(html.encode("utf-8"), parser) if html.strip() else None
    errors = [f"line {error.line}: {error.message}" for error in parser.error_log]
    if root is None:
        return ["the page is empty or not HTML"]
    if errors:
        problems.append("the HTML does not parse cleanly: " + "; ".join(errors[:5]))

    headings = root.findall(".//h1")
    if len(headings) != 1:
        problems.append(f"the page has {len(headings)} h1 elements, not exactly one")

    titles = root.findall(".//head/title")
    if len(titles) != 1:
        problems.append(f"the page has {len(titles)} title elements, not exactly one")
    elif len(headings) == 1:
        title = _collapse("".join(titles[0].itertext()))
        heading = _collapse("".join(headings[0].itertext()))
        shown = title.removeprefix(ERROR_PREFIX)
        if not heading:
            problems.append("the h1 is empty")
        elif not shown.startswith(heading):
            problems.append(f"the title {title!r} does not begin with the h1 {heading!r}")
        if "<" in title or ">" in title:
            problems.append(f"the title {title!r} holds markup")

    seen: dict[str, int] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        identifier = element.get("id")
        if identifier is not None:
            seen[identifier] = seen.get(identifier, 0) + 1
    repeated = sorted(identifier for identifier, count in seen.items() if count > 1)
    if repeated:
        problems.append("ids used more than once: " + ", ".join(repeated))

    if match := TEMPLATE_SYNTAX.search(html):
        start = max(match.start() - 40, 0)
        problems.append(
            f"raw template syntax in the output: {_collapse(html[start : match.end() + 40])!r}"
        )
    return problems


def is_html(response: Any) -> bool:
    return (
        not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("text/html")
        and bool(response.content.strip())
    )


class PageRuleBroken(AssertionError):
    pass


class PageRulesClient(Client):
    """Django's test client, checking every HTML page it returns."""

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        if is_html(response):
            problems = page_problems(response.content.decode(response.charset or "utf-8"))
            if problems:
                where = f"{request.get('REQUEST_METHOD', 'GET')} {request.get('PATH_INFO', '')}"
                raise PageRuleBroken(
                    f"{where} ({response.status_code}) breaks the page rules:\n- "
                    + "\n- ".join(problems)
                )
        return response


def huge_date_message(part: str) -> str:
    """The GOV.UK error for a 20-digit part of a date: the year's format, or a real date."""
    return "Year must include 4 numbers" if part == "year" else "must be a real date"
