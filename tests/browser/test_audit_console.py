"""The auditor's console in a real browser: an auditor runs the chain verification and opens the
uniformity heat map (R6, audit chain).

The demo data is loaded (a cycle whose candidates have resolved checklist items, one of them
resolved as "unable to complete"). The auditor signs in with a password and a TOTP code and
lands on the console, runs "Verify chain" from the keyboard and reads the result in the status
region. Through the console's sub-navigation they open the cycle's uniformity page: the heat
map is an image with an accessible name, the unable item is listed as a deviation and framed
in the matrix. A candidate's code drills down to the search log, whose queries and sources
open only for a stated reason: a too-short reason is refused beside the field (marked
invalid), a proper one shows them. No page logs a console error or a CSP violation besides
the one expected 422 refusal.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.test_login import submit_password
from tests.support import Clock, runtime_of
from vetting import demo
from vetting.clock import utcnow
from vetting.demo import DEMO_CYCLE_TITLE, DEMO_PASSWORD, DemoAccount
from vetting.models import Role
from vetting.security import totp

pytestmark = pytest.mark.browser

AUDITOR_EMAIL = "auditor@demo.test"
REASON_LABEL = "Why you need the queries and sources"
SHORT_REASON = "check"
REASON = "Uniformity review UR-2026-14: unable item on the matrix."
#: Chromium logs the refused form's answer (422 Unprocessable Entity, by design) as a failed load.
REFUSAL_LOGGED = "error: Failed to load resource: the server responded with a status of 422"
#: The deviation the demo's "unable" resolution produces, naming the candidate by code.
UNABLE_DEVIATION = re.compile(r"(C-\d+), item \d+ \([^)]*\): could not be completed\.")


def _load_demo(app: Flask) -> DemoAccount:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        accounts = demo.load_demo(session, rt.security, rt.store)
    (auditor,) = [a for a in accounts if a.email == AUDITOR_EMAIL]
    assert auditor.role is Role.AUDITOR
    return auditor


def _sign_in(page: Page, account: DemoAccount, clock: Clock) -> None:
    """Password, then a TOTP code of a new time step (each code is accepted once)."""
    submit_password(page, account.email, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    clock.advance(seconds=30)
    page.get_by_label("Code", exact=True).fill(totp.current_code(account.totp_secret, utcnow()))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def _assert_quiet_console(browsing: Browsing, *, refusals: int) -> None:
    """No server error, no CSP violation, and no console error or uncaught exception on any page
    besides the ``refusals`` expected 422 answers."""
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()
    errors = [m for m in browsing.console if m.startswith(("error:", "pageerror:"))]
    assert sum(m.startswith(REFUSAL_LOGGED) for m in errors) == refusals, errors
    assert [m for m in errors if not m.startswith(REFUSAL_LOGGED)] == [], f"on {browsing.visited}"


def test_an_auditor_verifies_the_chain_and_opens_the_uniformity_heat_map(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    auditor = _load_demo(app)
    page = browsing.page

    # The auditor lands on the console.
    _sign_in(page, auditor, clock)
    expect(page).to_have_url(browsing.base_url + "/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    subnav = page.get_by_role("navigation", name="Auditor's console")
    expect(subnav.get_by_role("link", name="Audit log")).to_have_attribute("aria-current", "page")

    # Chain verification, from the keyboard: focus the button and press Enter.
    verify = page.get_by_role("button", name="Verify chain")
    verify.focus()
    expect(verify).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/audit/verify$"))
    result = page.get_by_role("status").and_(page.locator("#verify-result"))
    expect(result).to_be_visible()
    expect(result).to_contain_text("Audit chain OK")
    expect(result).to_contain_text("Last signed checkpoint")

    # By the sub-navigation to the cycles, then the demo cycle's uniformity page.
    page.get_by_role("navigation", name="Auditor's console").get_by_role("link", name="Cycles and uniformity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cycles")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=DEMO_CYCLE_TITLE, exact=True))
    expect(row).to_have_count(1)
    row.get_by_role("link", name=f"Uniformity of {DEMO_CYCLE_TITLE}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Uniformity: {DEMO_CYCLE_TITLE}")
    expect(page).to_have_title(re.compile(rf"^Uniformity: {DEMO_CYCLE_TITLE}"))
    heat_map = page.get_by_role("img", name=re.compile(r"^Uniformity heat map"))
    expect(heat_map).to_be_visible()
    expect(heat_map).to_have_accessible_name(re.compile(rf"^Uniformity heat map: {DEMO_CYCLE_TITLE}\b"))
    assert heat_map.evaluate("svg => svg.tagName.toLowerCase()") == "svg"

    deviations = page.locator("#deviations")
    expect(deviations).to_contain_text("could not be completed")
    unable = deviations.get_by_role("listitem").filter(has_text=UNABLE_DEVIATION)
    expect(unable.first).to_be_visible()
    found = UNABLE_DEVIATION.search(unable.first.inner_text())
    assert found is not None
    code = found.group(1)

    matrix = page.locator("#uniformity-matrix")
    expect(matrix).to_be_visible()
    expect(matrix.locator("td.cell--flag").first).to_be_visible()
    candidate_row = matrix.locator(f'tbody tr[data-candidate="{code}"]')
    expect(candidate_row).to_have_count(1)
    expect(candidate_row.locator("td.cell--flag").first).to_be_visible()
    expect(candidate_row.locator("td.cell--flag").filter(has_text="Item could not be completed")).not_to_have_count(0)

    # The candidate's code drills down to the search log.
    candidate_row.get_by_role("rowheader").get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Search log: {code}")
    expect(page.get_by_role("heading", name="Queries and sources", exact=True)).to_have_count(0)
    reason = page.get_by_label(REASON_LABEL)
    expect(reason).to_be_visible()
    expect(reason).not_to_have_attribute("aria-invalid", "true")

    # Too short a reason: refused beside the field, which is marked invalid.
    reason.fill(SHORT_REASON)
    page.get_by_role("button", name="Show queries and sources").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Search log: {code}")
    reason = page.get_by_label(REASON_LABEL)
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_value(SHORT_REASON)
    error = page.locator("#reason-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("10")
    expect(reason).to_have_attribute("aria-describedby", re.compile(r"(^|\s)reason-error(\s|$)"))
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(page.get_by_role("heading", name="Queries and sources", exact=True)).to_have_count(0)

    # A proper reason opens the queries and sources, including the unable item's reason.
    reason.fill(REASON)
    page.get_by_role("button", name="Show queries and sources").click()
    raw = page.get_by_role("region", name="Queries and sources", exact=True)
    expect(raw).to_be_visible()
    expect(raw.get_by_role("status")).to_have_text("Your reason was recorded in the audit log.")
    expect(raw).to_contain_text("Why it could not be completed:")
    expect(page.get_by_label(REASON_LABEL)).to_have_count(0)

    _assert_quiet_console(browsing, refusals=1)


#: Every element whose content scrolls must be reachable by keyboard and named (axe-core's
#: ``scrollable-region-focusable``, with the region role and name the console gives them).
UNREACHABLE_SCROLLERS = """() => [...document.querySelectorAll("body *")].filter((el) => {
  const style = getComputedStyle(el);
  const scrolls = (el.scrollWidth > el.clientWidth + 1 && /(auto|scroll)/.test(style.overflowX))
    || (el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(style.overflowY));
  return scrolls && !(el.tabIndex >= 0 && el.getAttribute("role") === "region"
    && (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")));
}).map((el) => el.outerHTML.slice(0, 80))"""

#: The heat map legend's words as drawn: [left, right, top, bottom] of each, and the picture's width.
LEGEND_BOXES = """(svg) => ({
  width: svg.viewBox.baseVal.width,
  boxes: [...svg.querySelectorAll(".heatmap-legend-label")].map((t) => {
    const b = t.getBBox();
    return [b.x, b.x + b.width, b.y, b.y + b.height];
  }),
})"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def test_the_uniformity_page_fits_at_1366_and_scrolls_accessibly_on_a_phone(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    auditor = _load_demo(app)
    page = browsing.page
    page.set_viewport_size({"width": 1366, "height": 900})
    _sign_in(page, auditor, clock)
    page.get_by_role("navigation", name="Auditor's console").get_by_role("link", name="Cycles and uniformity").click()
    page.get_by_role("link", name=f"Uniformity of {DEMO_CYCLE_TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Uniformity: {DEMO_CYCLE_TITLE}")

    # The matrix fits its box at 1366 px: nothing to scroll, nothing past the page's edge.
    matrix = page.get_by_role("region", name=re.compile(r"^Matrix table"))
    expect(matrix).to_have_attribute("tabindex", "0")
    assert matrix.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the matrix overflows its box at 1366 px"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(UNREACHABLE_SCROLLERS) == []

    # A larger heat map whose legend words do not run into each other.
    heat_map = page.get_by_role("img", name=re.compile(r"^Uniformity heat map"))
    assert float(heat_map.locator("g > rect").first.get_attribute("width") or 0) >= 30
    legend = heat_map.evaluate(LEGEND_BOXES)
    boxes = legend["boxes"]
    assert len(boxes) == 5
    assert all(box[0] >= 0 and box[1] <= legend["width"] for box in boxes), boxes
    assert not any(_overlap(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1 :]), boxes

    # On a phone the matrix scrolls inside its region, which the keyboard reaches and scrolls.
    page.set_viewport_size({"width": 390, "height": 844})
    assert matrix.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate(UNREACHABLE_SCROLLERS) == []
    matrix.focus()
    expect(matrix).to_be_focused()
    before = matrix.evaluate("el => el.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(el) => el.scrollLeft > 0", arg=matrix.element_handle())
    assert matrix.evaluate("el => el.scrollLeft") > before
    _assert_quiet_console(browsing, refusals=0)


def test_the_audit_log_filters_by_candidate_code(app: Flask, browsing: Browsing, clock: Clock) -> None:
    auditor = _load_demo(app)
    page = browsing.page
    page.set_viewport_size({"width": 1366, "height": 900})
    _sign_in(page, auditor, clock)
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    everything = int(re.sub(r"\D", "", page.locator("#events-title .muted").inner_text()))

    page.get_by_label("Candidate code").fill("c-2")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]candidate=c-2"))
    expect(page.get_by_label("Candidate code")).to_have_value("C-002")
    expect(page.locator("#candidate-match")).to_contain_text(f"Events about C-002 ({DEMO_CYCLE_TITLE})")
    heading = page.locator("#events-title")
    expect(heading).to_contain_text("match this filter")
    shown = int(re.sub(r"\D", "", heading.locator(".muted").inner_text()))
    assert 0 < shown < everything
    log = page.get_by_role("region", name=re.compile(r"^Events table"))
    rows = log.locator("tbody tr")
    expect(rows).to_have_count(min(shown, 100))
    # Each row about the candidate names its subject; times stay on one line; actors have names.
    first = rows.first
    when = first.locator("td.when")
    assert when.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", when.inner_text())
    assert not re.fullmatch(r"\d+", first.locator("td").nth(2).inner_text().strip())
    _assert_quiet_console(browsing, refusals=0)
