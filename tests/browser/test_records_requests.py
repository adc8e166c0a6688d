"""Public-records request pages in a browser (issue 15 point 4; RET-10): a records officer logs a
request with the keyboard-reachable form (labels), opens the working copy, decides an item, and
every page on the way has no critical or serious axe-core violation (issue 18)."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import sign_in_demo
from tests.browser.test_axe import Checker, axe_context  # noqa: F401 - the fixture is used by name
from tests.support import Clock
from vetting.clock import today
from vetting.demo import DEMO_CYCLE_TITLE, DemoAccount

pytestmark = pytest.mark.browser


def test_a_records_officer_logs_and_works_a_request_on_accessible_pages(
    app: Flask,
    axe_context: BrowserContext,  # noqa: F811 - the imported fixture
    demo_accounts: dict[str, DemoAccount],
    clock: Clock,
) -> None:
    page = axe_context.new_page()
    checker = Checker(page)
    sign_in_demo(page, demo_accounts["records@demo.test"], clock)

    page.goto("/retention")
    page.get_by_role("link", name="Public-records requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Public-records requests")
    checker.check()
    page.get_by_role("link", name="Log a request").click()
    checker.check()
    # Sent empty: each required field says what is missing, beside the field.
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator(".field--error").first).to_be_visible()
    checker.check()
    page.get_by_label("Requester's name").fill("Pat Reporter")
    page.get_by_label("Requester's contact").fill("pat@news.test")
    page.get_by_label("Received on").fill(today().isoformat())
    page.get_by_label("Records asked for").fill("Every record of the recruit hiring.")
    page.get_by_label(DEMO_CYCLE_TITLE, exact=False).first.check()
    page.get_by_role("button", name="Log the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Public-records request {page.url.rsplit('/', 1)[1]}")
    checker.check()
    page.get_by_role("link", name="Working copy").click()
    checker.check()
    # The demo's released findings are the items (released text only).
    save = page.get_by_role("button", name="Save the decision")
    assert save.count() >= 1
    page.get_by_label("Decision").first.select_option("release_text")
    page.get_by_label("Exemption").first.select_option("third_party_privacy")
    save.first.click()
    expect(page.get_by_text("Decision saved.")).to_be_visible()
    expect(page.get_by_text("Released text only (Third-party privacy)")).to_be_visible()
    checker.check()
    checker.assert_clean()
