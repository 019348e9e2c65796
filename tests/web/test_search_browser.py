"""Search in the browser: from the home page's box, with filters applied without JavaScript,
axe-core clean, and at a phone's width (375 px) without sideways scrolling."""

from __future__ import annotations

import pytest

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.plans.services import import_plan_bytes
from tests.web import test_browser
from tests.web.test_browser import Visitor

browser = test_browser.browser
append_only_until_the_flush = test_browser.append_only_until_the_flush
append_only_after_this_module = test_browser.append_only_after_this_module
administrator = test_browser.administrator

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "javascript"), [(1200, True), (375, True), (1200, False)])
def test_search_from_the_home_page_then_filter(
    browser, live_server, administrator, width, javascript
):
    import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
    # axe-core goes in as an inline script, which the Content Security Policy would refuse.
    context = browser.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript, bypass_csp=True
    )
    visitor = Visitor(context.new_page(), live_server.url, axe=javascript)
    page = visitor.page
    visitor.sign_in("admin")
    visitor.goto("/")
    page.fill("#home-search", "nurses")
    page.click("form[role=search] button:has-text('Search')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Search"
    found = page.locator("h2", has_text="found").inner_text()
    assert found.endswith("found") and not found.startswith("0 ")
    assert page.locator(".planwatch-result mark").count() >= 1
    assert {text.lower() for text in page.locator("mark").all_inner_texts()} <= {
        "nurse",
        "nurses",
        "nursing",
    }
    # Narrow to priority concerns: fewer or as many results, each a priority concern.
    page.select_option("#category", "priority")
    page.click("button:has-text('Apply filters')")
    visitor.check_accessibility()
    headings = page.locator(".planwatch-result h3").all_inner_texts()
    assert headings and all(text.startswith("Priority concern") for text in headings)
    assert page.locator("#category").input_value() == "priority"
    # A query that cannot be run: the message, and focus can reach the box from the summary.
    page.fill("#q", '"nurses')
    page.click("button:has-text('Search') >> nth=0")
    visitor.check_accessibility()
    assert "Close the quotation marks" in page.locator(".govuk-error-summary").inner_text()
    if width <= 375:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
