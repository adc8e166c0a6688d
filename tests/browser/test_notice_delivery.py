"""Issue 16 point 3 in a real browser: the chair sees a notice not delivered yet, with no window, and
records that it was handed over with the form beside it (reached by its label, keyboard-operable);
the window then runs. The page passes axe-core before and after (no critical or serious violation).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import BrowserContext, expect

from tests.browser.test_axe import Checker, axe_context  # noqa: F401  (the fixture)
from tests.browser.test_login import sign_in
from tests.support import Clock
from tests.web.board_world import build_board_world
from tests.web.world import API, bearer

pytestmark = pytest.mark.browser

CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."


def test_the_chair_records_a_notice_handed_over_and_the_window_starts(
    app: Flask,
    client: FlaskClient,
    clock: Clock,
    axe_context: BrowserContext,  # noqa: F811  (the fixture imported above)
) -> None:
    bw = build_board_world(app)
    cid = bw.world.candidate_id
    chair = bearer(app, bw.chair)
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1]}
    assert client.post(f"{API}/board/candidates/{cid}/recommendations", json=body, headers=chair).status_code == 201
    assert client.post(f"{API}/board/candidates/{cid}/decisions", json=body, headers=chair).status_code == 201

    page = axe_context.new_page()
    checker = Checker(page)
    sign_in(page, bw.chair, clock)
    page.goto(f"/board/candidates/{cid}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("has not reached the candidate yet")
    expect(main).to_contain_text("not delivered yet")
    expect(main).not_to_contain_text("window runs until")
    checker.check()
    page.get_by_label("Handed to the candidate on").fill("2026-11-02")
    page.get_by_role("button", name="Record delivery by hand").press("Enter")
    expect(main).to_contain_text("Delivery recorded; the candidate may respond until the end of 09 Nov 2026.")
    expect(main).to_contain_text("The window runs until the end of")
    expect(main).to_contain_text("delivered")
    expect(page.get_by_role("button", name="Record delivery by hand")).to_have_count(0)
    checker.check()
    checker.assert_clean()
