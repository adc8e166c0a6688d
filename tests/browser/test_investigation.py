"""Issue 3 acceptance in a real browser: an investigator records consent, resolves a checklist
item with its search log, adds a finding with evidence and a validation step, and sees the
progress update (R1, R5, R7)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import Browsing
from tests.browser.test_login import sign_in
from tests.support import Clock
from tests.web.world import CANDIDATE_NAME, build_world, png
from vetting.clock import today

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
    expect(page.get_by_role("link", name="capture.png")).to_be_visible()

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
