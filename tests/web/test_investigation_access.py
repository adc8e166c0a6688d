"""Who may see a candidate's search work: the access matrix of issue 3, API and web pages.

POL-01 (searchers are not decision makers: a board member of the cycle never sees raw
content), POL-03 (searchers hold a current designation: 409 designation_required),
R4, PRODUCT.md §2 (administrators run cycles but never open findings or evidence; in a
blind cycle they do not see names), auditors open evidence only with a stated reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from tests.support import Clock, Person, login, make_user
from tests.web.helpers import db, page_csrf, snapshot
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    World,
    add_evidence,
    add_finding,
    bearer,
    build_world,
    error_of,
    finding_body,
    png,
    record_consent,
    resolution_body,
    resolve,
    upload,
)
from vetting.clock import utcnow
from vetting.models import AuditEvent, Duty, Role, SensitiveDesignation, User
from vetting.services import cycles

SUMMARY = "Threatening post"  # the finding's summary (add_finding's default)
CSRF = "<the page's CSRF token>"


@dataclass(frozen=True)
class Work:
    world: World
    finding_id: int
    evidence_id: int
    evidence: bytes


@pytest.fixture
def work(app: Flask) -> Work:
    """A consented candidate with one resolved item, a finding and its evidence."""
    world = build_world(app)
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0], summary=SUMMARY)
    content = png("the evidence")
    return Work(world, finding_id, add_evidence(app, world.inv, finding_id, content), content)


# --- every route that touches this candidate -----------------------------------------------------

CANDIDATE_PARAMS = {"candidate_id", "finding_id", "evidence_id"}
BOARD_ENDPOINTS = ("board.", "api.board_")
INT_PARAM = re.compile(r"<int:(\w+)>")


def finding_form(item: int) -> dict[str, Any]:
    return {
        "item_id": str(item),
        "source_url": "https://social.example/x",
        "platform": "Social",
        "summary": "Intruder summary",
        "excerpt": "Intruder excerpt",
        "category": "violence_threats",
        "authorship": "authored",
        "identity_basis": ["name", "photo", "location"],
    }


def bodies(item: int) -> dict[str, dict[str, Any]]:
    """Per writing endpoint: a request that the cycle's searcher would have accepted."""
    validation = {"method": "second_source", "result": "contradicts", "notes": "Intruder notes"}
    return {
        # API: JSON or multipart
        "api.candidate_consent": {"data": {"signed_on": "2026-10-01", "method": "wet_ink", "document": png()}},
        "api.candidate_resolve": {"json": resolution_body()},
        "api.candidate_complete": {},
        "api.finding_create": {"json": finding_body(item)},
        "api.finding_update": {"json": finding_body(item)},
        "api.evidence_upload": {"data": {"file": png()}},
        "api.evidence_view_audited": {"json": {"reason": "I am curious about this file"}},
        "api.finding_validate": {"json": validation},
        "api.mention_resolve": {"json": {"resolution": "redact"}},
        "api.redaction_add": {"json": {"field": "summary", "text": "neighbour"}},
        "api.finding_release": {"json": {}},
        "api.candidate_create": {"json": {"name": "Added By Intruder"}},
        "api.candidate_import": {"json": {"csv": "name\nImported By Intruder\n"}},
        "api.response_create": {"json": {"kind": "response", "text": "Intruder", "received_on": "2026-11-02"}},
        # web forms (a valid CSRF token is added)
        "work.consent_record": {"data": {"signed_on": "2026-10-01", "method": "wet_ink", "document": png()}},
        "work.item_resolve": {
            "data": {
                f"item{item}-status": "no_results",
                f"item{item}-technique": "A1",
                f"item{item}-searches-0-query": f'"{CANDIDATE_NAME}"',
                f"item{item}-searches-0-source": "Search engine",
                f"item{item}-searches-0-result_count": "0",
                f"item{item}-attestation": "y",
                f"item{item}-csrf_token": CSRF,  # the prefixed form's own token
            }
        },
        "work.search_complete": {},
        "work.finding_new": {"data": finding_form(item)},
        "work.finding_edit": {"data": finding_form(item)},
        "work.evidence_upload": {"data": {"file": png()}},
        "work.evidence_audit_view": {"data": {"reason": "I am curious about this file"}},
        "work.validation_add": {"data": validation},
        "work.mention_resolve": {"data": {"resolution": "redact"}},
        "work.redaction_add": {"data": {"field": "summary", "text": "neighbour"}},
        "release.release_finding": {"data": {"revision": "1", "reviewed_sha256": "0" * 64}},
        "work.candidate_add": {"data": {"name": "Added By Intruder"}},
        "work.candidate_import": {"data": {"file": b"name\nImported By Intruder\n"}},
        "board_work.response": {"data": {"kind": "response", "text": "Intruder", "received_on": "2026-11-02"}},
        "audit.search_log": {"data": {"reason": "I am curious about these searches"}},
        "api.audit_search_log_raw": {"json": {"reason": "I am curious about these searches"}},
        "audit.finding": {"data": {"reason": "I am curious about this finding"}},
        "api.audit_finding_raw": {"json": {"reason": "I am curious about this finding"}},
        "work.finding_withdraw": {"data": {"reason": "An intruder withdraws this finding.", "confirm": "y"}},
        "api.finding_withdraw": {"json": {"reason": "An intruder withdraws this finding."}},
        "api.self_id_invite": {"json": {}},
        "api.candidate_link_create": {"json": {"purpose": "consent", "email": "intruder@example.org"}},
        "api.candidate_email_set": {"json": {"email": "intruder@example.org"}},
        "links.issue": {"data": {"purpose": "consent", "email": "intruder@example.org"}},
        "self_id.invite": {"data": {}},
    }


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    url: str
    body: dict[str, Any]

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint})"


