"""Issue 3 acceptance in a real browser: an investigator records consent, resolves a checklist
item with its search log, adds a finding with evidence and a validation step, and sees the
progress update (R1, R5, R7)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, expect

from tests.browser.conftest import Browsing
from tests.browser.test_login import sign_in
from tests.support import Clock, published_checklist, runtime_of
from tests.web.helpers import new_cycle
from tests.web.world import CANDIDATE_NAME, build_world, png, record_consent, resolve, user_in
from vetting.clock import today
from vetting.models import Authorship, BehaviourCategory, IdentityBasis
from vetting.services import findings

pytestmark = pytest.mark.browser


def test_an_investigator_works_a_candidate_end_to_end(
    app: Flask, browsing: Browsing, clock: Clock, tmp_path: Path
) -> None:
    world = build_world(app)
    page = browsing.page
    sign_in(page, world.inv, clock)
    page.goto(f"/candidates/{world.candidate_id}")
    expect(page.get_by_text("0 of 3 checklist items resolved")).to_be_visible()

    # Consent first: the checklist cannot be worked before it (consent gate).
    signed = tmp_path / "signed-consent.png"
    signed.write_bytes(png("signed disclosure and authorization"))
    page.get_by_label("Date signed").fill((today() - timedelta(days=2)).isoformat())
    page.get_by_label("How it was signed").select_option("wet_ink")
    page.get_by_label("Signed form (PDF, PNG or JPEG)").set_input_files(str(signed))
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded. The checklist is open.")).to_be_visible()

    # Resolve the first item with the search that was run.
    item = page.locator("li.item").first
    item.get_by_text("Resolve this item").click()
    item.get_by_role("radio", name="Completed").check()
    item.get_by_label("Query as typed").first.fill(f'"{CANDIDATE_NAME}"')
    item.get_by_label("Where (search engine, site, records portal)").first.fill("Google")
    item.get_by_label("Results", exact=True).first.fill("2")
    item.get_by_role("checkbox").check()
    item.get_by_role("button", name="Save resolution").click()
    expect(page.get_by_text("1 of 3 checklist items resolved")).to_be_visible()
    expect(page.locator("li.item").first.get_by_role("cell", name=f'"{CANDIDATE_NAME}"')).to_be_visible()

    # A finding with evidence and a validation step.
    page.get_by_role("link", name="Add a finding").click()
    page.get_by_label("Source address").fill("https://social.example/casey/posts/9")
    page.get_by_label("Platform or site").fill("Social")
    page.get_by_label("Date of the content").fill((today() - timedelta(days=30)).isoformat())
    page.get_by_label("Summary in your words").fill("Public post threatening a neighbour over parking.")
    page.get_by_label("Verbatim excerpt").fill("Next time he blocks my truck he will regret it.")
    page.get_by_label("Behaviour category").select_option("violence_threats")
    page.get_by_role("radio", name="Candidate authored it").check()
    for basis in ("Name", "Photo matches", "Handle the candidate listed"):
        page.get_by_label(basis, exact=True).check()
    page.get_by_role("button", name="Save finding").click()
    expect(page.get_by_role("heading", name=re.compile(r"Finding \d+"))).to_be_visible()
    expect(page.get_by_text("unverified").first).to_be_visible()

    capture = tmp_path / "capture.png"
    capture.write_bytes(png("screenshot of the post"))
    page.get_by_label("Screenshot, PDF or page archive").set_input_files(str(capture))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text(re.compile(r"SHA-256 on receipt: [0-9a-f]{64}"))).to_be_visible()
    expect(page.get_by_role("link", name="capture.png", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Chain of custody of capture.png")).to_be_visible()

    page.get_by_label("Method").select_option("second_source")
    page.get_by_role("radio", name="Corroborates").check()
    page.get_by_label("What you checked and what it showed").fill("An archived copy shows the same post.")
    page.get_by_role("button", name="Add validation step").click()
    expect(page.get_by_role("heading", name=re.compile(r"Finding \d+")).get_by_text("corroborated")).to_be_visible()

    # Back on the candidate: the progress and the finding's status show.
    page.get_by_role("link", name=re.compile(r"C-\d+")).click()
    expect(page.get_by_text("1 of 3 checklist items resolved")).to_be_visible()
    expect(page.get_by_text("1 finding", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="corroborated")).to_be_visible()
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()


# --- issue 18: a confirmation before the search closes; a checklist form that helps -----------------


def test_closing_the_search_asks_for_confirmation_and_cancel_changes_nothing(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    page = browsing.page
    sign_in(page, world.inv, clock)
    page.goto(f"/candidates/{world.candidate_id}")
    # Not yet possible: a disabled button, and the reason is read with it.
    waiting = page.get_by_role("button", name="Close the search")
    expect(waiting).to_be_disabled()
    expect(waiting).to_have_accessible_description(re.compile(r"when all 3 items are resolved \(0 so far\)"))

    for item in world.items:
        resolve(app, world.inv, world.candidate_id, item)
    page.reload()
    page.get_by_role("link", name="Close the search…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the search for C-001?")
    expect(page.get_by_text("This cannot be undone: a closed search cannot be reopened.")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CANDIDATE_NAME)
    expect(page.get_by_text("Search closed")).to_have_count(0)

    # From the keyboard: the confirmation's button is reached with Tab and pressed with Enter.
    page.get_by_role("link", name="Close the search…").click()
    yes = page.get_by_role("button", name="Yes, close the search")
    for _ in range(40):
        page.keyboard.press("Tab")
        if yes.evaluate("el => el === document.activeElement"):
            break
    expect(yes).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Search closed: every checklist item is resolved.")).to_be_visible()
    expect(page.get_by_role("link", name="Close the search…")).to_have_count(0)
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()


def test_closing_a_cycle_asks_for_confirmation(app: Flask, browsing: Browsing, clock: Clock) -> None:
    world = build_world(app)
    page = browsing.page
    sign_in(page, world.admin, clock)
    page.goto(f"/admin/cycles/{world.cycle_id}")
    page.get_by_role("link", name="Close the cycle…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close “Patrol 2026”?")
    expect(page.get_by_text("This cannot be undone: a closed cycle cannot be opened again.")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(".facts")).to_contain_text("open")
    page.get_by_role("link", name="Close the cycle…").click()
    page.get_by_role("button", name="Yes, close the cycle").click()
    expect(page.get_by_text("Cycle is now closed.")).to_be_visible()

    # A new draft with nobody assigned: the page warns, and opening says it opens anyway.
    draft = new_cycle(app, world.admin.id, "Dispatch 2027")
    published = published_checklist(app, world.admin.id, name="Dispatch checklist")
    page.goto(f"/admin/cycles/{draft}")
    expect(page.locator("#setup-warnings")).to_contain_text("The board has no members")
    expect(page.locator("#setup-warnings")).to_contain_text("no chair is named")
    page.get_by_label("Published checklist version").select_option(str(published))
    page.get_by_role("button", name="Save").first.click()
    page.get_by_role("link", name="Open the cycle…").click()
    expect(page.get_by_role("alert")).to_contain_text("No investigator is assigned")
    page.get_by_role("button", name="Open the cycle anyway").click()
    expect(page.get_by_text("Cycle is now open.")).to_be_visible()
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()


def _item_form(page_item: Locator) -> Locator:
    return page_item.locator("form[data-resolve]")


def test_the_checklist_form_reports_every_problem_at_once_and_adds_search_rows(
    app: Flask, browsing: Browsing, clock: Clock
) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    page = browsing.page
    sign_in(page, world.inv, clock)
    page.goto(f"/candidates/{world.candidate_id}")
    item = page.locator("li.item").first
    item.get_by_text("Resolve this item").click()
    form = _item_form(item)

    # The reason is asked for only when the outcome needs it.
    reason = form.get_by_label("Why it could not be completed")
    expect(reason).to_be_hidden()
    form.get_by_role("radio", name="Unable to complete").check()
    expect(reason).to_be_visible()
    form.get_by_role("radio", name="Completed").check()
    expect(reason).to_be_hidden()

    # "Add another search" adds an empty fourth row and puts the keyboard in it.
    queries = form.get_by_label("Query as typed")
    expect(queries).to_have_count(3)
    form.get_by_role("button", name="Add another search").click()
    expect(queries).to_have_count(4)
    expect(queries.nth(3)).to_be_focused()
    expect(form.get_by_role("group", name="Search 4")).to_be_visible()

    queries.nth(0).fill(f"{CANDIDATE_NAME} pregnant")
    form.get_by_label("Where (search engine, site, records portal)").nth(0).fill("Google")
    form.get_by_label("Results", exact=True).nth(0).fill("3")
    queries.nth(3).fill(f'"{CANDIDATE_NAME}" court')  # where it was run is left out
    # The attestation is left unticked: every problem comes back in one round.
    form.get_by_role("button", name="Save resolution").click()
    item = page.locator("li.item").first
    form = _item_form(item)
    expect(
        form.get_by_text(re.compile(r"This search was refused: it pairs the candidate with “pregnant”"))
    ).to_be_visible()
    expect(form.get_by_text(re.compile(r"^Confirm the attestation"))).to_be_visible()
    expect(form.get_by_text("Each search needs where it was run (1–200 characters).")).to_be_visible()
    queries = form.get_by_label("Query as typed")
    expect(queries).to_have_count(4)  # the added row and what was typed are kept
    expect(queries.nth(3)).to_have_value(f'"{CANDIDATE_NAME}" court')
    expect(form.get_by_role("radio", name="Completed")).to_be_checked()

    # Fixed in one go, it saves.
    queries.nth(0).fill(f'"{CANDIDATE_NAME}"')
    form.get_by_label("Where (search engine, site, records portal)").nth(3).fill("County court portal")
    form.get_by_label("Results", exact=True).nth(3).fill("0")
    form.get_by_role("checkbox").check()
    form.get_by_role("button", name="Save resolution").click()
    expect(page.get_by_text("1 of 3 checklist items resolved")).to_be_visible()
    expect(page.locator("li.item").first.get_by_role("cell", name=f'"{CANDIDATE_NAME}" court')).to_be_visible()
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()


def test_the_checklist_form_works_without_script(app: Flask, browser: Browser, live_server: str, clock: Clock) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, world.inv, clock)
        page.goto(f"/candidates/{world.candidate_id}")
        item = page.locator("li.item").first
        item.get_by_text("Resolve this item").click()
        form = _item_form(item)
        expect(form.get_by_label("Why it could not be completed")).to_be_visible()  # shown, with when it is needed
        expect(form.get_by_text("Only when the outcome is “Unable to complete”.")).to_be_visible()
        form.get_by_label("Query as typed").first.fill(f'"{CANDIDATE_NAME}"')
        form.get_by_role("button", name="Add another search").click()
        form = _item_form(page.locator("li.item").first)
        queries = form.get_by_label("Query as typed")
        expect(queries).to_have_count(4)
        expect(queries.first).to_have_value(f'"{CANDIDATE_NAME}"')
        expect(queries.nth(3)).to_be_focused()
    finally:
        context.close()


#: A source address as long as real ones get (a tracking-laden share link), with no break opportunity.
LONG_URL = "https://social.example/casey_c/status/1234567890123456789?" + "utm_source=share_" * 12 + "&ref=x"


def test_the_finding_page_fits_a_phone_and_titles_clear_the_header(
    app: Flask, browser: Browser, live_server: str, clock: Clock
) -> None:
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        finding_id = findings.add_finding(
            session,
            user_in(session, world.inv),
            rt.security,
            world.candidate_id,
            findings.FindingInput(
                item_id=world.items[0],
                source_url=LONG_URL,
                platform="Social",
                content_date=None,
                captured_at=None,
                summary="Public post threatening a neighbour.",
                excerpt="I will hurt him.",
                category=BehaviourCategory.VIOLENCE,
                authorship=Authorship.AUTHORED,
                identity_basis=[IdentityBasis.NAME, IdentityBasis.PHOTO, IdentityBasis.LOCATION],
            ),
        ).id
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        sign_in(page, world.inv, clock)
        page.goto(f"/findings/{finding_id}")
        expect(page.get_by_text(LONG_URL)).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the finding page is {width} px wide on a 390 px phone"
        header = page.locator(".site-header").bounding_box()
        title = page.get_by_role("heading", level=1).bounding_box()
        assert header is not None
        assert title is not None
        assert title["y"] - (header["y"] + header["height"]) >= 24  # the title does not touch the bar
    finally:
        context.close()
