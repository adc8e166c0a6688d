"""Minimisation pages in a browser (issue 15 point 3; RET-11): a records officer reaches the queue
from Records, ticks a due finding by its label, proposes it, and is told a second person
approves; the confirmation page names what stands in the way. Every page on the way has no
critical or serious axe-core violation (issue 18)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from tests.browser.conftest import sign_in_demo
from tests.browser.test_axe import Checker, axe_context  # noqa: F401 - the fixture is used by name
from tests.support import Clock, runtime_of
from vetting.demo import DEMO_CYCLE_TITLE, DemoAccount
from vetting.models import Cycle, CycleStatus
from vetting.services import cycles, users

pytestmark = pytest.mark.browser

#: Past the RET-01 floor from the cycle's close.
PAST_FLOOR_DAYS = 2 * 365 + 10


def test_a_records_officer_proposes_a_minimisation_on_accessible_pages(
    app: Flask,
    axe_context: BrowserContext,  # noqa: F811 - the imported fixture
    demo_accounts: dict[str, DemoAccount],
    clock: Clock,
) -> None:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        admin = users.find_user_by_email(session, "admin@demo.test")
        cycle_id = session.scalar(select(Cycle.id).where(Cycle.title == DEMO_CYCLE_TITLE))
        assert admin is not None
        assert cycle_id is not None
        cycles.change_status(session, admin, cycle_id, CycleStatus.CLOSED)
    clock.advance(days=PAST_FLOOR_DAYS)
    page = axe_context.new_page()
    checker = Checker(page)
    sign_in_demo(page, demo_accounts["records@demo.test"], clock)

    page.goto("/retention")
    page.get_by_role("link", name="Minimisation of findings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minimisation of findings")
    checker.check()
    ticks = page.get_by_label(re.compile(r"^Propose finding \d+ of candidate"))
    assert ticks.count() >= 1
    ticks.first.focus()
    page.keyboard.press("Space")
    expect(ticks.first).to_be_checked()
    page.get_by_role("button", name="Propose minimising the ticked findings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Minimisation \d+$"))
    expect(page.get_by_text("A second person approves what one proposed").first).to_be_visible()
    checker.check()
    page.goto(f"{page.url}/approve")
    expect(page.get_by_text("This cannot be undone").first).to_be_visible()
    checker.check()
    page.get_by_role("link", name=re.compile("Minimisation")).first.click()
    page.get_by_role("link", name="Minimisation of findings").click()
    page.get_by_role("link", name="Every finding that may go").click()
    expect(page.get_by_text("Proposed").first).to_be_visible()
    checker.check()
    checker.assert_clean()
