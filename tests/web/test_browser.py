"""End to end in headless Debian Chromium (Playwright), with axe-core on every page visited."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from planwatch.pipeline import SAMPLE_PLAN
from planwatch.web.plans.models import Evidence, ProgressUpdate

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PLANWATCH_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "correct horse battery staple"

if not shutil.which(CHROMIUM) or not AXE.exists():  # pragma: no cover - .ci/run installs both
    message = f"needs Debian chromium at {CHROMIUM} and axe-core in node_modules (run .ci/run)"
    if os.environ.get("CI"):
        # In CI a missing browser is a broken set-up, not a reason to pass quietly.
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)

# Playwright's sync API runs an event loop in this thread; the live server's data is made
# here too, which Django would otherwise refuse as async-unsafe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


class Visitor:
    """A page in the browser that checks accessibility on every page it lands on."""

    def __init__(self, page, base_url: str, axe: bool = True) -> None:
        self.page = page
        self.base_url = base_url
        self.axe = axe  # axe-core itself needs JavaScript, so pages without it are not checked
        self.checked: list[str] = []

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check_accessibility()

    def check_accessibility(self) -> None:
        self.page.wait_for_load_state("load")
        if not self.axe:
            return
        if self.page.evaluate("typeof window.axe") == "undefined":
            self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        problems = [
            f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} elements, "
            f"first {violation['nodes'][0]['target']})"
            for violation in result["violations"]
        ]
        assert problems == [], f"axe on {self.page.url}"
        self.checked.append(self.page.url)

    def sign_in(self, username: str) -> None:
        self.goto("/sign-in/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button:has-text('Sign in')")
        self.check_accessibility()


def _unlock(locked: bool) -> None:
    """On SQLite, Django's flush between transactional tests empties tables with DELETE,
    which the append-only triggers refuse unless planwatch_unlock holds a row."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM planwatch_unlock")
        if not locked:
            cursor.execute("INSERT INTO planwatch_unlock (reason) VALUES ('test flush')")


@pytest.fixture(autouse=True)
def append_only_until_the_flush(transactional_db):
    """The triggers hold during each test; only the flush after it may empty the tables."""
    _unlock(locked=True)
    yield
    _unlock(locked=False)