def candidate_routes(app: Flask, work: Work) -> list[Call]:
    """Every route with this candidate, its findings or evidence in the URL, and its cycle's candidate routes."""
    values = {
        "candidate_id": work.world.candidate_id,
        "finding_id": work.finding_id,
        "evidence_id": work.evidence_id,
        "item_id": work.world.items[0],
        "cycle_id": work.world.cycle_id,
        "mention_id": 1,  # access is checked before the mention is looked up
    }
    known = bodies(work.world.items[0])
    calls = []
    for rule in app.url_map.iter_rules():
        params = set(rule.arguments)
        if rule.endpoint.startswith(BOARD_ENDPOINTS):
            continue  # the board's own read model: tests/web/test_board_*.py
        if not (params & CANDIDATE_PARAMS or ("cycle_id" in params and "/candidates" in rule.rule)):
            continue
        url = INT_PARAM.sub(lambda m: str(values[m.group(1)]), rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            body = {} if method == "GET" else known[rule.endpoint]  # a new route needs a body here
            calls.append(Call(rule.endpoint, method, url, body))
    return calls


def send(client: FlaskClient, call: Call, headers: dict[str, str], csrf: str) -> TestResponse:
    if call.is_api:
        data = call.body.get("data")
        if data is not None:
            files = {k: upload(v, f"{k}.png") if isinstance(v, bytes) else v for k, v in data.items()}
            return client.open(
                call.url, method=call.method, data=files, headers=headers, content_type="multipart/form-data"
            )
        return client.open(call.url, method=call.method, json=call.body.get("json"), headers=headers)
    form = {k: upload(v, f"{k}.bin") if isinstance(v, bytes) else v for k, v in call.body.get("data", {}).items()}
    form = {k: csrf if v == CSRF else v for k, v in form.items()}
    if call.method == "POST":
        form["csrf_token"] = csrf
    return client.open(call.url, method=call.method, data=form or None)


def intruder(app: Flask, work: Work, kind: str) -> Person:
    world = work.world
    if kind == "board_member":
        return world.board
    if kind == "other_investigator":
        return world.outsider
    # A board member of this cycle who holds the investigator role and searches in another cycle.
    person = make_user(app, "both@x.test", Role.INVESTIGATOR, Role.BOARD_MEMBER, name="Bea Both")
    with db(app) as session:
        admin = session.get(User, world.admin.id)
        assert admin is not None
        cycles.assign(session, admin, world.cycle_id, person.id, Duty.BOARD_MEMBER)
        cycles.assign(session, admin, world.other_cycle_id, person.id, Duty.INVESTIGATOR)
    return person


#: A disposed candidate's tombstone (tests/web/test_tombstone.py): 404 while the records exist.
TOMBSTONES = frozenset({"retention.tombstone", "api.candidate_tombstone"})


@pytest.mark.parametrize("kind", ["board_member", "other_investigator", "board_member_with_investigator_role"])
def test_people_outside_the_search_get_403_or_404_on_every_candidate_route(
    app: Flask, clock: Clock, work: Work, kind: str
) -> None:
    """POL-01 acceptance: never 200, never content, nothing written, through the API and the pages."""
    person = intruder(app, work, kind)
    client = app.test_client()
    login(client, person, clock)
    csrf = page_csrf(client)
    headers = bearer(app, person)
    calls = candidate_routes(app, work)
    assert len(calls) >= 35, [str(c) for c in calls]
    assert {c.is_api for c in calls} == {True, False}
    before = snapshot(app)
    for call in calls:
        response = send(client, call, headers, csrf)
        assert response.status_code in {403, 404}, f"{kind} on {call}: {response.status_code}"
        text = response.get_data(as_text=True)
        assert CANDIDATE_NAME not in text, str(call)
        assert SUMMARY not in text, str(call)
        assert work.evidence not in response.data, str(call)
        if call.is_api:
            # A tombstone route tells whoever sees the cycle that the records still exist (they know
            # the candidate): 404 not_disposed, with nothing of the candidate in it.
            codes = {"not_found", "not_disposed"} if call.endpoint in TOMBSTONES else {"forbidden", "not_found"}
            assert error_of(response)["code"] in codes, str(call)
    assert snapshot(app) == before
    assert client.get("/account").status_code == 200  # refused, not signed out


def test_the_cycles_searcher_reaches_the_same_routes(app: Flask, clock: Clock, work: Work) -> None:
    """Control for the matrix: the same GETs answer 200 to the cycle's investigator."""
    headers = bearer(app, work.world.inv)
    client = app.test_client()
    login(client, work.world.inv, clock)
    for call in candidate_routes(app, work):
        # Auditors' views of the candidate (the search log drill-down) are not the searcher's.
        if (
            call.method != "GET"
            or call.endpoint in TOMBSTONES
            or call.endpoint
            in {
                "work.evidence_audit_view",
                "audit.search_log",
                "api.audit_search_log",
                "audit.finding",
                "api.audit_finding",
            }
        ):
            continue
        response = client.get(call.url, headers=headers if call.is_api else None)
        assert response.status_code == 200, f"{call}: {response.status_code}"


# --- POL-03: a lapsed designation closes the search tools ----------------------------------------


def test_investigator_without_a_current_designation_gets_409(app: Flask, client: FlaskClient, work: Work) -> None:
    """POL-03 / R4: the cycle's own investigator is refused with designation_required until renewed."""
    world = work.world
    headers = bearer(app, world.inv)
    with db(app) as session:
        session.execute(
            update(SensitiveDesignation)
            .where(SensitiveDesignation.user_id == world.inv.id)
            .values(review_date=utcnow().date() - timedelta(days=1))
        )
    cid = world.candidate_id
    for method, url, body in (
        ("GET", f"{API}/candidates/{cid}", None),
        ("GET", f"{API}/candidates/{cid}/checklist", None),
        ("POST", f"{API}/candidates/{cid}/checklist/{world.items[1]}", resolution_body()),
        ("POST", f"{API}/candidates/{cid}/findings", finding_body(world.items[0])),
        ("GET", f"{API}/findings/{work.finding_id}", None),
        ("GET", f"{API}/evidence/{work.evidence_id}", None),
        ("GET", f"{API}/cycles/{world.cycle_id}/candidates", None),
        ("POST", f"{API}/cycles/{world.cycle_id}/candidates", {"name": "Nina New"}),
    ):
        response = client.open(url, method=method, json=body, headers=headers)
        assert response.status_code == 409, f"{method} {url}: {response.status_code}"
        error = error_of(response)
        assert error["code"] == "designation_required"
        assert "review was due" in error["message"]


# --- auditors: evidence only with a reason ---------------------------------------------------------


def test_auditor_opens_evidence_only_with_a_stated_reason(app: Flask, client: FlaskClient, work: Work) -> None:
    """An auditor gets 403 on the download, 422 without a reason, 200 with one, recorded as evidence.viewed."""
    headers = bearer(app, work.world.auditor)
    url = f"{API}/evidence/{work.evidence_id}"
    response = client.get(url, headers=headers)
    assert response.status_code == 403
    for body in ({}, {"reason": ""}, {"reason": "too short"}, {"reason": "          "}):
        response = client.post(f"{url}/view", json=body, headers=headers)
        assert response.status_code == 422, body
        assert error_of(response)["field"] == "reason"
    with db(app) as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.event == "evidence.viewed")).all() == []

    reason = "Complaint 2026-14: checking the capture"
    response = client.post(f"{url}/view", json={"reason": reason}, headers=headers)
    assert response.status_code == 200
    assert response.data == work.evidence
    assert response.headers["Content-Disposition"].startswith("attachment;")
    with db(app) as session:
        viewed = session.scalars(select(AuditEvent).where(AuditEvent.event == "evidence.viewed")).all()
    assert [(e.actor_id, e.subject_id) for e in viewed] == [(work.world.auditor.id, str(work.evidence_id))]
    assert json.loads(viewed[0].data)["reason"] == reason
    # The auditor still cannot read findings or candidates through the searchers' routes.
    assert client.get(f"{API}/findings/{work.finding_id}", headers=headers).status_code == 403
    assert client.get(f"{API}/candidates/{work.world.candidate_id}", headers=headers).status_code == 403


