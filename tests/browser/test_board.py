"""Issue 5 in a real browser: a board member reads a candidate's released summary, downloads it
as a PDF and records a recommendation (R2, R3, PC-01).

The member signs in, finds the candidate's row (with its "Decision" column) on the cycle
dashboard, opens the released summary and downloads the PDF. A rationale that judges the
candidate's age ("too old") and cites no finding is refused beside the rationale field, which
is marked invalid; reworded and citing a released finding, the recommendation is recorded and
listed. Every control is reached through its accessible role and name (or label), so the test
also checks that the labels are there.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.test_login import sign_in
from tests.support import Clock
from tests.web.board_world import build_board_world, set_rules
from tests.web.world import CANDIDATE_NAME

pytestmark = pytest.mark.browser

CYCLE_TITLE = "Patrol 2026"
#: How the board names the candidate outside blind review: name and code.
CANDIDATE = re.compile(rf"^{CANDIDATE_NAME} \(C-\d+\)$")
AGE_RATIONALE = "Too old for patrol work."
REWORDED = "Threatened to hurt a neighbour and a referee; that conduct rules out patrol work."


#: Chromium logs the refused form's answer (422 Unprocessable Entity, by design) as a failed load.
REFUSAL_LOGGED = "error: Failed to load resource: the server responded with a status of 422"


def _assert_quiet_console(browsing: Browsing, *, refusals: int) -> None:
    """No server error, no CSP violation, and no console error or uncaught exception on any page
    besides the ``refusals`` expected 422 answers."""
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()
    errors = [m for m in browsing.console if m.startswith(("error:", "pageerror:"))]
    assert sum(m.startswith(REFUSAL_LOGGED) for m in errors) == refusals, errors
    assert [m for m in errors if not m.startswith(REFUSAL_LOGGED)] == [], f"on {browsing.visited}"


def _open_summary(page: Page, cycle_id: int) -> None:
    """From the cycle dashboard, the candidate's row (with its decision status) to the summary."""
    page.goto(f"/board/cycles/{cycle_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(CYCLE_TITLE)
    table = page.get_by_role("table", name=re.compile(rf"^Candidates of {CYCLE_TITLE}"))
    expect(table.get_by_role("columnheader", name="Decision")).to_be_visible()
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name=CANDIDATE))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").last).to_have_text("Awaiting recommendations")
    row.get_by_role("link", name=CANDIDATE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CANDIDATE)


def test_a_member_downloads_the_summary_and_records_a_recommendation_after_an_age_refusal(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    bw = build_board_world(app)
    cited = bw.findings[0]
    page = browsing.page

    sign_in(page, bw.member, clock)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hiring board")
    _open_summary(page, bw.world.cycle_id)
    expect(page.locator("article.finding-card")).to_have_count(len(bw.findings))

    # The released summary as a PDF.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this summary (PDF)").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # An age judgement, no finding cited: refused beside the rationale, which is marked invalid.
    recommendations = page.get_by_role("region", name="Recommendations")
    expect(recommendations.get_by_role("table")).to_have_count(0)
    outcome = recommendations.get_by_role("group", name="Your recommendation")
    outcome.get_by_role("radio", name="Do not advance", exact=True).check()
    recommendations.get_by_role("checkbox", name="No finding was relied on").check()
    rationale = recommendations.get_by_label("Rationale", exact=True)
    rationale.fill(AGE_RATIONALE)
    recommendations.get_by_role("button", name="Record my recommendation").click()

    recommendations = page.get_by_role("region", name="Recommendations")
    rationale = recommendations.get_by_label("Rationale", exact=True)
    expect(rationale).to_have_attribute("aria-invalid", "true")
    expect(rationale).to_have_value(AGE_RATIONALE)
    error = recommendations.locator("#rationale-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("\u201cToo old\u201d (age)")
    expect(rationale).to_have_accessible_description(re.compile(r"protected-class information: .*\(age\)"))
    expect(recommendations.get_by_role("alert")).to_contain_text("Please correct the fields marked below.")
    expect(recommendations.get_by_role("table")).to_have_count(0)

    # Reworded, citing a released finding instead of "no finding".
    outcome = recommendations.get_by_role("group", name="Your recommendation")
    expect(outcome.get_by_role("radio", name="Do not advance", exact=True)).to_be_checked()
    relied_on = recommendations.get_by_role("group", name="Findings relied on")
    relied_on.get_by_role("checkbox", name=re.compile(rf"^Finding {cited}: ")).check()
    recommendations.get_by_role("checkbox", name="No finding was relied on").uncheck()
    rationale.fill(REWORDED)
    recommendations.get_by_role("button", name="Record my recommendation").click()

    expect(page.get_by_role("status")).to_have_text("Your recommendation is recorded.")
    expect(page).to_have_url(re.compile(r"#recommendations$"))
    recommendations = page.get_by_role("region", name="Recommendations")
    expect(recommendations).to_contain_text("1 of 2 board members have recommended")
    rows = recommendations.get_by_role("table", name="Each board member's current recommendation").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("cell")).to_have_text([bw.member.name, "Do not advance", f"Finding {cited}", REWORDED])
    expect(recommendations.get_by_label("Rationale", exact=True)).not_to_have_attribute("aria-invalid", "true")

    # The dashboard's decision column follows.
    page.get_by_role("link", name=f"\u2190 {CYCLE_TITLE}").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CANDIDATE))
    expect(row.get_by_role("cell").last).to_have_text("1 of 2 recommended")
    _assert_quiet_console(browsing, refusals=1)