@pytest.fixture(scope="module", autouse=True)
def append_only_after_this_module(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        _unlock(locked=True)


def open_action(page, text: str) -> None:
    """Follow the link (the action's number) in the plan table's row of the action."""
    page.locator("tr", has_text=text).locator("a[href^='/actions/']").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().startswith("Action ")


@pytest.fixture
def visitor(browser, live_server):
    # axe-core is injected as an inline script, which the Content Security Policy would
    # refuse: the policy itself is checked, without the bypass, in test_security.
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    yield Visitor(context.new_page(), live_server.url)
    context.close()


@pytest.fixture
def administrator(transactional_db):
    return get_user_model().objects.create_superuser("admin", "a@example.invalid", PASSWORD)


def test_import_update_with_evidence_and_error_focus(visitor, administrator, tmp_path):
    page = visitor.page
    visitor.sign_in("admin")
    assert page.locator("h1").inner_text() == "Establishments"

    # Import the real plan through the upload page.
    visitor.goto("/import/")
    page.click("button:has-text('Import plan')")
    visitor.check_accessibility()
    page.click(".govuk-error-summary a")
    assert page.evaluate("document.activeElement.id") == "id_file"
    page.set_input_files("#id_file", str(SAMPLE_PLAN))
    page.click("button:has-text('Import plan')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Action plan, version 1"
    assert "imported as HMP Peterborough (Men) action plan, version 1" in page.inner_text(
        ".govuk-notification-banner"
    )

    # An action under a priority concern: completing it needs a note and evidence.
    open_action(page, "The Head of Security will revise the Drug Strategy")
    visitor.check_accessibility()
    page.check("input[name=status][value=completed]")
    page.click("button:has-text('Save update')")
    visitor.check_accessibility()
    links = page.locator(".govuk-error-summary a")
    assert links.all_inner_texts() == [
        "Say what was done to complete the action",
        "Attach evidence: actions under a priority concern need evidence to be completed",
    ]
    links.nth(0).click()
    assert page.evaluate("document.activeElement.id") == "id_note"
    links.nth(1).click()
    assert page.evaluate("document.activeElement.id") == "id_evidence_files"

    # Deferring without a date: the summary link moves focus to the day box.
    page.check("input[name=status][value=deferred]")
    page.click("button:has-text('Save update')")
    page.click(".govuk-error-summary a:has-text('Enter the new target date')")
    assert page.evaluate("document.activeElement.id") == "id_new_target_date-day"

    # Now complete it properly, with a file.
    evidence = tmp_path / "strategy-minutes.txt"
    evidence.write_text("Drug strategy signed off at SMT, 3 July 2024")
    page.check("input[name=status][value=completed]")
    page.fill("#id_note", "Revised Drug Strategy published to staff")
    page.fill("#id_evidence_date-day", "3")
    page.fill("#id_evidence_date-month", "7")
    page.fill("#id_evidence_date-year", "2024")
    page.set_input_files("#id_evidence_files", str(evidence))
    page.click("button:has-text('Save update')")
    visitor.check_accessibility()
    assert "Your update has been saved" in page.inner_text(".govuk-notification-banner")
    assert page.locator("a:has-text('strategy-minutes.txt')").count() == 1
    assert ProgressUpdate.objects.get().note == "Revised Drug Strategy published to staff"
    assert Evidence.objects.get().name == "strategy-minutes.txt"

    # The plan page shows the new status and the latest update beside the action.
    page.click(".govuk-breadcrumbs a:has-text('Version 1')")
    visitor.check_accessibility()
    row = page.locator("tr", has_text="The Head of Security will revise the Drug Strategy")
    assert "Completed" in row.inner_text()
    assert "Revised Drug Strategy published to staff" in row.inner_text()


def test_judgement_radios_error_focus_and_other_pages(visitor, administrator):
    from planwatch.web.plans.services import import_plan_bytes

    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    page = visitor.page
    visitor.sign_in("admin")
    concern = plan.concerns.get(ref="2")
    visitor.goto(f"/concerns/{concern.pk}/judgement/")
    page.click("button:has-text('Record judgement')")
    visitor.check_accessibility()
    page.click(".govuk-error-summary a:has-text('Select a judgement')")
    assert page.evaluate("document.activeElement.id") == "id_rating"
    page.click(".govuk-error-summary a:has-text('Give the reason')")
    assert page.evaluate("document.activeElement.id") == "id_reason"
    # A second version, so that the page of changes between versions is visited too.
    revised = SAMPLE_PLAN.read_text("utf-8").replace("June 2024", "July 2024", 1).encode()
    second = import_plan_bytes(revised, "revised.txt").plan
    for path in (
        "/",
        plan.establishment.get_absolute_url(),
        f"/establishments/{plan.establishment.slug}/report/?as_of=2024-09-30",
        "/estate/?sort=overdue&order=descending",
        f"/establishments/{plan.establishment.slug}/owners/",
        f"/plans/{second.pk}/changes/",
        f"/plans/{second.pk}/edit/" if second.is_draft else f"/plans/{second.pk}/",
        "/overdue/?as_of=2024-07-01",
        "/due/?weeks=8",
        "/my-actions/",
        "/plans/new/",
        "/nowhere/",
    ):
        visitor.goto(path)
    assert page.locator("h1").inner_text() == "Page not found"
    # Drafting: amend the plan as a new version and add a concern with a mistake in it.
    visitor.goto(f"/plans/{second.pk}/")
    page.click("button:has-text('Amend as a new version')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Draft plan, version 3"
    page.click("button:has-text('Add concern')")
    visitor.check_accessibility()
    page.click(".govuk-error-summary a:has-text('Enter the concern as the report states it')")
    assert page.evaluate("document.activeElement.id") == "id_concern-text"


def test_what_the_estate_learns_pages(visitor, transactional_db):
    """The concern page with earlier and similar concerns, recurring concerns on the
    establishment page, self-reported against judged and the estate's themes."""
    from tests.web.test_lessons import build_estate

    estate = build_estate()
    page = visitor.page
    visitor.sign_in("estate-admin")
    concern = estate["alpha25"].concerns.get(ref="1")
    slug = estate["alpha"].slug
    for path in (
        f"/concerns/{concern.pk}/",
        f"/establishments/{slug}/",
        f"/establishments/{slug}/self-reported/",
        f"/establishments/{slug}/self-reported/?year=1890",
        "/estate/self-reported/?year=2023",
        "/estate/themes/",
        "/estate/themes/?category=key",
    ):
        visitor.goto(path)
    # From the plan's concern to its page, and on to a concern elsewhere.
    visitor.goto(f"/plans/{estate['alpha25'].pk}/")
    page.click(f"#concern-{concern.pk} a:has-text('Raised before, and what worked elsewhere')")
    visitor.check_accessibility()
    assert (
        page.locator("#raised-before").inner_text()
        == "Raised at the 2019 and 2022 inspections too."
    )
    page.locator(".govuk-summary-card", has_text="HMP Beta").locator("a:has-text('Open')").click()
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Priority concern 1"
    assert "HMP Beta" in page.locator(".govuk-caption-l").inner_text()


def test_pages_work_without_javascript(browser, live_server, administrator):
    from planwatch.web.plans.services import import_plan_bytes

    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    visitor = Visitor(page, live_server.url, axe=False)
    visitor.sign_in("admin")
    visitor.goto(plan.get_absolute_url() + "?owner=NHFT")
    assert page.locator("a[href^='/actions/']").count() == 11
    open_action(page, "A daily audit of 'overnight clinical observations'")
    page.check("input[name=status][value=in_progress]")
    page.fill("#id_note", "Audit running on two wings")
    page.click("button:has-text('Save update')")
    assert "Your update has been saved" in page.inner_text(".govuk-notification-banner")
    context.close()


def test_the_accessibility_check_finds_real_violations(visitor, transactional_db):
    visitor.goto("/sign-in/")
    visitor.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<img src="/assets/images/favicon.svg"><input id="unlabelled">\')'
    )
    with pytest.raises(AssertionError) as caught:
        visitor.check_accessibility()
    assert "image-alt" in str(caught.value)
    assert "label" in str(caught.value)


def test_the_content_security_policy_refuses_nothing_the_pages_use(
    browser, live_server, administrator
):
    """The pages as served, policy and all: GOV.UK's inline script runs (by its nonce), the
    service's own script and styles load, and the browser reports no refusal."""
    from planwatch.web.plans.services import import_plan_bytes

    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    context = browser.new_context()
    page = context.new_page()
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    visitor = Visitor(page, live_server.url, axe=False)
    visitor.sign_in("admin")
    for path in ("/", plan.get_absolute_url(), "/estate/", "/nowhere/"):
        visitor.goto(path)
        classes = page.evaluate("document.body.className")
        assert "js-enabled" in classes and "govuk-frontend-supported" in classes, path
    visitor.goto("/admin/")  # Django's own admin pages run under the same policy
    assert page.locator("#site-name").inner_text() == "Django administration"
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\\'window.ran=1\\'>')"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None  # an injected inline handler does not run
    assert len(refusals) == 1 and "script-src" in refusals[0], refusals
    context.close()


def test_marking_a_finding_considered_while_drafting(visitor, administrator):
    """The considered-finding page: its error focus, and the note left on the draft."""
    from planwatch.web.plans.services import import_plan_bytes

    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    page = visitor.page
    visitor.sign_in("admin")
    visitor.goto(f"/plans/{plan.pk}/")
    page.click("button:has-text('Amend as a new version')")
    visitor.check_accessibility()
    page.click("a:has-text('Mark as considered the owner mismatch finding on action 2.1')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Mark a finding on action 2.1 as considered"
    page.click("button:has-text('Mark as considered')")
    visitor.check_accessibility()
    page.click(".govuk-error-summary a:has-text('Give the reason the action stays as it is')")
    assert page.evaluate("document.activeElement.id") == "id_reason"
    page.fill("#id_reason", "The Director owns the drug strategy on purpose.")
    page.click("button:has-text('Mark as considered')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text().startswith("Draft plan, version")
    assert page.locator("text=Considered: The Director owns the drug strategy on purpose.").count()


def test_report_upload_draft_and_review_confirmation(visitor, administrator):
    """The inspection cycle's pages: a draft started from a report, its warnings, and a
    review of progress matched and confirmed, with the error summaries on the way."""
    from planwatch.web.plans.models import Judgement
    from planwatch.web.plans.services import import_plan_bytes

    fixtures = Path(__file__).parents[1] / "fixtures"
    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    page = visitor.page
    visitor.sign_in("admin")
    visitor.goto("/plans/new/")
    page.click("button:has-text('Start the draft from the report')")
    visitor.check_accessibility()
    page.click(".govuk-error-summary a:has-text('Choose the inspection report to upload')")
    assert page.evaluate("document.activeElement.id") == "id_file"
    page.set_input_files("#id_file", str(fixtures / "reports" / "hmp-riverside-2025.pdf"))
    page.click("button:has-text('Start the draft from the report')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Draft plan, version 1"
    assert "does not print its publication date" in page.inner_text("#draft-warnings")
    assert page.locator(".govuk-summary-card").count() == 3
    visitor.goto("/reviews/new/")
    page.set_input_files("#id_file", str(fixtures / "reviews" / "irp-hmp-fenwick-2022.pdf"))
    page.click("button:has-text('Read the review')")
    visitor.check_accessibility()
    assert "No plan is held for HMP Fenwick" in page.inner_text(".govuk-error-message")
    page.set_input_files("#id_file", str(fixtures / "reviews" / "irp-hmp-peterborough-2024.pdf"))
    page.click("button:has-text('Read the review')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Confirm the judgements from the review"
    assert Judgement.objects.count() == 0
    # On a phone too: each review item stacked, its match chosen without sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#id_match_5").bounding_box()["width"] <= 375
    page.set_viewport_size({"width": 1200, "height": 900})
    # At a desktop width the table stays within the page's column.
    assert page.evaluate(
        "document.querySelector('table').getBoundingClientRect().right"
        " <= document.querySelector('main').getBoundingClientRect().right + 1"
    )
    page.select_option("#id_match_5", "")
    page.click("button:has-text('Record these judgements')")
    visitor.check_accessibility()
    assert "5 judgements recorded from the review" in page.inner_text(".govuk-notification-banner")
    assert page.url.endswith(plan.get_absolute_url())
    assert sorted(Judgement.objects.values_list("concern_ref", flat=True)) == [
        "1",
        "2",
        "3",
        "5",
        "6",
    ]


def test_correcting_a_concerns_area_and_topics(visitor, administrator):
    from planwatch.web.plans.services import import_plan_bytes

    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    concern = plan.concerns.get(ref="2")
    page = visitor.page
    visitor.sign_in("admin")
    visitor.goto(plan.get_absolute_url())
    page.click(f"a[href='/concerns/{concern.pk}/themes/']")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Area and topics of concern 2"
    for box in page.locator("input[name=topics]:checked").all():
        box.uncheck()
    page.click("button:has-text('Save')")
    visitor.check_accessibility()
    page.click(".govuk-error-summary a:has-text('Select at least one topic')")
    assert page.evaluate("document.activeElement.id") == "id_topics"
    page.check("input[name=area][value=safety]")
    page.check("input[name=topics][value=drugs]")
    page.click("button:has-text('Save')")
    visitor.check_accessibility()
    assert "Area and topics of concern 2" in page.inner_text(".govuk-notification-banner")
    caption = page.locator(f"#concern-{concern.pk} caption").inner_text()
    assert "Safety" in caption and "Drugs and substance misuse" in caption
    assert "Area set by a person" in caption


def test_work_lists_filter_sort_and_date_boxes(visitor, administrator):
    """Issue 14, items 2 and 3: the overdue list's date in three boxes, its filters and
    sortable headings, all by plain links and GET forms."""
    from planwatch.web.plans.services import import_plan_bytes

    import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name)
    page = visitor.page
    visitor.sign_in("admin")
    visitor.goto("/overdue/")
    assert page.locator("input[type=date]").count() == 0
    page.fill("#id_as_of-day", "1")
    page.fill("#id_as_of-month", "7")
    page.fill("#id_as_of-year", "2024")
    page.click("button:has-text('Show')")
    visitor.check_accessibility()
    assert "19 actions not completed and past their due date on 1 July 2024" in page.inner_text(
        "main"
    )
    # Filter by owner, then sort by owner: the filter is kept.
    page.fill("#id_owner", "NHFT")
    page.click("button:has-text('Show')")
    visitor.check_accessibility()
    rows = page.locator("table.planwatch-work-list tbody tr")
    assert rows.count() == 3
    page.click("th a:has-text('Owner')")
    visitor.check_accessibility()
    assert page.locator("th[aria-sort=ascending]").inner_text() == "Owner"
    assert page.input_value("#id_owner") == "NHFT"
    owners = page.locator("table.planwatch-work-list tbody tr td:nth-child(4)").all_inner_texts()
    assert owners == sorted(owners) and len(owners) == 3
    page.click("th a:has-text('Owner')")
    assert page.locator("th[aria-sort=descending]").inner_text() == "Owner"
    backwards = page.locator("table.planwatch-work-list tbody tr td:nth-child(4)")
    assert backwards.all_inner_texts() == sorted(owners, reverse=True)
    # Only the number is a link; it opens the action.
    first = page.locator("table.planwatch-work-list tbody tr").first
    assert first.locator("a").count() == 1
    first.locator("a").click()
    visitor.check_accessibility()
    assert page.locator("h1").inner_text().startswith("Action ")
    # A date that is not real: the GOV.UK message, and the summary link goes to the day box.
    visitor.goto("/overdue/?as_of-day=31&as_of-month=2&as_of-year=2024")
    page.click(".govuk-error-summary a:has-text('Overdue as of must be a real date')")
    assert page.evaluate("document.activeElement.id") == "id_as_of-day"
    # The estate report takes its date the same way.
    visitor.goto("/estate/")
    page.fill("#id_as_of-day", "30")
    page.fill("#id_as_of-month", "9")
    page.fill("#id_as_of-year", "2024")
    page.click("button:has-text('Show')")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Estate report on 30 September 2024"


def test_removal_is_confirmed_and_back_links_lead_back(visitor, administrator):
    """Issue 14, items 4 and 5: Remove asks first, Cancel and Back change nothing."""
    from planwatch.web.plans.models import Action
    from planwatch.web.plans.services import import_plan_bytes

    plan = import_plan_bytes(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name).plan
    page = visitor.page
    visitor.sign_in("admin")
    visitor.goto(plan.get_absolute_url())
    page.click("button:has-text('Amend as a new version')")
    visitor.check_accessibility()
    draft_url = page.url
    before = Action.objects.filter(plan__version=2).count()
    card = page.locator(".govuk-summary-card", has_text="Priority concern 1")
    card.locator(".govuk-summary-list__row").first.locator("a:has-text('Remove')").click()
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "Remove action 1.1?"
    page.click("a:has-text('Cancel')")
    assert page.url.startswith(draft_url.split("#")[0])
    assert Action.objects.filter(plan__version=2).count() == before
    card = page.locator(".govuk-summary-card", has_text="Priority concern 1")
    card.locator(".govuk-summary-list__row").first.locator("a:has-text('Remove')").click()
    page.click("button:has-text('Remove the action')")
    visitor.check_accessibility()
    assert "Action 1.1 removed" in page.inner_text(".govuk-notification-banner")
    assert Action.objects.filter(plan__version=2).count() == before - 1
    # Back links on the form pages.
    card = page.locator(".govuk-summary-card", has_text="Priority concern 1")
    card.locator("a:has-text('Add an action')").click()
    visitor.check_accessibility()
    page.click(".govuk-back-link")
    assert page.locator("h1").inner_text() == "Draft plan, version 2"
    for path, heading in (("/plans/new/", "Draft a new plan"), ("/import/", "Import a plan")):
        visitor.goto(path)
        assert page.locator("h1").inner_text() == heading
        page.click(".govuk-back-link")
        assert page.locator("h1").inner_text() == "Establishments"
    # Signing out from the service navigation.
    page.click("nav button:has-text('Sign out')")
    visitor.check_accessibility()
    assert page.locator("nav a:has-text('Sign in')").count() == 1
