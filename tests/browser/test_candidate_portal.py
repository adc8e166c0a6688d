"""Issue 16's acceptance in a real browser: the candidate follows an e-mailed link, signs the
disclosure and authorization, later receives a pre-decision notice link, opens it and disputes a
finding; the board then reads the dispute with protected-class words redacted, the proposal paused.

The mail is delivered as the worker does, through a real SMTP server the test starts (aiosmtpd on
127.0.0.1), and the link is read from the message that server received. Every control is reached by its
accessible role and name or label (FCRA-02, FCRA-06, FCRA-09, PC-01).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from tests.browser.conftest import Browsing
from tests.browser.test_axe import Checker, axe_context  # noqa: F401  (the fixture)
from tests.browser.test_login import sign_in
from tests.integration.smtp import HOST, SmtpServer
from tests.support import Clock, runtime_of
from tests.web.board_world import PROTECTED_SUMMARY, complete, release_finding, set_rules
from tests.web.world import API, add_finding, add_investigator, bearer, build_world, resolve
from vetting.config import Settings, parse_smtp_url
from vetting.jobs.mail import deliver
from vetting.models import REDACTED, CandidateLink

pytestmark = pytest.mark.browser

EMAIL = "casey@example.org"
LINK = re.compile(r"https?://\S+?(/c/[A-Za-z0-9_-]+)")
DISPUTE = "That was not me: I was at my baby shower at St. Mary's parish that day."


SENDER = "vetting@agency.test"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The app mails through the test's SMTP server (the ``app`` fixture is built from these)."""
    return settings.with_overrides(smtp=parse_smtp_url(f"smtp://{HOST}:{smtp.port}"), mail_from=SENDER)


def _mailed_path(app: Flask, smtp: SmtpServer, outbox_id: int) -> str:
    """Deliver the message as the worker does and read the link's path from what the SMTP server received."""
    before = len(smtp.received)
    assert deliver(runtime_of(app), outbox_id) is not None
    assert len(smtp.received) == before + 1
    received = smtp.received[-1]
    assert received.recipients == [EMAIL]
    message = received.message
    assert message["To"] == EMAIL
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(1)


def test_the_candidate_signs_then_disputes_the_notice_and_the_board_sees_it_paused(
    app: Flask, client: FlaskClient, browsing: Browsing, clock: Clock, smtp: SmtpServer
) -> None:
    world = build_world(app)
    cid = world.candidate_id
    inv = bearer(app, world.inv)
    issued = client.post(f"{API}/candidates/{cid}/links", json={"purpose": "consent", "email": EMAIL}, headers=inv)
    assert issued.status_code == 201, issued.get_data(as_text=True)
    page = browsing.page

    page.goto(_mailed_path(app, smtp, issued.get_json()["outbox_id"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosure and authorization")
    page.get_by_label("I have read the disclosure and I authorize this").check()
    page.get_by_label("Your full name").fill("Casey Candidate")
    page.get_by_role("button", name="Sign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your signature is recorded")

    # The investigation goes on: items, findings released by a second investigator, search closed.
    second = add_investigator(app, world)
    for item in world.items:
        resolve(app, world.inv, cid, item)
    finding = add_finding(app, world.inv, cid, world.items[0], summary=PROTECTED_SUMMARY)
    release_finding(app, world.inv, second, finding)
    complete(app, world.inv, cid)
    set_rules(app, world, world.board)
    chair = bearer(app, world.board)
    body = {"outcome": "do_not_advance", "rationale": "Threatened a neighbour.", "finding_ids": [finding]}
    assert client.post(f"{API}/board/candidates/{cid}/recommendations", json=body, headers=chair).status_code == 201
    proposed = client.post(f"{API}/board/candidates/{cid}/decisions", json=body, headers=chair)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    assert proposed.get_json()["notice_mailed"] is True
    notice_path = _mailed_path(app, smtp, _notice_outbox(app))

    page.goto(notice_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-decision notice")
    expect(page.get_by_role("link", name="Download this notice (PDF)")).to_be_visible()
    page.get_by_label("A dispute: some findings are wrong or not about me").check()
    page.get_by_role("checkbox", name=re.compile(rf"Finding {finding}:")).check()
    page.get_by_label("Your statement").fill(DISPUTE)
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answer was received")
    expect(page.get_by_text(f"Finding {finding}", exact=True)).to_be_visible()

    # The board: the proposal is paused, the dispute read through the firewall.
    page.context.clear_cookies()
    sign_in(page, world.board, clock)
    page.goto(f"/board/candidates/{cid}")
    main = page.get_by_role("main")
    expect(main.get_by_text("Paused: the candidate disputes findings")).to_be_visible()
    expect(main).to_contain_text("sent online by the candidate")
    expect(main).to_contain_text(REDACTED)
    expect(main).to_contain_text("notice opened")
    for word in ("baby shower", "St. Mary", "parish"):
        expect(main).not_to_contain_text(word)
    browsing.assert_no_server_errors()
    browsing.assert_no_csp_violations()


def _notice_outbox(app: Flask) -> int:
    with runtime_of(app).db.transaction() as session:
        outbox_id = session.scalar(select(CandidateLink.outbox_id).where(CandidateLink.purpose == "notice"))
    assert outbox_id is not None
    return outbox_id


def test_the_candidates_pages_have_no_serious_accessibility_violation(
    app: Flask,
    client: FlaskClient,
    axe_context: BrowserContext,  # noqa: F811  (the fixture imported above)
    smtp: SmtpServer,
) -> None:
    """The consent page, refused unsigned, signed; a refused link; the notice page and the receipt."""
    world = build_world(app)
    cid = world.candidate_id
    inv = bearer(app, world.inv)
    issued = client.post(f"{API}/candidates/{cid}/links", json={"purpose": "consent", "email": EMAIL}, headers=inv)
    path = _mailed_path(app, smtp, issued.get_json()["outbox_id"])
    page = axe_context.new_page()
    checker = Checker(page)
    page.goto(path)
    checker.check()
    page.get_by_role("button", name="Sign").click()
    page.locator(".field--error").first.wait_for()
    checker.check()
    page.get_by_label("I have read the disclosure and I authorize this").check()
    page.get_by_label("Your full name").fill("Casey Candidate")
    page.get_by_role("button", name="Sign").click()
    page.get_by_role("heading", name="Thank you: your signature is recorded").wait_for()
    checker.check()
    page.goto(path)
    checker.check()

    second = add_investigator(app, world)
    for item in world.items:
        resolve(app, world.inv, cid, item)
    finding = add_finding(app, world.inv, cid, world.items[0], summary=PROTECTED_SUMMARY)
    release_finding(app, world.inv, second, finding)
    complete(app, world.inv, cid)
    set_rules(app, world, world.board)
    chair = bearer(app, world.board)
    body = {"outcome": "do_not_advance", "rationale": "Threatened a neighbour.", "finding_ids": [finding]}
    client.post(f"{API}/board/candidates/{cid}/recommendations", json=body, headers=chair)
    assert client.post(f"{API}/board/candidates/{cid}/decisions", json=body, headers=chair).status_code == 201
    page.goto(_mailed_path(app, smtp, _notice_outbox(app)))
    checker.check()
    page.get_by_label("A statement or explanation").check()
    page.get_by_label("Your statement").fill("I can explain.")
    page.get_by_role("button", name="Send my answer").click()
    page.get_by_role("heading", name="Your answer was received").wait_for()
    checker.check()

    assert len(checker.checked) == 6
    checker.assert_clean()
