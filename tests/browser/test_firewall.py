"""Issue 4 item 8 in a real browser: the protected-class firewall from the investigator's
keyboard to the board's page (R3, POL-02; rules-legal.md §2 lanes A and B).

Investigator A resolves the detector's mentions on a finding, mostly with the keyboard
(``j``, ``r``, ``n``, Escape, Enter) and once with the mouse, and cannot release it
themselves. Investigator B, the second investigator of the cycle, compares the raw and
redacted columns and releases it. A board member of the cycle then reads the released
summary: the candidate's own protected traits show as ``[redacted]`` while the bias statement
about a group (lane B conduct) reaches them intact. No page logs a console error or a CSP
violation.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Browsing
from tests.browser.test_login import sign_in
from tests.support import Clock, runtime_of
from tests.web.world import (
    CANDIDATE_NAME,
    World,
    add_investigator,
    add_validation,
    build_world,
    close_search,
    record_consent,
    user_in,
)
from vetting.clock import today
from vetting.models import Authorship, BehaviourCategory, IdentityBasis, ValidationResult
from vetting.services import findings

pytestmark = pytest.mark.browser

#: The candidate's pregnancy and religion (lane A: never to the board) beside a bias
#: statement about a group (lane B: conduct the board must read).
SUMMARY = "Posted photos from her baby shower at St. Mary's parish and wrote that women can't do this job."
EXCERPT = "They just can't handle the pressure of this job, end of story."
BOARD_SUMMARY = "Posted photos from her [redacted] at [redacted] and wrote that women can't do this job."
#: What the detector flags in SUMMARY, in order (see ``vetting screen``).
FLAGGED = ("baby shower", "St. Mary's parish", "women")
LANE_A_WORDS = ("baby shower", "Mary's", "parish")
LANE_B_CONDUCT = "women can't do this job"
LANE_B_REASON = "Reported conduct toward a group (lane B), not the candidate's own trait"
RELEASE = "Approve and release to the board"


def _bias_finding(app: Flask, world: World) -> int:
    """A's finding, screened on save, with a corroborating validation step (R7) recorded by A."""
    record_consent(app, world.inv, world.candidate_id)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        finding = findings.add_finding(
            session,
            user_in(session, world.inv),
            rt.security,
            world.candidate_id,
            findings.FindingInput(
                item_id=world.items[0],
                source_url="https://social.example/casey/77",
                platform="Social",
                content_date=today() - timedelta(days=20),
                captured_at=None,
                summary=SUMMARY,
                excerpt=EXCERPT,
                category=BehaviourCategory.BIAS_HATE,
                authorship=Authorship.AUTHORED,
                identity_basis=[IdentityBasis.NAME, IdentityBasis.PHOTO, IdentityBasis.LOCATION],
            ),
        )
        finding_id = finding.id
    add_validation(app, world.inv, finding_id, ValidationResult.CORROBORATES)
    return finding_id


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def _column(page: Page, field: str, heading: str) -> Locator:
    """One column of the reviewer's side-by-side comparison of ``field``."""
    region = page.get_by_role("region", name=field)
    return region.locator(".side-by-side > div").filter(has=page.get_by_role("heading", name=heading, exact=True))


def _assert_quiet_console(browsing: Browsing) -> None:
    """No server error, no CSP violation, and no console error or uncaught exception on any page."""
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()
    errors = [m for m in browsing.console if m.startswith(("error:", "pageerror:"))]
    assert errors == [], f"on {browsing.visited}"


