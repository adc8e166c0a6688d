"""The app served on a real socket and driven by the system Chromium through Playwright.

Chromium keeps ``Secure`` (and ``__Host-``) cookies on ``http://127.0.0.1`` (a
potentially trustworthy origin), so the app runs with its production cookie settings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from scripts.screenshots import sign_in
from tests.support import Clock, runtime_of
from vetting import demo
from vetting.clock import utcnow
from vetting.demo import DEMO_CYCLE_TITLE, DemoAccount
from vetting.models import Candidate, Cycle
from vetting.services import self_identification, users

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Re-announces every CSP violation on the console, whatever Chromium itself logs.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`);
});
"""


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need the system Chromium at {CHROMIUM}")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def closed_at_once(app: WSGIApplication) -> WSGIApplication:
    """Reads each response whole and closes it before the server writes it.

    werkzeug's development server drains the socket before it closes the response, so a
    client that drops the connection first (Chromium cutting a favicon request short) skips
    the close: the static file ``send_file`` opened is left to the garbage collector, and
    pytest reports it as an unraisable warning in whichever later test collects it. The
    app streams nothing, so reading whole changes no response."""

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, closed_at_once(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class Browsing:
    """A fresh browser context on the live server, recording what the console said."""

    page: Page
    base_url: str
    console: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "CSP violation" in m]

    def assert_no_server_errors(self) -> None:
        assert self.server_errors == []

    def assert_no_csp_violations(self) -> None:
        assert self.visited, "no page was visited"
        assert self.csp_violations() == [], f"on {self.visited}"


@pytest.fixture
def browsing(browser: Browser, live_server: str) -> Iterator[Browsing]:
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    session = Browsing(page=page, base_url=live_server)

    def on_console(message: ConsoleMessage) -> None:
        session.console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: session.console.append(f"pageerror: {error}"))
    page.on("framenavigated", lambda frame: session.visited.append(frame.url) if frame == page.main_frame else None)
    page.on(
        "response",
        lambda response: (
            session.server_errors.append(f"{response.status} {response.url}") if response.status >= 500 else None
        ),
    )
    yield session
    context.close()


#: axe-core, installed from the npm registry by ``make axe`` (a prerequisite of ``make test``).
AXE_SCRIPT = Path(__file__).resolve().parents[2] / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """The axe-core script; a missing copy fails the test (an accessibility check must not pass unrun)."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run `make axe` (or `make test`, which installs it).")
    return AXE_SCRIPT


@pytest.fixture
def demo_accounts(app: Flask) -> dict[str, DemoAccount]:
    """The demo data (``vetting demo``) loaded into the test database: its accounts by email."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        accounts = demo.load_demo(session, rt.security, rt.store)
    return {a.email: a for a in accounts}


def sign_in_demo(page: Page, account: DemoAccount, clock: Clock) -> None:
    """A demo account signs in with a TOTP code of a new time step (each code is accepted once)."""
    clock.advance(seconds=30)
    sign_in(page, account.email, demo.DEMO_PASSWORD, account.totp_secret, utcnow())


def self_identification_link(app: Flask, admin_email: str) -> str:
    """A new one-time self-identification link for the open demo cycle's last candidate (who has not
    answered; the demo's closed 2023 cycle holds a disposed candidate)."""
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        admin = users.find_user_by_email(session, admin_email)
        candidate = session.scalars(
            select(Candidate).join(Cycle).where(Cycle.title == DEMO_CYCLE_TITLE).order_by(Candidate.id.desc())
        ).first()
        assert admin is not None
        assert candidate is not None
        return self_identification.invite(session, admin, candidate.id).token
