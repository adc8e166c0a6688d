"""The candidate's side (issue 16 points 1-4): links, the electronic signature, notices delivered,
answers sent online.

FCRA-02 (the signature records name, time, IP address and the form's hash), FCRA-06 (the notice
reaches the candidate; delivery, opening and download are shown to the board), FCRA-09 / POL-06
(a dispute sent online pauses the proposal like one an investigator records), PC-01 (the
candidate's own words reach the board redacted).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from tests.support import Clock, csrf_from, login, runtime_of
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.helpers import pdf_text
from tests.web.world import API, World, add_candidate, bearer, build_world, error_of, png, upload, user_in
from vetting.models import (
    AuditEvent,
    CandidateLink,
    CandidateResponse,
    Consent,
    OutboxMessage,
    SignatureMethod,
)
from vetting.services import decisions, investigation

EMAIL = "casey@example.org"
#: The candidate's dispute: protected information in their own words (the board never reads it).
DISPUTE = "That was not me: I was at my baby shower at St. Mary's parish that day."
RAW_WORDS = ("baby shower", "St. Mary", "parish")
LINK_RE = re.compile(r"https?://\S+/c/([A-Za-z0-9_-]+)")
SHA_RE = re.compile(r'name="form_sha256" type="hidden" value="([0-9a-f]{64})"')


def _issue(client: FlaskClient, headers: dict[str, str], candidate_id: int, purpose: str, **body: Any) -> TestResponse:
    return client.post(f"{API}/candidates/{candidate_id}/links", json={"purpose": purpose, **body}, headers=headers)


def _mailed_token(app: Flask, outbox_id: int) -> str:
    """The token in the queued message (what the candidate receives)."""
    with runtime_of(app).db.transaction() as session:
        message = session.get(OutboxMessage, outbox_id)
        assert message is not None
        found = LINK_RE.search(message.body)
        assert found, message.body
        return found.group(1)


@dataclass(frozen=True)
class Logged:
    actor_id: int | None
    data: dict[str, Any]


def _events(app: Flask, name: str) -> list[Logged]:
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq))
        return [Logged(row.actor_id, json.loads(row.data)) for row in rows]


def _consent_link(app: Flask, client: FlaskClient, world: World, candidate_id: int | None = None) -> str:
    issued = _issue(client, bearer(app, world.inv), candidate_id or world.candidate_id, "consent", email=EMAIL)
    assert issued.status_code == 201, issued.get_data(as_text=True)
    body = issued.get_json()
    assert body["mailed"] is True
    # Mailed: staff never see the link (they could sign as the candidate).
    assert body["url"] is None
    return _mailed_token(app, body["outbox_id"])


def _sign(client: FlaskClient, token: str, name: str = "Casey Candidate") -> TestResponse:
    page = client.get(f"/c/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    found = SHA_RE.search(html)
    assert found, html
    data = {"csrf_token": csrf_from(html), "form_sha256": found.group(1), "name": name, "agree": "y"}
    return client.post(f"/c/{token}/sign", data=data)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def test_the_candidate_signs_the_consent_form_electronically(app: Flask, client: FlaskClient, world: World) -> None:
    token = _consent_link(app, client, world)
    assert len(token) >= 43  # 32 random bytes: 256 bits
    page = client.get(f"/c/{token}").get_data(as_text=True)
    assert "Disclosure" in page
    assert "Casey" in page  # the candidate's own name, on their own form
    signed = _sign(client, token)
    assert signed.status_code == 200, signed.get_data(as_text=True)
    assert "signature is recorded" in signed.get_data(as_text=True)
    form_sha = SHA_RE.search(page)
    assert form_sha is not None
    with runtime_of(app).db.transaction() as session:
        consent = session.scalar(select(Consent).where(Consent.candidate_id == world.candidate_id))
        assert consent is not None
        assert consent.method is SignatureMethod.ELECTRONIC
        assert consent.recorded_by_id is None
        document, content_type = investigation.consent_document(
            session, user_in(session, world.inv), runtime_of(app).security, runtime_of(app).store, world.candidate_id
        )
    assert content_type == "application/pdf"
    text = pdf_text(document)
    assert "Casey Candidate" in text
    assert "127.0.0.1" in text
    assert form_sha.group(1) in text.replace(" ", "")
    recorded = _events(app, "consent.recorded")[-1]
    assert recorded.actor_id is None
    assert recorded.data["method"] == "electronic"
    assert recorded.data["sha256"] == consent.document_sha256


def test_a_signature_needs_the_tick_and_a_name(app: Flask, client: FlaskClient, world: World) -> None:
    token = _consent_link(app, client, world)
    html = client.get(f"/c/{token}").get_data(as_text=True)
    found = SHA_RE.search(html)
    assert found is not None
    data = {"csrf_token": csrf_from(html), "form_sha256": found.group(1), "name": "Casey Candidate"}
    refused = client.post(f"/c/{token}/sign", data=data)
    assert refused.status_code == 422
    assert "Tick the box" in refused.get_data(as_text=True)
    changed = client.post(f"/c/{token}/sign", data={**data, "agree": "y", "form_sha256": "0" * 64})
    assert changed.status_code == 409
    without_csrf = client.post(f"/c/{token}/sign", data={**data, "agree": "y", "csrf_token": ""})
    assert without_csrf.status_code in (400, 422)
    with runtime_of(app).db.transaction() as session:
        assert session.scalar(select(Consent).where(Consent.candidate_id == world.candidate_id)) is None


def test_spent_guessed_and_expired_links_get_one_plain_refusal_each_audited(
    app: Flask, client: FlaskClient, world: World, clock: Clock
) -> None:
    token = _consent_link(app, client, world)
    assert _sign(client, token).status_code == 200
    spent = client.get(f"/c/{token}")
    fuzzed = client.get(f"/c/{token[:-4]}{'AAAA' if not token.endswith('AAAA') else 'BBBB'}")
    other = add_candidate(app, world.inv, world.cycle_id, "Robin Other")
    late = _consent_link(app, client, world, other)
    clock.advance(days=15)
    expired = client.get(f"/c/{late}")
    assert spent.status_code == fuzzed.status_code == expired.status_code == 404
    # The same page whatever the reason: nobody learns which tokens ever existed.
    assert spent.get_data() == fuzzed.get_data() == expired.get_data()
    assert "cannot be used" in spent.get_data(as_text=True)
    reasons = [e.data["reason"] for e in _events(app, "candidate_link.refused")]
    assert reasons == ["spent", "unknown", "expired"]
    assert all(token not in str(e.data) for e in _events(app, "candidate_link.refused"))


def test_refusals_are_rate_limited_per_address(app: Flask, client: FlaskClient, world: World) -> None:
    token = _consent_link(app, client, world)
    limit = runtime_of(app).settings.address_failure_limit
    for n in range(limit):
        assert client.get(f"/c/guess-{n:04d}-{'x' * 40}").status_code == 404
    blocked = client.get(f"/c/{token}")
    assert blocked.status_code == 429
    assert _events(app, "candidate_link.rate_limited")
    elsewhere = app.test_client().get(f"/c/{token}", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 200


def test_a_new_link_kills_the_old_one(app: Flask, client: FlaskClient, world: World) -> None:
    first = _consent_link(app, client, world)
    second = _consent_link(app, client, world)
    assert client.get(f"/c/{first}").status_code == 404
    assert client.get(f"/c/{second}").status_code == 200
    assert [e.data["reason"] for e in _events(app, "candidate_link.refused")] == ["replaced"]
    opened = _events(app, "candidate_link.opened")
    assert len(opened) == 1
    assert opened[0].data["ip"] == "127.0.0.1"


def test_one_candidates_link_never_shows_another_candidates_documents(
    app: Flask, client: FlaskClient, world: World
) -> None:
    other = add_candidate(app, world.inv, world.cycle_id, "Robin Other")
    mine = client.get(f"/c/{_consent_link(app, client, world)}").get_data(as_text=True)
    theirs = client.get(f"/c/{_consent_link(app, client, world, other)}").get_data(as_text=True)
    assert "Casey" in mine
    assert "Robin Other" not in mine
    assert "Robin Other" in theirs
    assert "Casey" not in theirs


def test_who_may_issue_links(app: Flask, client: FlaskClient, world: World) -> None:
    assert _issue(client, bearer(app, world.board), world.candidate_id, "consent").status_code == 403
    assert _issue(client, bearer(app, world.outsider), world.candidate_id, "consent").status_code == 404
    refused = _issue(client, bearer(app, world.inv), world.candidate_id, "notice")
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "no_notice"
    bad = _issue(client, bearer(app, world.inv), world.candidate_id, "consent", email="not an address")
    assert bad.status_code == 422
    # No address on file: nothing is mailed and the link is handed to staff to deliver.
    by_admin = _issue(client, bearer(app, world.admin), world.candidate_id, "consent")
    assert by_admin.status_code == 201
    assert by_admin.get_json()["mailed"] is False
    assert "/c/" in by_admin.get_json()["url"]


def test_the_address_is_sealed(app: Flask, client: FlaskClient, world: World) -> None:
    headers = bearer(app, world.inv)
    put = client.put(f"{API}/candidates/{world.candidate_id}/email", json={"email": EMAIL}, headers=headers)
    assert put.status_code == 200
    with runtime_of(app).db.transaction() as session:
        from vetting.models import Candidate

        candidate = session.get(Candidate, world.candidate_id)
        assert candidate is not None
        assert candidate.email_enc
        assert EMAIL not in candidate.email_enc
    assert all(EMAIL not in str(e.data) for e in _events(app, "candidate.email_set"))


# --- notices and answers ---------------------------------------------------------------------------


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _propose(app: Flask, client: FlaskClient, bw: BoardWorld) -> dict[str, Any]:
    chair = bearer(app, bw.chair)
    cid = bw.world.candidate_id
    body = {"outcome": "do_not_advance", "rationale": "Relied on the released threat.", "finding_ids": bw.findings[:1]}
    assert client.post(f"{API}/board/candidates/{cid}/recommendations", json=body, headers=chair).status_code == 201
    proposed = client.post(f"{API}/board/candidates/{cid}/decisions", json=body, headers=chair)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    decision: dict[str, Any] = proposed.get_json()
    return decision


def _board(app: Flask, client: FlaskClient, bw: BoardWorld) -> dict[str, Any]:
    got = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", headers=bearer(app, bw.chair))
    assert got.status_code == 200, got.get_data(as_text=True)
    board: dict[str, Any] = got.get_json()
    return board


def _notice_token(app: Flask) -> str:
    with runtime_of(app).db.transaction() as session:
        link = session.scalar(select(CandidateLink).where(CandidateLink.purpose == "notice"))
        assert link is not None
        assert link.outbox_id is not None
        outbox_id = link.outbox_id
    return _mailed_token(app, outbox_id)


def _attachments(app: Flask, bw: BoardWorld) -> list[int]:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        state = decisions.investigator_state(
            session, user_in(session, bw.world.inv), rt.security, bw.world.candidate_id
        )
        return state.responses[0].attachment_ids


def test_the_notice_is_delivered_opened_downloaded_and_disputed_online(
    app: Flask, client: FlaskClient, bw: BoardWorld, clock: Clock
) -> None:
    cid = bw.world.candidate_id
    headers = bearer(app, bw.world.inv)
    assert client.put(f"{API}/candidates/{cid}/email", json={"email": EMAIL}, headers=headers).status_code == 200
    decision = _propose(app, client, bw)
    assert decision["notice_mailed"] is True
    token = _notice_token(app)
    (delivery,) = [n["delivery"] for n in _board(app, client, bw)["notices"]]
    assert delivery["opened_at"] is None
    page = client.get(f"/c/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Pre-decision notice" in html
    assert f"Finding {bw.findings[0]}" in html
    assert not any(word in html for word in RAW_WORDS)  # released, redacted text only
    pdf = client.get(f"/c/{token}/notice.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    (delivery,) = [n["delivery"] for n in _board(app, client, bw)["notices"]]
    assert delivery["opened_at"] is not None
    assert delivery["downloaded_at"] is not None
    # A notice link opens again (the candidate keeps it) until they answer through it.
    assert client.get(f"/c/{token}").status_code == 200
    data = {
        "csrf_token": csrf_from(html),
        "kind": "dispute",
        "finding_ids": [str(bw.findings[0])],
        "text": DISPUTE,
    }
    wrong = client.post(f"/c/{token}/answer", data={**data, "attachments": [upload(b"MZ not a document", "x.exe")]})
    assert wrong.status_code == 422
    assert "PDF, PNG or JPEG" in wrong.get_data(as_text=True)
    shot = png("my own screenshot")
    receipt = client.post(f"/c/{token}/answer", data={**data, "attachments": [upload(shot, "shot.png")]})
    assert receipt.status_code == 200, receipt.get_data(as_text=True)
    assert f"Finding {bw.findings[0]}" in receipt.get_data(as_text=True)
    assert hashlib.sha256(shot).hexdigest() in receipt.get_data(as_text=True)
    board = _board(app, client, bw)
    assert board["status"] == "Paused: the candidate disputes findings"
    (response,) = board["responses"]
    assert response["online"] is True
    assert response["finding_ids"] == [bw.findings[0]]
    assert not any(word in response["text"] for word in RAW_WORDS)
    # The file goes to the investigators (sealed, each opening audited); the board learns it exists.
    (attachment_id,) = _attachments(app, bw)
    login(client, bw.world.inv, clock)
    got = client.get(f"/responses/attachments/{attachment_id}")
    assert got.status_code == 200
    assert got.data == shot
    assert _events(app, "candidate.attachment_viewed")
    with runtime_of(app).db.transaction() as session:
        row = session.scalar(select(CandidateResponse))
        assert row is not None
        assert row.recorded_by_id is None
        assert "baby shower" not in row.text_enc  # sealed
    again = client.get(f"/c/{token}").get_data(as_text=True)
    assert "Send my answer" not in again


def test_a_dispute_names_only_findings_of_the_notice(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    _propose(app, client, bw)
    issued = _issue(client, bearer(app, bw.world.inv), bw.world.candidate_id, "response")
    assert issued.status_code == 201
    token = issued.get_json()["url"].rsplit("/", 1)[1]
    html = client.get(f"/c/{token}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "kind": "dispute", "finding_ids": [str(bw.findings[1])], "text": DISPUTE}
    refused = client.post(f"/c/{token}/answer", data=data)
    assert refused.status_code == 422
    assert "not in the notice" in refused.get_data(as_text=True)
    statement = {"csrf_token": csrf_from(html), "kind": "response", "text": "I can explain the post."}
    assert client.post(f"/c/{token}/answer", data=statement).status_code == 200
    # A response link is spent by the answer.
    assert client.get(f"/c/{token}").status_code == 404
    # A response link is not the notice: the notice is still to be delivered (issue 16 point 3).
    assert _board(app, client, bw)["status"] == "Notice issued: not delivered yet"


def test_the_board_page_shows_the_notice_opened(app: Flask, client: FlaskClient, bw: BoardWorld, clock: Clock) -> None:
    cid = bw.world.candidate_id
    headers = bearer(app, bw.world.inv)
    assert client.put(f"{API}/candidates/{cid}/email", json={"email": EMAIL}, headers=headers).status_code == 200
    _propose(app, client, bw)
    with runtime_of(app).db.transaction() as session:
        session.execute(update(OutboxMessage).values(status="sent", sent_at=clock.now, next_attempt_at=None))
    assert app.test_client().get(f"/c/{_notice_token(app)}").status_code == 200
    login(client, bw.chair, clock)
    page = client.get(f"/board/candidates/{cid}").get_data(as_text=True)
    assert "notice e-mailed" in page
    assert "notice opened" in page


def test_an_investigator_sends_a_link_from_the_candidates_page(
    app: Flask, client: FlaskClient, world: World, clock: Clock
) -> None:
    login(client, world.inv, clock)
    page = client.get(f"/candidates/{world.candidate_id}").get_data(as_text=True)
    assert "Links for the candidate" in page
    data = {"csrf_token": csrf_from(page), "purpose": "consent", "email": EMAIL}
    sent = client.post(f"/candidates/{world.candidate_id}/links", data=data)
    assert sent.status_code == 302
    shown = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "e-mailed to the candidate" in shown
    with runtime_of(app).db.transaction() as session:
        (message,) = session.scalars(select(OutboxMessage))
        assert message.recipient == EMAIL
        assert "/c/" in message.body
    refused = client.post(f"/candidates/{world.candidate_id}/links", data={**data, "purpose": "notice"})
    assert "No notice has been issued" in client.get(refused.headers["Location"]).get_data(as_text=True)