def test_mentions_are_resolved_by_keyboard_reviewed_side_by_side_and_reach_the_board_redacted(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    """R3 / POL-02: each detector hit is resolved by a person; a second investigator approves the
    redacted text; the board reads only that, with lane-B conduct intact."""
    world = build_world(app)
    second = add_investigator(app, world, "second@x.test", "Sam Second")
    finding_id = _bias_finding(app, world)
    page = browsing.page
    finding_url = re.escape(f"{browsing.base_url}/findings/{finding_id}")

    # --- Investigator A: the mentions are highlighted inline and each links to its resolution.
    sign_in(page, world.inv, clock)
    page.goto(f"/findings/{finding_id}")
    badge_heading = page.get_by_role("heading", name=re.compile(r"^Protected-class mentions"))
    expect(badge_heading).to_contain_text("3 to resolve")
    summary = page.locator("p.prose").first
    ids: list[int] = []
    for words in FLAGGED:
        link = summary.get_by_role("link", name=f"{words} (unresolved mention)", exact=True)
        expect(link).to_have_attribute("href", re.compile(r"^#mention-\d+$"))
        ids.append(int((link.get_attribute("href") or "").removeprefix("#mention-")))
    baby, mary, women = (page.locator(f"#mention-{i}") for i in ids)
    expect(page.locator("[data-mentions] > li")).to_have_count(3)

    # j focuses the first mention, r redacts it; the page comes back at the next open one.
    page.keyboard.press("j")
    expect(baby).to_be_focused()
    page.keyboard.press("r")
    expect(page).to_have_url(re.compile(rf"^{finding_url}#mention-{ids[1]}$"))
    expect(mary).to_be_focused()
    expect(badge_heading).to_contain_text("2 to resolve")

    # One click on "Redact" does the same for the mouse.
    mary.get_by_role("button", name="Redact").click()
    expect(page).to_have_url(re.compile(rf"^{finding_url}#mention-{ids[2]}$"))
    expect(women).to_be_focused()
    expect(badge_heading).to_contain_text("1 to resolve")

    # "women" is the candidate's bias statement about a group: n goes to the reason, Escape
    # leaves it, n again, and Enter submits "Not protected" (the form's first button).
    reason = page.locator(f"#reason-{ids[2]}")
    page.keyboard.press("n")
    expect(reason).to_be_focused()
    page.keyboard.press("Escape")
    expect(women).to_be_focused()
    page.keyboard.press("n")
    expect(reason).to_be_focused()
    expect(reason).to_have_value("")  # the shortcut key itself is not typed into the field
    page.keyboard.type(LANE_B_REASON)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"^{finding_url}#mentions$"))
    expect(badge_heading).to_contain_text("all resolved")
    expect(page.locator("[data-mentions] .badge--bad")).to_have_count(0)
    expect(baby).to_contain_text("Redacted")
    expect(mary).to_contain_text("Redacted")
    expect(women).to_contain_text("Not protected")
    expect(women).to_contain_text(f"Reason: {LANE_B_REASON}")
    expect(summary.get_by_role("link", name="baby shower (redacted)", exact=True)).to_be_visible()
    expect(summary.get_by_role("link", name="women (not protected)", exact=True)).to_be_visible()

    # A validated the finding (beforehand) but wrote it: no dead-end link, a disabled action with
    # the reason read with it (issue 18); the review page, opened anyway, says the same.
    expect(page.get_by_role("link", name="Review and release")).to_have_count(0)
    own = page.get_by_role("button", name="Review and release")
    expect(own).to_be_disabled()
    expect(own).to_have_accessible_description(re.compile(r"^A second investigator must review and release your"))
    page.goto(f"/findings/{finding_id}/review")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Review finding {finding_id} for release")
    expect(page.get_by_text("A second investigator must review and release your finding.")).to_be_visible()
    blockers = page.locator("ul.blockers")
    expect(blockers).to_contain_text("author_cannot_release")
    expect(blockers).not_to_contain_text("unresolved_mentions")
    expect(blockers).not_to_contain_text("validation_required")
    expect(page.get_by_role("button", name=RELEASE)).to_be_disabled()
    _sign_out(page)

    # --- Investigator B: raw and redacted text side by side, then release.
    sign_in(page, second, clock)
    page.goto(f"/findings/{finding_id}/review")
    recorded = _column(page, "Summary", "Recorded (investigators only)")
    board_reads = _column(page, "Summary", "What the board reads")
    # The raw words stay highlighted (each with its decision for screen readers) on the left.
    for words, decision in zip(FLAGGED, ("redacted", "redacted", "not protected"), strict=True):
        expect(recorded.get_by_role("link", name=f"{words} ({decision})", exact=True)).to_be_visible()
    expect(board_reads.locator("p.prose")).to_have_text(BOARD_SUMMARY)
    expect(board_reads.locator("ins.redaction")).to_have_count(2)
    for words in LANE_A_WORDS:
        expect(board_reads).not_to_contain_text(words)
    expect(_column(page, "Excerpt", "What the board reads")).to_have_text(re.compile(re.escape(EXCERPT)))
    expect(page.locator("ul.blockers")).to_have_count(0)
    page.get_by_role("button", name=RELEASE).click()
    expect(page.get_by_text("Released revision 1 to the board.")).to_be_visible()
    expect(page.get_by_text("Released to the board", exact=True)).to_be_visible()
    _sign_out(page)
    close_search(app, world.inv, world.candidate_id)  # R1: the board reads a closed search only

    # --- A board member of the cycle: only the released, redacted summary.
    sign_in(page, world.board, clock)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hiring board")
    page.get_by_role("link", name="Patrol 2026").click()
    page.get_by_role("link", name=CANDIDATE_NAME).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CANDIDATE_NAME)
    card = page.locator("article.finding-card")
    expect(card).to_have_count(1)
    expect(card.locator("p.prose")).to_have_text(BOARD_SUMMARY)
    expect(card).to_contain_text("[redacted]")
    expect(card).to_contain_text(LANE_B_CONDUCT)
    markup = page.content()
    for words in (*LANE_A_WORDS, "Mary&#39;s", "Mary&#x27;s"):
        assert words not in markup, f"{words!r} reached the board page"
    _assert_quiet_console(browsing)


