"""Screenshots of every role's main pages at 1366 and 390 px, and a check that none overflows.

Starts the app on a free port of 127.0.0.1 with the demo data in a temporary instance folder,
signs in as each demo role in the system Chromium (Playwright), follows the links from the
role's landing page (GET only, same origin, no downloads) and saves a full-page screenshot of
one page per route at each width into ``screenshots/``. A page whose document is wider than
the viewport (``scrollWidth > innerWidth``: the page scrolls sideways, not a table region
inside it) is reported; the exit status is 1 when any is.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--chromium /usr/bin/chromium]

The browser tests import the crawl and the overflow measure from here (``tests/browser``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.serving import make_server

from vetting import create_app, demo
from vetting.clock import utcnow
from vetting.config import load_settings
from vetting.instance import ensure_instance
from vetting.migrate import upgrade
from vetting.security import totp

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = (1366, 390)
AGENCY_NAME = "Demo Police Department"


@dataclass(frozen=True)
class Login:
    """A demo account signed in as one role, named for the files."""

    label: str
    email: str


#: Every role of the demo; the second investigator reviews the first's findings, the chair decides,
#: the records officer keeps the records.
LOGINS = (
    Login("admin", "admin@demo.test"),
    Login("investigator", "inv1@demo.test"),
    Login("reviewer", "inv2@demo.test"),
    Login("board-chair", "board1@demo.test"),
    Login("board-member", "board2@demo.test"),
    Login("auditor", "auditor@demo.test"),
    # Retention, holds, records requests, productions and dispositions (issue 15).
    Login("records-officer", "records@demo.test"),
)

#: Routes that answer a file, not a page (their rule ends in a file name or serves a stored upload).
DOWNLOAD_SUFFIXES = (".pdf", ".csv", ".jsonl", ".pem")
DOWNLOAD_ENDPOINTS = frozenset({"static", "home.healthz", "work.evidence_download", "work.consent_document"})
#: Where in a route's list of links the crawl takes its next URL: first, last, middle, quarters.
SPREAD = (0.0, 1.0, 0.5, 0.25, 0.75)


def endpoint_of(app: Flask, url: str) -> str | None:
    """The endpoint a same-origin page URL reaches, or None for a download, the API or no route."""
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method="GET")
    except (HTTPException, RequestRedirect):
        return None
    if endpoint in DOWNLOAD_ENDPOINTS or endpoint.startswith("api.") or parts.path.endswith(DOWNLOAD_SUFFIXES):
        return None
    return str(endpoint)


def crawl(page: Page, app: Flask, *, per_route: int, limit: int) -> Iterator[str]:
    """Visit the pages linked from the current one and yield each page's URL while the browser
    shows it: same origin, GET pages only (sign-out is a POST form), at most ``per_route`` URLs
    of one route, spread over the links found (the first, the last, the middle... candidate of a
    list, so pages in different states are seen), and ``limit`` pages in all. Routes are taken in
    the order their first link was found. A page that answers with an error is yielded too; a
    link that turns out to be a download is passed over."""
    origin = urlsplit(page.url)._replace(path="", query="", fragment="").geturl()
    seen: set[str] = set()
    pending: dict[str, list[str]] = {}  # endpoint: URLs found and not yet visited, in link order
    per: Counter[str] = Counter()

    def found(url: str) -> None:
        url = url.split("#", 1)[0]
        endpoint = endpoint_of(app, url) if url.startswith(origin + "/") else None
        if endpoint is not None and url not in seen and url not in pending.setdefault(endpoint, []):
            pending[endpoint].append(url)

    found(page.url)
    visited = 0
    while visited < limit:
        route = next((e for e, urls in pending.items() if urls and per[e] < per_route), None)
        if route is None:
            return
        urls = pending[route]
        url = urls.pop(round(SPREAD[per[route] % len(SPREAD)] * (len(urls) - 1)))
        seen.add(url)
        per[route] += 1
        if page.url != url:
            try:
                page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" in str(error):  # a file this list does not know of
                    continue
                raise
            landed = page.url.split("#", 1)[0]
            if landed != url:  # redirected, e.g. ``/`` to the landing page
                if landed in seen:
                    continue
                seen.add(landed)
        visited += 1
        yield page.url.split("#", 1)[0]
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            found(href)


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the viewport (0: it fits)."""
    width: int = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    return max(width, 0)


def sign_in(page: Page, email: str, password: str, secret: str, now: datetime) -> None:
    """Password, then the TOTP code of ``now`` (each code is accepted once per account)."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/login/code")
    page.get_by_label("Code", exact=True).fill(totp.current_code(secret, now))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()
    if "/login" in page.url:
        raise RuntimeError(f"{email} could not sign in")


@contextmanager
def demo_server(instance: Path) -> Iterator[tuple[Flask, str, dict[str, str]]]:
    """The app with the demo data on a free port: (app, base URL, TOTP secret by email)."""
    ensure_instance(instance)
    settings = load_settings(instance, env={"VETTING_AGENCY_NAME": AGENCY_NAME})
    upgrade(settings.database_url)
    app = create_app(settings)
    rt = app.extensions["vetting"]
    with rt.db.transaction() as session:
        accounts = demo.load_demo(session, rt.security, rt.store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="screenshots", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", {a.email: a.totp_secret for a in accounts}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        rt.db.dispose()


def file_name(label: str, width: int, url: str) -> str:
    """``<role>-<width>-<path with slashes as dashes>[-<query>].png``."""
    parts = urlsplit(url)
    stem = parts.path.strip("/").replace("/", "-") or "home"
    if parts.query:
        stem += "-" + "".join(c if c.isalnum() else "_" for c in parts.query)
    return f"{label}-{width}-{stem}.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder for the PNG files")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="the Chromium executable")
    args = parser.parse_args()
    if not args.chromium.exists():
        print(f"Chromium is missing at {args.chromium}: run `make chromium`.", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines: the report is the output
    overflowing: list[str] = []
    shots = 0
    with (
        tempfile.TemporaryDirectory(prefix="vetting-screenshots-") as instance,
        demo_server(Path(instance)) as (app, base_url, secrets),
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(args.chromium), args=CHROMIUM_ARGS)
        for login in LOGINS:
            context = browser.new_context(base_url=base_url, viewport={"width": WIDTHS[0], "height": 900})
            page = context.new_page()
            sign_in(page, login.email, demo.DEMO_PASSWORD, secrets[login.email], utcnow())
            # One page per route: the role's main pages, not every candidate's.
            for url in crawl(page, app, per_route=1, limit=60):
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    try:
                        page.screenshot(path=args.out / file_name(login.label, width, url), full_page=True)
                    except PlaywrightError as error:
                        print(f"could not capture {url} at {width} px: {error}", file=sys.stderr)
                        continue
                    shots += 1
                    if extra := horizontal_overflow(page):
                        overflowing.append(f"{login.label} {width} px: {urlsplit(url).path} is {extra} px too wide")
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            context.close()
        browser.close()
    print(f"{shots} screenshots in {args.out}")
    for line in overflowing:
        print(f"overflow: {line}")
    return 1 if overflowing else 0


if __name__ == "__main__":
    sys.exit(main())
