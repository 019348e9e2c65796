"""Every page at a phone's width (375 px): no sideways scrolling of the page, and axe-core clean."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.access.models import OwnerMapping
from planwatch.web.plans import jobs, services
from planwatch.web.plans.models import Establishment
from tests import builders
from tests.web import test_browser
from tests.web.test_browser import PASSWORD, Visitor

# The browser and the append-only guards, shared with the other browser tests.
browser = test_browser.browser
append_only_until_the_flush = test_browser.append_only_until_the_flush
append_only_after_this_module = test_browser.append_only_after_this_module

pytestmark = pytest.mark.browser

WIDTH = 375

# Routes that answer with a file or a redirect, never a page to look at.
NOT_PAGES = {
    "progress-report-pdf": "a PDF (its pages are checked in test_reports)",
    "estate-csv": "a CSV download",
    "self-reported-csv": "a CSV download",
    "estate-self-reported-csv": "a CSV download",
    "themes-csv": "a CSV download",
    "plan-source": "the published file, downloaded",
    "plan-export": "a download in the chosen format",
    "evidence": "an evidence file, downloaded",
    "sign-out": "POST only; it redirects",
    "sso-start": "redirects to the identity provider (its pages are checked in test_single_sign_on)",
    "sso-callback": "redirects once signed in; its refusal page is checked in test_single_sign_on",
    "amend-plan": "POST only; GET redirects to the plan",
    "post-update": "POST only; GET redirects to the action (its error page is the action page)",
    "new-plan-from-report": "POST only, from the new-plan page",
    "confirm-review": "shown after a review is uploaded: visited in the next test",
    "api/v1/": "the API: JSON, and Swagger UI's own page",
    "healthz": "JSON for the load balancer",
    "metrics": "plain text for Prometheus",
    "favicon": "the site's icon, an image",
    "job-result": "a job's file (a report's PDF), downloaded",
    "progress-report-pdf-job": "POST only, from the report page; GET redirects to the report",
}

# Set PLANWATCH_SCREENSHOTS to a folder to keep a full-page screenshot of every page visited.
SHOTS = os.environ.get("PLANWATCH_SCREENSHOTS")


# Boxes within the page that scroll sideways (a table in a scrolling wrapper, say): on a phone
# their right-hand columns start off-screen, which is what the narrow layouts avoid.
SIDEWAYS_SCROLLERS = """
[...document.querySelectorAll('body *')]
  .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
               && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'))
"""


def route_names() -> set[str]:
    return {
        entry.name if isinstance(entry, URLPattern) else str(entry.pattern)
        for entry in get_resolver().url_patterns
    }


class NarrowVisitor(Visitor):
    """A visitor on a 375 px screen that measures how wide each page it lands on is, and
    gathers every page's axe findings so that one run names all the pages at fault."""

    def __init__(self, page, base_url: str) -> None:
        super().__init__(page, base_url)
        self.too_wide: dict[str, int] = {}
        self.axe_problems: dict[str, str] = {}
        self.scrolls_sideways: dict[str, list[str]] = {}

    def check_accessibility(self) -> None:
        path = self.page.url.removeprefix(self.base_url)
        try:
            super().check_accessibility()
        except AssertionError as problem:
            self.axe_problems[path] = str(problem)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            self.too_wide[path] = width
        if scrolling := self.page.evaluate(SIDEWAYS_SCROLLERS):
            self.scrolls_sideways[path] = scrolling
        if SHOTS:
            name = path.strip("/").replace("/", "_").replace("?", "-") or "home"
            self.page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def narrow(browser, live_server):
    # axe-core goes in as an inline script, which the Content Security Policy would refuse.
    context = browser.new_context(viewport={"width": WIDTH, "height": 812}, bypass_csp=True)
    yield NarrowVisitor(context.new_page(), live_server.url)
    context.close()


def every_kind_of_record() -> dict[str, object]:
    """The sample plan with a second version, a draft, progress, evidence and judgements."""
    admin = get_user_model().objects.create_superuser("admin", "a@example.invalid", PASSWORD)
    plan = services.import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    revised = SAMPLE_PLAN.read_text("utf-8").replace("June 2024", "July 2024", 1).encode()
    second = services.import_plan_bytes(revised, "revised.txt").plan
    establishment = Establishment.objects.get(pk=plan.inspection.establishment_id)
    OwnerMapping.objects.create(establishment=establishment, owner="NHFT", user=admin)
    action = second.concerns.get(ref="2").actions.first()
    update = builders.update(
        action,
        admin,
        "in_progress",
        "2024-07-01",
        note="Nurses recruited",
        files=[SimpleUploadedFile("minutes.txt", b"Minutes of the meeting")],
    )
    judgement = builders.judgement(second.concerns.get(ref="1"), admin, "reasonable", "2024-08-01")
    draft = services.amend(second, admin)
    # Several files at once: an import job (run in process on SQLite; waiting for a worker
    # on PostgreSQL), one of its files not a plan.
    job = jobs.start_import(
        admin,
        [
            jobs.Upload("again.txt", io.BytesIO(SAMPLE_PLAN.read_bytes())),
            jobs.Upload("notes.txt", io.BytesIO(b"Minutes of the meeting")),
        ],
    )
    draft_concern = draft.concerns.order_by("position").first()
    draft_action = draft_concern.actions.first()
    return {
        "establishment": establishment,
        "first": plan,
        "plan": second,
        "action": action,
        "update": update,
        "judgement": judgement,
        "draft": draft,
        "draft_concern": draft_concern,
        "draft_action": draft_action,
        "job": job,
    }