def test_a_shortcut_key_pressed_outside_the_mention_list_resolves_nothing(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    """R3: a mention is resolved only by a deliberate act on it. After a resolution the page sits at
    #mention-N; a keyboard user who then tabs to another control and types ``r`` must not redact it."""
    world = build_world(app)
    finding_id = _bias_finding(app, world)
    page = browsing.page
    sign_in(page, world.inv, clock)
    page.goto(f"/findings/{finding_id}")
    women_link = page.locator("p.prose").first.get_by_role("link", name="women (unresolved mention)", exact=True)
    page.goto(f"/findings/{finding_id}{women_link.get_attribute('href')}")
    expect(page.locator(":focus")).to_have_class(re.compile(r"\bmention-item\b"))
    # Record, and stop, any form submission: the shortcut handler runs synchronously on keydown.
    page.evaluate(
        "() => document.addEventListener('submit', (e) => { window.submitted = e.target.action; e.preventDefault(); })"
    )
    for control in (
        page.get_by_role("link", name="Edit finding"),
        page.get_by_role("button", name="Add validation step"),
    ):
        control.focus()
        expect(control).to_be_focused()
        page.keyboard.press("r")
        assert page.evaluate("() => window.submitted ?? null") is None, f"r on {control} submitted a resolution"


#: Every control the keyboard stops at inside the mention list, counted as the browser lays it out
#: (hidden controls, e.g. inside a closed "Change", are not stops).
TAB_STOPS = """() => Array.from(document.querySelectorAll(
  '[data-mentions] :is(a[href], button, input:not([type=hidden]), select, textarea, summary)'
)).filter((el) => !el.disabled && el.checkVisibility({ visibilityProperty: true })).length"""


def test_unresolved_words_are_masked_for_the_reviewer_and_resolved_mentions_collapse(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    """Issue 18: before a mention is resolved, the board-facing column never shows its words; a
    resolved mention is one line (a "Change" disclosure), not a form with six controls."""
    world = build_world(app)
    second = add_investigator(app, world, "second@x.test", "Sam Second")
    finding_id = _bias_finding(app, world)
    page = browsing.page

    # B looks before anything is resolved: every flagged word is masked in the board's column.
    sign_in(page, second, clock)
    page.goto(f"/findings/{finding_id}/review")
    board_reads = _column(page, "Summary", "What the board reads")
    expect(board_reads.locator("mark.unresolved")).to_have_count(3)
    expect(board_reads.locator("p.prose")).to_have_text(
        "Posted photos from her [unresolved] (a mention not resolved yet) at [unresolved] (a mention not resolved "
        "yet) and wrote that [unresolved] (a mention not resolved yet) can't do this job."
    )
    for words in FLAGGED:
        expect(board_reads).not_to_contain_text(words)
    expect(page.get_by_role("button", name=RELEASE)).to_be_disabled()
    _sign_out(page)

    # A resolves them; the list shrinks from full forms to one line each.
    sign_in(page, world.inv, clock)
    page.goto(f"/findings/{finding_id}")
    mentions = page.locator("[data-mentions] > li")
    expect(mentions).to_have_count(3)
    before = page.evaluate(TAB_STOPS)
    assert before == 3 * 6  # reason, Not protected, Redact and three common reasons, per mention
    height_before = page.locator("[data-mentions]").bounding_box()
    mentions.nth(0).get_by_role("button", name="Redact").click()
    mentions.nth(1).get_by_role("button", name="Redact").click()
    mentions.nth(2).get_by_label(re.compile("is not protected")).fill(LANE_B_REASON)
    mentions.nth(2).get_by_role("button", name="Not protected").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Protected-class mentions"))).to_contain_text("all resolved")
    after = page.evaluate(TAB_STOPS)
    assert after == 3, after  # one "Change" per mention
    height_after = page.locator("[data-mentions]").bounding_box()
    assert height_before is not None
    assert height_after is not None
    assert height_after["height"] < height_before["height"] / 2
    women = mentions.nth(2)
    expect(women).to_contain_text("Not protected by Ivy Investigator. Reason: " + LANE_B_REASON)
    expect(women.get_by_role("button", name="Redact")).to_be_hidden()
    # "Change" opens the controls again; r acts on a collapsed mention only once it is open.
    page.evaluate(
        "() => document.addEventListener('submit', (e) => { window.submitted = e.target.action; e.preventDefault(); })"
    )
    women.focus()
    page.keyboard.press("r")
    assert page.evaluate("() => window.submitted ?? null") is None
    women.get_by_text("Change").click()
    expect(women.get_by_role("button", name="Redact")).to_be_visible()
    expect(women.get_by_label(re.compile("is not protected"))).to_have_value(LANE_B_REASON)
    _assert_quiet_console(browsing)
