"""Issue 14, points 1 and 10, tried from outside (API and web):

- R1 on every board surface: before a candidate's search is closed the board reads nothing of
  them (409 ``search_not_complete``) and its dashboard lists them with their stage only;
- a finding is withdrawn with a reason (audited, sealed): it never reaches the board and can no
  longer be released, edited or withdrawn again (409 ``finding_withdrawn``);
- R7 on the board: a finding under an open dispute is marked "disputed by the candidate" on the
  summary (page, JSON, PDF) and the notice until the dispute is closed after re-validation;
- auditors open a finding's raw text and a notice only with a stated reason, recorded like an
  evidence view (``finding.raw_viewed``, ``notice.raw_viewed``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import Clock, login
from tests.web.board_world import BoardWorld, build_board_world, complete
from tests.web.helpers import db, page_csrf, pdf_text
from tests.web.world import API, add_validation, bearer, error_of, finding_body
from vetting.clock import today
from vetting.models import AuditEvent, Finding, ValidationResult

REASON = "Complaint 2026-21: checking what the candidate was told"
WITHDRAWAL = "The account belongs to another person with the same name."


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def _events(app: Flask, name: str) -> list[dict[str, Any]]:
    with db(app) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)).all()
        return [{"subject": (r.subject_type, r.subject_id), "actor": r.actor_id, **json.loads(r.data)} for r in rows]


def _board_urls(candidate_id: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"{API}/board/candidates/{candidate_id}"
    body = {"outcome": "advance", "rationale": "Nothing disqualifying was released.", "finding_ids": []}
    return [
        ("GET", f"{base}/summary", None),
        ("GET", f"{base}/summary.pdf", None),
        ("GET", f"{base}/decisions", None),
        ("GET", f"{base}/questions", None),
        ("POST", f"{base}/questions", {"finding_id": 1, "question": "Was the referee named in the post?"}),
        ("POST", f"{base}/recommendations", body),
        ("POST", f"{base}/decisions", body),
    ]


# --- R1 -------------------------------------------------------------------------------------------------


def test_the_board_reads_nothing_before_the_search_is_closed(app: Flask, client: FlaskClient, clock: Clock) -> None:
    bw = build_board_world(app, complete_search=False)  # two findings released, the search still open
    w = bw.world
    for person in (bw.chair, bw.member):
        headers = bearer(app, person)
        for method, url, body in _board_urls(w.candidate_id):
            response = client.open(url, method=method, json=body, headers=headers)
            assert response.status_code == 409, (url, response.get_data(as_text=True))
            assert error_of(response)["code"] == "search_not_complete", url
            assert "Threatened a referee" not in response.get_data(as_text=True)
    # The dashboard lists the candidate with the stage and nothing else.
    listed = _ok(client.get(f"{API}/board/cycles/{w.cycle_id}/candidates", headers=bearer(app, bw.chair)))
    assert listed["candidates"] == [
        {"id": w.candidate_id, "code": listed["candidates"][0]["code"], "name": "Casey Candidate", "stage": "searching"}
        | {"search_completed": False}
    ]
    web = app.test_client()
    login(web, bw.chair, clock)
    for url in (f"/board/candidates/{w.candidate_id}", f"/board/candidates/{w.candidate_id}/summary.pdf"):
        response = web.get(url)
        assert response.status_code == 409, url
        assert "Threatened a referee" not in response.get_data(as_text=True)
    page = web.get(f"/board/cycles/{w.cycle_id}").get_data(as_text=True)
    assert "Search in progress" in page
    assert f'href="/board/candidates/{w.candidate_id}"' not in page
    assert "Violence or threats" not in page

    complete(app, w.inv, w.candidate_id)
    summary = _ok(client.get(f"{API}/board/candidates/{w.candidate_id}/summary", headers=bearer(app, bw.chair)))
    assert {f["finding_id"] for g in summary["groups"] for f in g["findings"]} == set(bw.findings)
    listed = _ok(client.get(f"{API}/board/cycles/{w.cycle_id}/candidates", headers=bearer(app, bw.chair)))
    assert listed["candidates"][0]["released_findings"] == {"violence_threats": 2}
    assert web.get(f"/board/candidates/{w.candidate_id}").status_code == 200


# --- withdrawal -----------------------------------------------------------------------------------------


def test_a_withdrawn_finding_never_reaches_the_board_and_cannot_change(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app, complete_search=False)
    w = bw.world
    inv, second = bearer(app, w.inv), bearer(app, bw.second)
    fid = bw.findings[0]
    url = f"{API}/findings/{fid}/withdraw"
    # Only an investigator of the cycle; a reason of a few words.
    for person in (bw.chair, w.auditor, w.admin):
        assert client.post(url, json={"reason": WITHDRAWAL}, headers=bearer(app, person)).status_code == 403
    assert client.post(url, json={"reason": WITHDRAWAL}, headers=bearer(app, w.outsider)).status_code in {403, 404}
    for short in ("", "wrong", "not   mine!!!!!!!", "   \u200b\u200b   "):
        response = client.post(url, json={"reason": short}, headers=inv)
        assert response.status_code == 422, short
        assert error_of(response)["field"] == "reason"
    with db(app) as session:
        finding = session.get(Finding, fid)
        assert finding is not None
        assert finding.withdrawn_at is None
        assert finding.current_release_id is not None

    body = _ok(client.post(url, json={"reason": WITHDRAWAL}, headers=inv))
    assert body["withdrawn_at"]
    assert body["withdrawal_reason"] == WITHDRAWAL
    assert body["released_revision"] is None
    [event] = _events(app, "finding.withdrawn")
    assert event["subject"] == ("finding", str(fid))
    assert event["actor"] == w.inv.id
    assert WITHDRAWAL not in json.dumps(event)  # sealed, never on the chain
    assert [e["why"] for e in _events(app, "finding.release_withdrawn")] == ["withdrawn"]
    with db(app) as session:
        finding = session.get(Finding, fid)
        assert finding is not None
        assert finding.withdrawal_reason_enc
        assert WITHDRAWAL not in finding.withdrawal_reason_enc

    # Never released, edited or withdrawn again.
    response = client.post(f"{API}/findings/{fid}/release", json={}, headers=second)
    assert (response.status_code, error_of(response)["code"]) == (409, "finding_withdrawn")
    edit = finding_body(w.items[0], summary="Threatened a neighbour, reworded.")
    response = client.put(f"{API}/findings/{fid}", json=edit, headers=inv)
    assert (response.status_code, error_of(response)["code"]) == (409, "finding_withdrawn")
    response = client.post(url, json={"reason": WITHDRAWAL}, headers=inv)
    assert (response.status_code, error_of(response)["code"]) == (409, "finding_withdrawn")
    body = {"method": "second_source", "result": "corroborates", "notes": "Checked again."}
    response = client.post(f"{API}/findings/{fid}/validations", json=body, headers=inv)
    assert (response.status_code, error_of(response)["code"]) == (409, "finding_withdrawn")
    assert fid not in {r["finding_id"] for r in _ok(client.get(f"{API}/reviews", headers=second))["findings"]}

    # The search closes (one released, one withdrawn); the board reads only the released one.
    _ok(client.post(f"{API}/candidates/{w.candidate_id}/complete", headers=inv))
    summary = client.get(f"{API}/board/candidates/{w.candidate_id}/summary", headers=bearer(app, bw.chair))
    shown = {f["finding_id"] for g in _ok(summary)["groups"] for f in g["findings"]}
    assert shown == {bw.findings[1]}
    assert "baby shower" not in summary.get_data(as_text=True)
    listed = _ok(client.get(f"{API}/board/cycles/{w.cycle_id}/candidates", headers=bearer(app, bw.chair)))
    assert listed["candidates"][0]["released_findings"] == {"violence_threats": 1}
    cite = {"outcome": "advance", "rationale": "Relied on the withdrawn finding.", "finding_ids": [fid]}
    url = f"{API}/board/candidates/{w.candidate_id}/recommendations"
    response = client.post(url, json=cite, headers=bearer(app, bw.chair))
    assert (response.status_code, error_of(response)["field"]) == (422, "finding_ids")


def test_the_web_form_confirms_before_withdrawing(app: Flask, clock: Clock) -> None:
    bw = build_board_world(app, complete_search=False)
    fid = bw.findings[1]
    web = app.test_client()
    login(web, bw.world.inv, clock)
    assert f"/findings/{fid}/withdraw" in web.get(f"/findings/{fid}").get_data(as_text=True)
    page = web.get(f"/findings/{fid}/withdraw").get_data(as_text=True)
    assert "cannot be undone" in page
    assert "never reaches the board" in page
    # Without ticking the confirmation nothing happens.
    response = web.post(f"/findings/{fid}/withdraw", data={"reason": WITHDRAWAL, "csrf_token": page_csrf(web)})
    assert response.status_code == 422
    with db(app) as session:
        finding = session.get(Finding, fid)
        assert finding is not None
        assert finding.withdrawn_at is None
    data = {"reason": WITHDRAWAL, "confirm": "y", "csrf_token": page_csrf(web)}
    response = web.post(f"/findings/{fid}/withdraw", data=data)
    assert response.status_code == 302
    page = web.get(f"/findings/{fid}").get_data(as_text=True)
    assert "Withdrawn" in page
    assert WITHDRAWAL in page
    again = web.post(f"/findings/{fid}/withdraw", data={**data, "csrf_token": page_csrf(web)})
    assert again.status_code == 409


# --- R7 on the board --------------------------------------------------------------------------------------


def _propose_and_dispute(app: Flask, client: FlaskClient, bw: BoardWorld) -> tuple[int, int]:
    chair = bearer(app, bw.chair)
    body = {"outcome": "do_not_advance", "rationale": "Relied on the released threat.", "finding_ids": bw.findings[:1]}
    url = f"{API}/board/candidates/{bw.world.candidate_id}"
    _ok(client.post(f"{url}/recommendations", json=body, headers=chair), 201)
    notice_id = _ok(client.post(f"{url}/decisions", json=body, headers=chair), 201)["board"]["notices"][0]["id"]
    dispute = {
        "kind": "dispute",
        "text": "That account is not mine.",
        "received_on": today().isoformat(),
        "finding_ids": bw.findings[:1],
    }
    url = f"{API}/candidates/{bw.world.candidate_id}/responses"
    response_id = _ok(client.post(url, json=dispute, headers=bearer(app, bw.world.inv)), 201)["id"]
    return notice_id, response_id


def _disputed(client: FlaskClient, headers: dict[str, str], bw: BoardWorld) -> dict[int, bool]:
    summary = _ok(client.get(f"{API}/board/candidates/{bw.world.candidate_id}/summary", headers=headers))
    return {f["finding_id"]: f["disputed"] for g in summary["groups"] for f in g["findings"]}


def test_a_disputed_finding_is_marked_on_every_board_surface_until_closed(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    chair = bearer(app, bw.chair)
    disputed, other = bw.findings
    assert _disputed(client, chair, bw) == {disputed: False, other: False}
    notice_id, response_id = _propose_and_dispute(app, client, bw)

    assert _disputed(client, chair, bw) == {disputed: True, other: False}
    web = app.test_client()
    login(web, bw.chair, clock)
    page = web.get(f"/board/candidates/{bw.world.candidate_id}").get_data(as_text=True)
    assert page.count("disputed by the candidate") == 1
    pdf = pdf_text(_pdf(client, f"{API}/board/candidates/{bw.world.candidate_id}/summary.pdf", chair))
    assert "disputed by the candidate" in pdf.casefold()
    assert f"Finding {disputed}" in pdf
    notice = pdf_text(_pdf(client, f"{API}/notices/{notice_id}.pdf", chair))
    assert "Disputed by the candidate" in notice

    # Re-validated and closed: the marker goes.
    add_validation(app, bw.world.inv, disputed, ValidationResult.CORROBORATES)
    body = {"notes": "A second source confirms the account is the candidate's."}
    _ok(client.post(f"{API}/responses/{response_id}/close", json=body, headers=bearer(app, bw.world.inv)))
    assert _disputed(client, chair, bw) == {disputed: False, other: False}
    assert "disputed by the candidate" not in web.get(f"/board/candidates/{bw.world.candidate_id}").get_data(
        as_text=True
    )
    assert "Disputed by the candidate" not in pdf_text(_pdf(client, f"{API}/notices/{notice_id}.pdf", chair))


def _pdf(client: FlaskClient, url: str, headers: dict[str, str]) -> bytes:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    return bytes(response.data)


# --- auditors' raw views ------------------------------------------------------------------------------------


def test_auditors_open_a_finding_and_a_notice_only_with_a_stated_reason(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    bw = build_board_world(app)
    w = bw.world
    notice_id, _ = _propose_and_dispute(app, client, bw)
    auditor = bearer(app, w.auditor)
    fid = bw.findings[0]
    finding_url, notice_url = f"{API}/audit/findings/{fid}", f"{API}/audit/notices/{notice_id}.pdf"

    # Without a reason: facts, no text; a missing or empty reason is refused, nothing is recorded.
    facts = _ok(client.get(finding_url, headers=auditor))
    assert (facts["raw"], facts["behaviour_category"], facts["released"]) == (None, "violence_threats", True)
    assert "baby shower" not in json.dumps(facts)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        for url in (finding_url, notice_url):
            assert client.post(url, json=body, headers=auditor).status_code == 422, (url, body)
    assert _events(app, "finding.raw_viewed") == []
    assert _events(app, "notice.raw_viewed") == []
    # Nobody else opens them here: not the board, not the investigators, not an administrator.
    for person in (bw.chair, w.inv, w.admin):
        for url in (finding_url, notice_url):
            assert client.post(url, json={"reason": REASON}, headers=bearer(app, person)).status_code == 403

    raw = _ok(client.post(finding_url, json={"reason": REASON}, headers=auditor))["raw"]
    assert "baby shower" in raw["summary"]
    assert raw["source_url"].startswith("https://")
    pdf = client.post(notice_url, json={"reason": REASON}, headers=auditor)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert "Pre-decision" in pdf_text(pdf.data) or "pre-decision" in pdf_text(pdf.data).casefold()
    [viewed] = _events(app, "finding.raw_viewed")
    assert (viewed["subject"], viewed["actor"], viewed["reason"]) == (("finding", str(fid)), w.auditor.id, REASON)
    [opened] = _events(app, "notice.raw_viewed")
    assert (opened["notice"], opened["actor"], opened["reason"]) == (notice_id, w.auditor.id, REASON)
    assert [e["notice"] for e in _events(app, "notice.rendered") if e["actor"] == w.auditor.id] == [notice_id]
    review = _ok(client.get(f"{API}/audit/access-review", headers=auditor))
    views = {(v["what"], v["candidate_id"], v["reason"]) for v in review["raw_views"]}
    assert ("Finding's raw text (auditor)", w.candidate_id, REASON) in views
    assert ("Notice to the candidate (auditor)", w.candidate_id, REASON) in views

    # The console: the drill-down lists them; each page asks for a reason first.
    web = app.test_client()
    login(web, w.auditor, clock)
    log = web.get(f"/audit/candidates/{w.candidate_id}/search-log").get_data(as_text=True)
    assert f"/audit/findings/{fid}" in log
    assert f"/audit/notices/{notice_id}" in log
    page = web.get(f"/audit/findings/{fid}").get_data(as_text=True)
    assert "baby shower" not in page
    assert "reason" in page.casefold()
    opened_page = web.post(f"/audit/findings/{fid}", data={"reason": REASON, "csrf_token": page_csrf(web)})
    assert opened_page.status_code == 200
    assert "baby shower" in opened_page.get_data(as_text=True)
    assert "Pre-decision" in web.get(f"/audit/notices/{notice_id}").get_data(as_text=True)
    notice = web.post(f"/audit/notices/{notice_id}", data={"reason": REASON, "csrf_token": page_csrf(web)})
    assert notice.status_code == 200
    assert notice.mimetype == "application/pdf"
    assert len(_events(app, "finding.raw_viewed")) == 2
    assert len(_events(app, "notice.raw_viewed")) == 2