def test_the_summary_page_has_a_short_title(app: Flask, browsing: Browsing, clock: Clock) -> None:
    """WCAG 2.4.2: the tab and the screen reader announce the candidate and the page, nothing more."""
    bw = build_board_world(app)
    page = browsing.page
    sign_in(page, bw.member, clock)
    page.goto(f"/board/candidates/{bw.world.candidate_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(CANDIDATE)
    expect(page).to_have_title(re.compile(rf"^{CANDIDATE_NAME} \(C-\d+\): released summary · vetting$"))


QUORUM_REASON = "2 recommendations are needed before the chair decides; 1 recorded."
#: How many line boxes the most broken candidate code and checklist count take.
UNBROKEN = """region => {
  const lines = node => { const r = document.createRange(); r.selectNodeContents(node);
    return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
  const counts = [...region.querySelectorAll("progress")].map(p => p.nextSibling);
  return {
    codes: Math.max(...[...region.querySelectorAll(".candidate-code")].map(lines)),
    counts: Math.max(...counts.map(lines)),
  };
}"""


def test_the_dashboard_marks_whom_i_owe_a_recommendation_and_the_decision_waits_with_its_reason(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    """Issue 18 items 3 and 7: the chair sees the candidate waiting on them first, can show only
    those, and after recommending finds the decision button disabled with the quorum's reason as
    its description; the dashboard then says nothing is needed. At 390 px the table scrolls in
    its own focusable region and the page itself does not overflow."""
    bw = build_board_world(app)
    set_rules(app, bw.world, bw.chair, decision_quorum=2)
    page = browsing.page
    sign_in(page, bw.chair, clock)
    page.goto(f"/board/cycles/{bw.world.cycle_id}")
    expect(page.get_by_text("1 candidate needs your recommendation.")).to_be_visible()
    table = page.get_by_role("table", name=re.compile(rf"^Candidates of {CYCLE_TITLE}"))
    expect(table.get_by_role("columnheader", name="Your recommendation")).to_be_visible()
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name=CANDIDATE))
    expect(row.get_by_role("cell").nth(1)).to_have_text("Needed")
    page.get_by_role("checkbox", name="Only candidates waiting on my recommendation").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"waiting=1"))
    expect(table.locator("tbody tr")).to_have_count(1)

    # A narrow phone: the table scrolls inside its region, which the keyboard reaches.
    page.set_viewport_size({"width": 390, "height": 800})
    region = page.get_by_role("region", name=re.compile(rf"^Candidates of {CYCLE_TITLE}"))
    region.focus()
    expect(region).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls, not the page
    # Codes and counts stay on one line (each lays out as a single box): no "C- / 005", "9 of / 9".
    assert region.evaluate(UNBROKEN) == {"codes": 1, "counts": 1}
    page.set_viewport_size({"width": 1280, "height": 800})

    row.get_by_role("link", name=CANDIDATE).click()
    recommendations = page.get_by_role("region", name="Recommendations")
    recommendations.get_by_role("group", name="Your recommendation").get_by_role(
        "radio", name="Advance", exact=True
    ).check()
    recommendations.get_by_role("checkbox", name="No finding was relied on").check()
    recommendations.get_by_label("Rationale", exact=True).fill("Nothing released speaks against the candidate.")
    recommendations.get_by_role("button", name="Record my recommendation").click()
    expect(page.get_by_role("status")).to_have_text("Your recommendation is recorded.")

    decision = page.get_by_role("region", name="Decision")
    button = decision.get_by_role("button", name="Record the decision")
    expect(button).to_be_disabled()
    expect(button).to_have_accessible_description(QUORUM_REASON)
    expect(decision.get_by_text(QUORUM_REASON)).to_be_visible()

    page.get_by_role("link", name=f"\u2190 {CYCLE_TITLE}").click()
    expect(page.get_by_text("needs your recommendation.")).to_have_count(0)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=CANDIDATE))
    expect(row.get_by_role("cell").nth(1)).to_have_text("Not needed")
    _assert_quiet_console(browsing, refusals=0)
