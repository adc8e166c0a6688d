"""axe-core (WCAG 2.1 A and AA rules) over every page of every role of the demo: no critical
and no serious violation (issue 18).

Each demo role signs in and follows the links from its landing page (GET only, same origin, no
downloads, a few URLs per route: the crawl of ``scripts/screenshots.py``); the pages no link
reaches are opened with the demo's own ids (a finding, a notice, a user...) when the role may see
them. The pages before and around sign-in (sign-in, code, enrolment, recovery codes), the
candidate's self-identification form and an error page are checked too. axe-core comes from the
npm registry (``make axe``) and is injected by Playwright before each page's own scripts; the
Content Security Policy stays in force. A failure lists each violation with its page, rule and
the selectors of the offending elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy import func, select

from scripts.screenshots import LOGINS, Login, crawl, endpoint_of
from tests.browser.conftest import self_identification_link, sign_in_demo
from tests.support import PASSWORD, Clock, make_user, runtime_of
from vetting.clock import utcnow
from vetting.demo import DEMO_PASSWORD, DemoAccount
from vetting.models import (
    ApiToken,
    Candidate,
    ChecklistTemplate,
    Cycle,
    Evidence,
    Finding,
    Notice,
    Role,
    User,
)
from vetting.security import totp
from vetting.services import tokens

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: At most this many URLs of one route per role (e.g. 3 candidates' pages), and pages in all.
PER_ROUTE = 3
PAGE_LIMIT = 60
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" "))}));
}"""
#: The model whose ids fill each URL parameter of a page the crawl did not reach.
ID_SOURCES: dict[str, Any] = {
    "candidate_id": Candidate.id,
    "cycle_id": Cycle.id,
    "evidence_id": Evidence.id,
    "finding_id": Finding.id,
    "notice_id": Notice.id,
    "template_id": ChecklistTemplate.id,
    "token_id": ApiToken.id,
    "user_id": User.id,
}


@dataclass(frozen=True)
class Violation:
    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.url}: {self.rule} ({self.impact}: {self.help}) at {', '.join(self.targets)}"


class Checker:
    """Runs axe-core on the page the browser shows and keeps what it found."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: list[str] = []
        self.violations: list[Violation] = []

    def check(self) -> None:
        assert self.page.evaluate("() => typeof axe") == "object", "axe-core was not injected"
        path = urlsplit(self.page.url)._replace(scheme="", netloc="").geturl()
        for found in self.page.evaluate(RUN_AXE, WCAG_TAGS):
            self.violations.append(
                Violation(path, found["rule"], found["impact"], found["help"], tuple(found["targets"]))
            )
        self.checked.append(path)

    def assert_clean(self) -> None:
        report = "\n".join(str(v) for v in self.violations)
        assert not self.violations, f"{len(self.violations)} critical or serious violations:\n{report}"


@pytest.fixture
def axe_context(browser: Browser, live_server: str, axe_script: Path) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    # An init script runs before the page's own scripts and is not subject to its CSP.
    context.add_init_script(path=axe_script)
    yield context
    context.close()


def _unlinked_pages(app: Flask, reached: set[str]) -> list[str]:
    """Each HTML page route the crawl did not reach, with the demo's first id of each kind in its URL."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        first = {name: session.scalar(select(func.min(column))) for name, column in ID_SOURCES.items()}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in reached:
            continue
        if any(first.get(name) is None for name in rule.arguments):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(first[name]))
        if endpoint_of(app, url) == rule.endpoint:
            urls.append(url)
    return urls


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.label)
def test_every_page_of_a_role_has_no_serious_accessibility_violation(
    app: Flask, axe_context: BrowserContext, demo_accounts: dict[str, DemoAccount], clock: Clock, login: Login
) -> None:
    page = axe_context.new_page()
    checker = Checker(page)
    sign_in_demo(page, demo_accounts[login.email], clock)

    reached: set[str] = set()
    for url in crawl(page, app, per_route=PER_ROUTE, limit=PAGE_LIMIT):
        reached.add(str(endpoint_of(app, url)))
        checker.check()
    assert len(reached) >= 3, f"the crawl from {login.label}'s landing page found only {sorted(reached)}"
    for url in _unlinked_pages(app, reached):
        response = page.goto(url)
        # Only pages the role may open (not a refusal, nor a redirect to its landing page).
        if response is not None and response.status == 200 and urlsplit(page.url).path == url:
            checker.check()

    checker.assert_clean()


def _issue_token(app: Flask, email: str) -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        tokens.create_token(session, None, user)
        return user.id


def test_the_pages_around_sign_in_have_no_serious_accessibility_violation(
    app: Flask, axe_context: BrowserContext, demo_accounts: dict[str, DemoAccount], clock: Clock
) -> None:
    """Sign-in, the code step, enrolment and recovery codes, error pages, a token's revocation, and
    the candidate's self-identification form (public: the one-time link is the key), refused
    unanswered, answered, then closed."""
    page = axe_context.new_page()
    checker = Checker(page)
    page.goto("/no-such-page")
    checker.check()
    page.goto("/login")
    checker.check()

    person = make_user(app, "new-board@demo.test", Role.BOARD_MEMBER, enrolled=False)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/login/enrol")
    checker.check()
    key = page.get_by_label("Setup key").inner_text().replace(" ", "").strip()
    clock.advance(seconds=30)
    page.get_by_label("Code", exact=True).fill(totp.current_code(key, utcnow()))
    page.get_by_role("button", name="Confirm and continue").click()
    page.get_by_role("heading", name="Save your recovery codes").wait_for()
    checker.check()

    # The code step; signed in, an error page and a token's pages.
    admin = demo_accounts["admin@demo.test"]
    _issue_token(app, admin.email)
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/login/code")
    checker.check()
    clock.advance(seconds=30)
    page.get_by_label("Code", exact=True).fill(totp.current_code(admin.totp_secret, utcnow()))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    page.goto("/candidates/999999")
    checker.check()
    page.goto("/account/tokens")
    checker.check()
    page.get_by_role("link", name=re.compile(r"^Revoke")).first.click()
    page.wait_for_url(re.compile(r"/account/tokens/\d+/revoke$"))
    checker.check()

    # The candidate's form: sent unanswered (refused beside each question), answered, then closed.
    token = self_identification_link(app, admin.email)
    page.context.clear_cookies()
    page.goto(f"/self-identification/{token}")
    checker.check()
    page.get_by_role("button", name=re.compile(".")).last.click()
    page.locator(".field--error").first.wait_for()
    checker.check()
    for group in page.get_by_role("group").all():
        group.get_by_role("radio").first.check()
    page.get_by_role("button", name=re.compile(".")).last.click()
    page.wait_for_load_state()
    assert page.locator(".field--error").count() == 0
    checker.check()
    page.goto(f"/self-identification/{token}")
    checker.check()

    assert len(checker.checked) == 12
    checker.assert_clean()