def test_auditor_web_page_asks_for_the_reason(app: Flask, clock: Clock, work: Work) -> None:
    client = app.test_client()
    login(client, work.world.auditor, clock)
    url = f"/audit/evidence/{work.evidence_id}"
    assert client.get(f"/evidence/{work.evidence_id}").status_code == 403
    page = client.get(url)
    assert page.status_code == 200
    token = page_csrf(client, url)
    response = client.post(url, data={"reason": "short", "csrf_token": token})
    assert response.status_code == 422
    assert work.evidence not in response.data
    response = client.post(url, data={"reason": "Complaint 2026-14: checking the capture", "csrf_token": token})
    assert response.status_code == 200
    assert response.data == work.evidence


# --- administrators: candidates yes, content no ----------------------------------------------------


def test_admin_adds_and_lists_candidates_but_never_opens_content(
    app: Flask, client: FlaskClient, clock: Clock, work: Work
) -> None:
    """PRODUCT.md §2: admins manage candidates; findings, evidence and the checklist work are 403."""
    world = work.world
    headers = bearer(app, world.admin)
    response = client.post(f"{API}/cycles/{world.cycle_id}/candidates", json={"name": "Nina New"}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert (response.get_json()["name"], response.get_json()["stage"]) == ("Nina New", "awaiting consent")
    listing = client.get(f"{API}/cycles/{world.cycle_id}/candidates", headers=headers)
    assert listing.status_code == 200
    assert [c["name"] for c in listing.get_json()["candidates"]] == [CANDIDATE_NAME, "Nina New"]

    for url in (
        f"{API}/findings/{work.finding_id}",
        f"{API}/evidence/{work.evidence_id}",
        f"{API}/candidates/{world.candidate_id}",
        f"{API}/candidates/{world.candidate_id}/findings",
        f"{API}/candidates/{world.candidate_id}/checklist",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 403, url
    response = client.post(f"{API}/evidence/{work.evidence_id}/view", json={"reason": "x" * 20}, headers=headers)
    assert response.status_code == 403

    login(client, world.admin, clock)
    for url in (f"/findings/{work.finding_id}", f"/evidence/{work.evidence_id}", f"/candidates/{world.candidate_id}"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert work.evidence not in response.data
    page = client.get(f"/cycles/{world.cycle_id}/candidates").get_data(as_text=True)
    assert CANDIDATE_NAME in page


def test_blind_cycle_hides_names_from_the_admin_not_from_the_searcher(app: Flask, clock: Clock) -> None:
    """Blind review: the admin's listing has name null (API) and no name on the page; the searcher sees it."""
    world = build_world(app, blind=True)
    client = app.test_client()
    admin_headers = bearer(app, world.admin)
    response = client.post(
        f"{API}/cycles/{world.cycle_id}/candidates", json={"name": "Nina New"}, headers=admin_headers
    )
    assert response.status_code == 201
    assert response.get_json()["name"] is None
    listing = client.get(f"{API}/cycles/{world.cycle_id}/candidates", headers=admin_headers).get_json()["candidates"]
    assert [(c["code"], c["name"]) for c in listing] == [("C-001", None), ("C-002", None)]
    login(client, world.admin, clock)
    page = client.get(f"/cycles/{world.cycle_id}/candidates").get_data(as_text=True)
    assert CANDIDATE_NAME not in page
    assert "Nina New" not in page
    assert "Hidden (blind review)" in page

    searcher = bearer(app, world.inv)
    listing = client.get(f"{API}/cycles/{world.cycle_id}/candidates", headers=searcher).get_json()["candidates"]
    assert [c["name"] for c in listing] == [CANDIDATE_NAME, "Nina New"]
