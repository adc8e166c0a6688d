"""The production page in a browser (issue 15 point 5; RET-08): a records officer reaches it from
Records, is told beside the field what is wrong, prepares a bundle with the labelled form and
follows the job to its download; no page on the way has a critical or serious axe-core violation
(issue 18)."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import sign_in_demo
from tests.browser.test_axe import Checker, axe_context  # noqa: F401 - the fixture is used by name
from tests.support import Clock, runtime_of
from vetting.demo import DemoAccount

pytestmark = pytest.mark.browser


def test_a_records_officer_prepares_a_bundle_on_accessible_pages(
    app: Flask,
    axe_context: BrowserContext,  # noqa: F811 - the imported fixture
    demo_accounts: dict[str, DemoAccount],
    clock: Clock,
) -> None:
    runtime_of(app).queue.immediate = True
    page = axe_context.new_page()
    checker = Checker(page)
    sign_in_demo(page, demo_accounts["records@demo.test"], clock)

    page.goto("/retention")
    page.get_by_role("link", name="Production bundles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Production bundles")
    checker.check()
    # Sent with a code instead of an id: the field says so, beside it.
    page.get_by_label("Candidates").fill("C-001")
    page.get_by_label("Request or matter").fill("POST compliance inspection 2026")
    page.get_by_role("button", name="Prepare the bundle").click()
    expect(page.get_by_text("Give candidate ids as whole numbers")).to_be_visible()
    checker.check()
    page.get_by_label("Candidates").fill("1")
    page.get_by_label("Purpose").select_option("inspection")
    page.get_by_label("Version").select_option("released")
    page.get_by_role("button", name="Prepare the bundle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Production bundle")
    checker.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=False).first.click()
    assert download.value.suggested_filename.endswith(".zip")
    checker.assert_clean()