def test_every_page_fits_a_phone_screen_and_passes_axe(narrow, transactional_db):
    records = every_kind_of_record()
    slug = records["establishment"].slug
    plan, draft = records["plan"].pk, records["draft"].pk
    concern = records["plan"].concerns.get(ref="1").pk
    pages = {
        "home": ["/"],
        "establishment": [f"/establishments/{slug}/"],
        "progress-report": [
            f"/establishments/{slug}/report/?as_of=2024-09-30",
            f"/establishments/{slug}/report/?as_of=2024-13-45",
        ],
        "owners": [f"/establishments/{slug}/owners/"],
        "estate": ["/estate/?sort=overdue&order=descending"],
        "new-plan": ["/plans/new/"],
        "plan": [f"/plans/{plan}/", f"/plans/{records['first'].pk}/", f"/plans/{draft}/"],
        "plan-compare": [f"/plans/{plan}/changes/"],
        "edit-plan": [f"/plans/{draft}/edit/"],
        "edit-dates": [f"/plans/{draft}/dates/"],
        "submit-plan": [f"/plans/{draft}/submit/"],
        "edit-concern": [f"/concerns/{records['draft_concern'].pk}/edit/"],
        "delete-concern": [f"/concerns/{records['draft_concern'].pk}/delete/"],
        "add-action": [f"/concerns/{records['draft_concern'].pk}/actions/add/"],
        "judge-concern": [f"/concerns/{concern}/judgement/"],
        "correct-judgement": [f"/judgements/{records['judgement'].pk}/correct/"],
        "action": [f"/actions/{records['action'].pk}/"],
        "edit-action": [f"/actions/{records['draft_action'].pk}/edit/"],
        "delete-action": [f"/actions/{records['draft_action'].pk}/delete/"],
        "correct-update": [f"/updates/{records['update'].pk}/correct/"],
        "overdue": ["/overdue/?as_of=2024-09-30"],
        "due": ["/due/?weeks=8"],
        "my-actions": ["/my-actions/"],
        "import": ["/import/"],
        "search": ["/search/?q=nurses+%22health+care%22", "/search/?q=%22unbalanced"],
        "admin/": ["/admin/"],
        "review-upload": ["/reviews/new/"],
        "consider-finding": [f"/actions/{records['draft_action'].pk}/consider/"],
        "tokens": ["/account/tokens/"],
        "concern": [f"/concerns/{concern}/"],
        "concern-themes": [f"/concerns/{concern}/themes/"],
        "self-reported": [f"/establishments/{slug}/self-reported/"],
        "estate-self-reported": ["/estate/self-reported/"],
        "themes": ["/estate/themes/"],
        "jobs": ["/jobs/"],
        "job": [f"/jobs/{records['job'].pk}/"],
        "estate-work": ["/jobs/estate/"],
    }
    assert route_names() == set(pages) | set(NOT_PAGES) | {"sign-in"}

    page = narrow.page
    # Signed out first: the public pages.
    for path in ("/", "/sign-in/", "/nowhere/"):
        narrow.goto(path)
    # Someone with no role yet: their home page, and the page that refuses them.
    get_user_model().objects.create_user("newcomer", "n@example.invalid", PASSWORD)
    narrow.sign_in("newcomer")
    narrow.goto("/estate/")
    assert page.locator("h1").inner_text() == "You cannot do this"
    page.context.clear_cookies()
    narrow.sign_in("admin")
    for paths in pages.values():
        for path in paths:
            narrow.goto(path)
    # Pages with their errors shown: a form sent empty.
    narrow.goto(f"/concerns/{concern}/judgement/")
    page.click("button:has-text('Record judgement')")
    narrow.check_accessibility()
    narrow.goto(f"/actions/{records['action'].pk}/")
    page.check("input[name=status][value=deferred]")
    page.click("button:has-text('Save update')")
    narrow.check_accessibility()
    assert narrow.too_wide == {}, f"wider than {WIDTH} px: {narrow.too_wide}"
    assert narrow.scrolls_sideways == {}
    assert narrow.axe_problems == {}, "\n\n".join(narrow.axe_problems.values())
    assert len(narrow.checked) >= 30


# For each chart on show: the smallest text in px as drawn, and any two month labels that overlap.
CHART_TEXT = """
[...document.querySelectorAll('figure svg')].filter(s => s.getBoundingClientRect().width > 0)
  .map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = [...svg.querySelectorAll('text')].map(t => +t.getAttribute('font-size') * scale);
    const boxes = [...svg.querySelectorAll('text.category-label')].map(t => t.getBoundingClientRect());
    const overlaps = boxes.slice(1).filter((box, i) => box.left < boxes[i].right).length;
    return {id: svg.id, smallest: Math.min(...sizes), labels: boxes.length, overlaps};
  })
"""


@pytest.mark.parametrize("width", [WIDTH, 1200])
def test_chart_text_is_16px_and_month_labels_never_overlap(
    browser, live_server, width, transactional_db
):
    records = every_kind_of_record()
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    visitor = Visitor(context.new_page(), live_server.url)
    visitor.sign_in("admin")
    # Two years of months: more than fit side by side, so labels are thinned.
    visitor.goto(f"/establishments/{records['establishment'].slug}/report/?as_of=2026-05-31")
    charts = visitor.page.evaluate(CHART_TEXT)
    suffix = "-narrow" if width == WIDTH else ""
    assert [chart["id"] for chart in charts] == [
        f"status-over-time{suffix}",
        f"targets-by-month{suffix}",
    ]
    for chart in charts:
        assert chart["smallest"] >= 16, chart
        assert chart["overlaps"] == 0, chart
        assert chart["labels"] >= 2, chart
    # The figures are collapsed below each chart until asked for.
    details = visitor.page.locator("details.figures")
    assert details.count() == 2
    assert details.evaluate_all("ds => ds.map(d => d.open)") == [False, False]
    context.close()
