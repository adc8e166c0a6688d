"""Sign-in, lockout and first-time TOTP enrolment in a real browser (keyboard, CSP)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.support import PASSWORD, Clock, Person, make_user, published_checklist, runtime_of
from vetting.clock import utcnow
from vetting.models import CycleStatus, Duty, Role, User
from vetting.security import totp
from vetting.services import checklists, cycles

pytestmark = pytest.mark.browser

# Fixed paths, so a person can look at the pages after a run.
ADMIN_SCREENSHOT = "/tmp/vetting-admin.png"  # noqa: S108
ENROL_SCREENSHOT = "/tmp/vetting-enrol.png"  # noqa: S108


def submit_password(page: Page, email: str, password: str) -> None:
    if not page.url.endswith("/login"):
        page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def sign_in(page: Page, person: Person, clock: Clock) -> None:
    """Password, then a TOTP code of a new time step (each code is accepted once)."""
    assert person.totp_secret is not None
    submit_password(page, person.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code$"))
    clock.advance(seconds=30)
    page.get_by_label("Code", exact=True).fill(totp.current_code(person.totp_secret, utcnow()))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def assert_skip_link_works(page: Page) -> None:
    """From the top of a freshly loaded page, Tab reaches the skip link first; Enter focuses main."""
    page.reload()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.textContent.trim()]")
    assert focused == ["skip-link", "Skip to main content"]
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0, "the focused skip link is still off-screen"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.evaluate("() => document.activeElement.id") == "main"


def _assign_to_an_open_cycle(app: Flask, person: Person, duty: Duty) -> None:
    admin = make_user(app, "cycle-admin@x.test", Role.ADMIN)
    version_id = published_checklist(app, admin.id)
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin.id)
        assert actor is not None
        cycle = cycles.create_cycle(
            session, actor, title="Police Officer Recruit", position="Police Officer", blind_review=False
        )
        cycles.assign(session, actor, cycle.id, person.id, duty)
        checklists.set_cycle_checklist(session, actor, cycle.id, version_id)
        cycles.change_status(session, actor, cycle.id, CycleStatus.OPEN)


@dataclass(frozen=True)
class Landing:
    role: Role
    path: str
    heading: str
    #: Give the user a duty in an open cycle first, as ``vetting demo`` does.
    assigned: bool = False


@pytest.mark.parametrize(
    "landing",
    [
        pytest.param(Landing(Role.ADMIN, "/admin", "Administration"), id="admin"),
        pytest.param(Landing(Role.INVESTIGATOR, "/investigations", "My investigations"), id="investigator"),
        pytest.param(
            Landing(Role.INVESTIGATOR, "/investigations", "My investigations", assigned=True),
            id="investigator-in-a-cycle",
        ),
    ],
)
def test_sign_in_lands_on_the_role_page_and_the_skip_link_works(
    app: Flask, browsing: Browsing, clock: Clock, landing: Landing
) -> None:
    page = browsing.page
    person = make_user(app, f"{landing.role.value}@demo.test", landing.role)
    if landing.assigned:
        _assign_to_an_open_cycle(app, person, Duty.INVESTIGATOR)

    sign_in(page, person, clock)

    browsing.assert_no_server_errors()
    expect(page).to_have_url(browsing.base_url + landing.path)
    expect(page.get_by_role("heading", level=1)).to_have_text(landing.heading)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    if landing.assigned:
        expect(page.get_by_role("cell", name="Police Officer Recruit")).to_be_visible()
    if landing.role is Role.ADMIN:
        page.screenshot(path=ADMIN_SCREENSHOT, full_page=True)
    assert_skip_link_works(page)
    browsing.assert_no_csp_violations()


def test_five_bad_passwords_lock_the_account(app: Flask, browsing: Browsing) -> None:
    page = browsing.page
    person = make_user(app, "inv@demo.test", Role.INVESTIGATOR)
    error = page.locator(".field--error .error")

    for attempt in range(1, 5):
        submit_password(page, person.email, f"wrong password {attempt}")
        expect(error).to_have_text("The email address or password is incorrect.")

    submit_password(page, person.email, "wrong password 5")
    expect(error).to_contain_text("locked")

    submit_password(page, person.email, PASSWORD)
    expect(error).to_contain_text("locked")
    expect(page).to_have_url(browsing.base_url + "/login")
    browsing.assert_no_csp_violations()


def test_first_sign_in_enrols_the_authenticator(app: Flask, browsing: Browsing, clock: Clock) -> None:
    page = browsing.page
    person = make_user(app, "board@demo.test", Role.BOARD_MEMBER, enrolled=False)

    submit_password(page, person.email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/login/enrol$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code did not load"
    key = page.get_by_label("Setup key").inner_text().replace(" ", "").strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", key), key
    page.screenshot(path=ENROL_SCREENSHOT, full_page=True)

    clock.advance(seconds=30)
    page.get_by_label("Code", exact=True).fill(totp.current_code(key, utcnow()))
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.locator("ol.codes li").all_inner_texts()
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c.strip()) for c in codes), codes
    page.get_by_role("link", name="I have saved them: continue").click()

    expect(page).to_have_url(browsing.base_url + "/board")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hiring board")
    browsing.assert_no_csp_violations()


def test_a_csp_violation_would_be_caught(app: Flask, browsing: Browsing) -> None:
    """Control for the checks above: an inline style on a page is refused, and the listener sees it."""
    page = browsing.page
    page.goto("/login")
    browsing.assert_no_csp_violations()
    with page.expect_console_message(lambda m: "CSP violation" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('style'); s.textContent = 'p {}'; document.head.append(s); }"
        )
    assert browsing.csp_violations()
