"""No page of any demo role is wider than the window, on a laptop (1366 px) or a phone (390 px)
(issue 18).

Each demo role signs in and opens one page of every route it reaches from its landing page (the
crawl of ``scripts/screenshots.py``, which ``make screenshots`` uses for the same check). At each
width the document must not scroll sideways: ``scrollWidth`` of the root element is at most the
window's width. A wide table may scroll inside its own region; the page itself may not, and a
region that does scroll is one the keyboard reaches and a screen reader names (``tabindex="0"``,
``role="region"`` and ``aria-label`` or ``aria-labelledby``).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext

from scripts.screenshots import LOGINS, WIDTHS, Login, crawl, horizontal_overflow
from tests.browser.conftest import self_identification_link, sign_in_demo
from tests.support import Clock
from vetting.demo import DemoAccount

pytestmark = pytest.mark.browser

HEIGHT = 900
#: Elements that scroll sideways now, lacking what a keyboard and a screen reader need.
UNREACHABLE_SCROLL_REGIONS = """() => [...document.querySelectorAll("body *")]
  .filter((el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1)
  .filter((el) => !(el.getAttribute("tabindex") === "0" && el.getAttribute("role") === "region"
                    && (el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby"))))
  .map((el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "")
                + [...el.classList].map((c) => `.${c}`).join(""))"""


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    opened = browser.new_context(base_url=live_server, viewport={"width": WIDTHS[0], "height": HEIGHT})
    opened.set_default_timeout(15_000)
    yield opened
    opened.close()


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.label)
def test_no_page_of_a_role_scrolls_sideways_at_1366_or_390_px_but_in_a_named_region(
    app: Flask, context: BrowserContext, demo_accounts: dict[str, DemoAccount], clock: Clock, login: Login
) -> None:
    page = context.new_page()
    sign_in_demo(page, demo_accounts[login.email], clock)

    pages, overflowing = [], []
    for url in crawl(page, app, per_route=1, limit=40):
        pages.append(url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            path = urlsplit(url).path
            if extra := horizontal_overflow(page):
                overflowing.append(f"{path} at {width} px: {extra} px too wide")
            for region in page.evaluate(UNREACHABLE_SCROLL_REGIONS):
                overflowing.append(f"{path} at {width} px: {region} scrolls but is not a named, focusable region")
        page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})

    assert len(pages) >= 3, f"the crawl from {login.label}'s landing page found only {pages}"
    assert not overflowing, "\n".join(overflowing)


def test_the_public_pages_fit_a_phone_and_a_laptop(
    app: Flask, context: BrowserContext, demo_accounts: dict[str, DemoAccount]
) -> None:
    """Sign-in, an error page, and the candidate's self-identification form (open and closed)."""
    page = context.new_page()
    token = self_identification_link(app, "admin@demo.test")
    overflowing = []
    for path in ("/login", "/no-such-page", f"/self-identification/{token}", "/self-identification/not-a-link"):
        page.goto(path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if extra := horizontal_overflow(page):
                overflowing.append(f"{path} at {width} px: {extra} px too wide")
    assert not overflowing, "\n".join(overflowing)


def test_the_overflow_measure_sees_a_page_wider_than_the_window(
    app: Flask, context: BrowserContext, demo_accounts: dict[str, DemoAccount], clock: Clock
) -> None:
    """Control for the test above: a block wider than a phone's window is measured as overflow."""
    page = context.new_page()
    sign_in_demo(page, demo_accounts["auditor@demo.test"], clock)
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    page.goto("/account")
    assert horizontal_overflow(page) == 0
    page.evaluate("() => { document.querySelector('main').style.minWidth = '600px'; }")
    assert horizontal_overflow(page) > 0
