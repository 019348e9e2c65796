"""Single sign-on in the real browser (Chromium): signing in at the test provider and back,
a refusal, local sign-in switched off, and signing out at the provider under the real
Content Security Policy. Each of the service's pages on the way is checked with axe-core."""

from __future__ import annotations

import pytest

from planwatch.web.access.models import Membership
from tests.web import test_browser
from tests.web.test_browser import Visitor

browser = test_browser.browser
append_only_until_the_flush = test_browser.append_only_until_the_flush
append_only_after_this_module = test_browser.append_only_after_this_module

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(single_sign_on, live_server):
    single_sign_on.redirect_uris.add(f"{live_server.url}/sign-in/sso/callback/")
    single_sign_on.post_logout_redirect_uris.add(f"{live_server.url}/")
    return single_sign_on


def sign_in_at_the_provider(page, email: str, decision: str = "Sign in") -> None:
    page.click("a:has-text('Sign in with Test Identity')")
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Sign in to Test Identity"
    page.fill("#email", email)
    page.click(f"button:has-text('{decision}')")
    page.wait_for_load_state("load")


def test_signing_in_with_the_provider_and_its_pages(
    browser, live_server, provider, settings, transactional_db
):
    from django.contrib.auth import get_user_model

    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    visitor = Visitor(context.new_page(), live_server.url)
    page = visitor.page
    visitor.goto("/sign-in/?next=/")
    sign_in_at_the_provider(page, "Robin@Example.org")
    visitor.check_accessibility()
    assert page.url == f"{live_server.url}/"
    assert page.locator("main p").first.inner_text() == (
        "Your account has no role yet. Ask an administrator to give you a role for the "
        "establishments you work with."
    )
    assert page.locator(".planwatch-account").inner_text() == "Signed in as robin@example.org"
    robin = get_user_model().objects.get(username="robin@example.org")
    assert not Membership.objects.filter(user=robin).exists()

    # Cancelled at the provider: the refusal page, in one line.
    page.context.clear_cookies()
    visitor.goto("/sign-in/")
    sign_in_at_the_provider(page, "robin@example.org", decision="Cancel")
    visitor.check_accessibility()
    assert page.locator("h1").inner_text() == "You are not signed in"
    assert (
        page.locator("#sign-in-refusal")
        .inner_text()
        .startswith("Test Identity did not sign you in")
    )

    # Local sign-in switched off: the provider's button alone; the page with a refused POST.
    settings.PLANWATCH_LOCAL_SIGN_IN = False
    visitor.goto("/sign-in/")
    assert page.locator("input[type=password]").count() == 0
    settings.PLANWATCH_LOCAL_SIGN_IN = True
    visitor.goto("/sign-in/")
    page.fill("#id_username", "robin@example.org")
    page.fill("#id_password", "anything at all")
    settings.PLANWATCH_LOCAL_SIGN_IN = False
    page.click("button:text-is('Sign in')")
    visitor.check_accessibility()
    assert page.title().startswith("Error: Sign in")
    assert "is switched off on this service" in page.locator(".govuk-error-summary").inner_text()

    # Not set up: its page says so.
    settings.PLANWATCH_OIDC_CLIENT_ID = ""
    visitor.goto("/sign-in/sso/")
    assert page.locator("h1").inner_text() == "Single sign-on is not set up"
    context.close()
    assert len(visitor.checked) == 8


def test_signing_out_goes_to_the_provider_and_back_under_the_real_policy(
    browser, live_server, provider, transactional_db
):
    # No bypass of the Content Security Policy: the sign-out form's redirect to the provider
    # must be allowed by its form-action (axe is not run, as it would need the bypass).
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    sign_in_at_the_provider(page, "robin@example.org")
    assert page.locator(".planwatch-account").inner_text() == "Signed in as robin@example.org"
    page.click("button:has-text('Sign out')")
    page.wait_for_load_state("load")
    assert provider.ended_sessions == [
        {
            "sub": "person-robin@example.org",
            "client_id": "planwatch-tests",
            "back": f"{live_server.url}/",
        }
    ]
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text() == "Prison inspection action plans"
    context.close()
