"""Auditors read; they never change an investigation (PRODUCT.md §2, R2).

Acceptance: "an auditor POST to any investigation route is refused". Every writing route in
``app.url_map`` (POST, PUT, PATCH, DELETE) is sent as the auditor, with real ids from a board
world and a body its rightful caller would send, through the API (bearer token) and the pages
(signed-in session, valid CSRF token): each answer is 403 (or 404 where the object is hidden)
and no row of any investigation table changed. The auditor's own read-type posts open raw
content only with a stated reason, which is recorded; raw findings stay closed to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support import START, Clock, login, make_user, runtime_of
from tests.web.board_world import PROTECTED_SUMMARY, BoardWorld, build_board_world, complete
from tests.web.helpers import db, page_csrf, snapshot
from tests.web.records_world import (
    SCHEDULE,
    SCHEDULE_FORM,
    production_body,
    production_form,
    proposal_and_disposition,
    proposed_minimisation,
)
from tests.web.test_investigation_access import Call, send  # walked calls, sent the same way
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    add_evidence,
    bearer,
    error_of,
    finding_body,
    png,
    resolution_body,
    user_in,
)
from vetting.api.registry import OPERATIONS
from vetting.clock import today
from vetting.models import (
    AuditEvent,
    BoardQuestion,
    CandidateResponse,
    ChecklistDraftItem,
    ChecklistTemplate,
    FindingMention,
    Role,
)
from vetting.services import holds, holidays, questions, records_requests

#: The auditor's own posts: they read (with a stated reason) or check the chain; tested below.
READ_TYPE_POSTS = frozenset(
    {
        "audit.verify",
        "audit.search_log",
        "api.audit_search_log_raw",
        "work.evidence_audit_view",
        "api.evidence_view_audited",
        "audit.finding",
        "api.audit_finding_raw",
        "audit.notice",
        "api.audit_notice_pdf",
        # the audit report, uniformity CSV, full chain check and export made by the worker (issue
        # 17): a job row and the work's own audit events (and the check's marker), nothing of an
        # investigation (tests/web/test_jobs.py, tests/web/test_jobs_audit.py)
        "jobs.start_audit_report",
        "api.start_audit_report_job",
        "jobs.start_uniformity_csv",
        "api.start_uniformity_csv_job",
        "jobs.start_chain_check",
        "api.start_chain_check_job",
        "jobs.start_audit_export",
        "api.start_audit_export_job",
        # signing in and out, and the candidate's public self-identification form
        "auth.login",
        "auth.logout",
        "auth.code",
        "auth.enrol",
        "auth.cancel",
        "self_id.answer",
        "api.self_id_answer",
        # the candidate's own signature and answer through their link (issue 16): no account, no auditor
        "portal.sign",
        "portal.answer",
        # their own API tokens: account self-service, not investigation (tests/web/test_tokens.py)
        "tokens.create",
        "tokens.revoke",
        # their own daily reminder digest on or off: account self-service too (tests/web/test_reminders.py)
        "home.digest",
    }
)
#: Reminder thresholds an administrator would save (issue 16 point 6), all changed from the defaults.
THRESHOLDS = {
    "consent_pending_days": 9,
    "checklist_ageing_days": 15,
    "review_waiting_days": 3,
    "recommendation_missing_days": 6,
    "response_window_days": 3,
    "designation_review_days": 31,
    "hold_review_days": 32,
    "digest_hour": 8,
}
#: A public-records request a records officer would log (issue 15 point 4), as the API's JSON.
RECORDS_REQUEST = {
    "requester_name": "Pat Reporter",
    "requester_contact": "pat@news.test",
    "received_on": START.date().isoformat(),
    "description": "Every record of the patrol hiring.",
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Bookkeeping a refused request may touch: the audit trail, sessions, tokens, sign-in attempts.
BOOKKEEPING = frozenset({"audit_events", "audit_checkpoints", "auth_sessions", "login_attempts", "api_tokens"})
PARAM = re.compile(r"<(?:([^:<>]+):)?(\w+)>")
ANY_CHOICES = re.compile(r"any\(([^)]*)\)")
CSRF = "<the page's CSRF token>"
RAW_EXCERPT = "I will hurt him."  # add_finding's excerpt
REASON = "Complaint 2026-14: checking the capture against the log"


@dataclass(frozen=True)
class Ids:
    """Real rows of the board world, one per URL parameter kind."""

    cycle: int
    candidate: int
    finding: int
    evidence: int
    item: int
    mention: int
    template: int
    draft_item: int
    version: int
    user: int
    holiday: int
    question: int
    response: int
    notice: int
    schedule_proposal: int
    disposition: int
    minimisation: int
    hold: int
    records_request: int


@dataclass(frozen=True)
class Scene:
    bw: BoardWorld
    ids: Ids
    evidence: bytes


def _propose_and_dispute(app: Flask, client: FlaskClient, bw: BoardWorld) -> tuple[int, int]:
    """The chair proposes not to advance (a pre-decision notice); the candidate disputes it."""
    chair = bearer(app, bw.chair)
    body = {"outcome": "do_not_advance", "rationale": "Relied on the released threat.", "finding_ids": bw.findings[:1]}
    url = f"{API}/board/candidates/{bw.world.candidate_id}"
    assert client.post(f"{url}/recommendations", json=body, headers=chair).status_code == 201
    proposed = client.post(f"{url}/decisions", json=body, headers=chair)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    notice_id = proposed.get_json()["board"]["notices"][0]["id"]
    dispute = {
        "kind": "dispute",
        "text": "That account is not mine.",
        "received_on": today().isoformat(),
        "finding_ids": bw.findings[:1],
    }
    recorded = client.post(
        f"{API}/candidates/{bw.world.candidate_id}/responses", json=dispute, headers=bearer(app, bw.world.inv)
    )
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    with db(app) as session:
        response_id = session.scalar(select(CandidateResponse.id).where(CandidateResponse.notice_id == notice_id))
    assert response_id is not None
    return notice_id, response_id


@pytest.fixture
def scene(app: Flask) -> Scene:
    """A board world with evidence, a board question, a holiday, a notice and a dispute."""
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    content = png("the evidence")
    evidence_id = add_evidence(app, world.inv, bw.findings[0], content)
    complete(app, world.inv, world.candidate_id)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        question = questions.ask(
            session,
            user_in(session, bw.chair),
            rt.security,
            world.candidate_id,
            bw.findings[1],
            "Was the referee named in the post?",
        )
        holiday = holidays.add_holiday(
            session, user_in(session, world.admin), today() + timedelta(days=40), "Founders' Day"
        )
        holiday_id = holiday.id
        mention = session.scalar(select(FindingMention.id).where(FindingMention.finding_id == bw.findings[0]))
        template = session.scalar(select(ChecklistTemplate.id))
        draft_item = session.scalar(select(ChecklistDraftItem.id).where(ChecklistDraftItem.template_id == template))
        question_id = session.scalar(select(BoardQuestion.id).where(BoardQuestion.candidate_id == world.candidate_id))
    assert question.question
    assert mention
    assert template
    assert draft_item
    assert question_id
    notice_id, response_id = _propose_and_dispute(app, app.test_client(), bw)
    with rt.db.transaction() as session:
        hold_id = holds.place_hold(
            session,
            user_in(session, world.admin),
            holds.HoldInput(
                "Doe v. City", "2:26-cv-1", "A charge filed by a candidate", cycle_ids=[world.other_cycle_id]
            ),
        ).id
    proposal_id, disposition_id = proposal_and_disposition(app, world.admin, world.candidate_id)
    minimisation_id = proposed_minimisation(app, world.admin, bw.findings[1])
    records_officer = make_user(app, "records@x.test", Role.RECORDS_OFFICER)
    with rt.db.transaction() as session:
        records_request_id = records_requests.log_request(
            session,
            user_in(session, records_officer),
            records_requests.RequestInput(
                "Pat Reporter", "pat@news.test", today(), "Hiring files", cycle_ids=[world.cycle_id]
            ),
            response_days=10,
            default_statute="CPRA",
        ).id
    ids = Ids(
        cycle=world.cycle_id,
        candidate=world.candidate_id,
        finding=bw.findings[0],
        evidence=evidence_id,
        item=world.items[0],
        mention=mention,
        template=template,
        draft_item=draft_item,
        version=world.version_id,
        user=world.inv.id,
        holiday=holiday_id,
        question=question_id,
        response=response_id,
        notice=notice_id,
        schedule_proposal=proposal_id,
        disposition=disposition_id,
        minimisation=minimisation_id,
        hold=hold_id,
        records_request=records_request_id,
    )
    return Scene(bw, ids, content)


# --- the walk ------------------------------------------------------------------------------------


def finding_form(item: int) -> dict[str, Any]:
    return {
        "item_id": str(item),
        "source_url": "https://social.example/auditor",
        "platform": "Social",
        "content_date": (today() - timedelta(days=3)).isoformat(),
        "summary": "Auditor summary",
        "excerpt": "Auditor excerpt",
        "category": "violence_threats",
        "authorship": "authored",
        "identity_basis": ["name", "photo", "location"],
    }


def bodies(scene: Scene) -> dict[str, dict[str, Any]]:
    """Per writing endpoint: a request its rightful caller would send (JSON, multipart or a form)."""
    ids, bw = scene.ids, scene.bw
    item, q, r = ids.item, ids.question, ids.response
    validation = {"method": "second_source", "result": "contradicts", "notes": "Auditor notes"}
    dates = {
        "clearance_date": (today() - timedelta(days=100)).isoformat(),
        "training_date": (today() - timedelta(days=10)).isoformat(),
        "acknowledgement_date": (today() - timedelta(days=10)).isoformat(),
        "review_date": (today() + timedelta(days=300)).isoformat(),
    }
    rationale = "The released finding shows a threat of violence."
    return {
        # --- API: administration
        "api.cycle_create": {"json": {"title": "Auditor's cycle", "blind_review": False}},
        "api.cycle_update": {"json": {"identity_match_minimum": 2}},
        "api.cycle_status": {"json": {"status": "closed"}},
        "api.cycle_assign": {"json": {"user_id": bw.world.outsider.id, "role": "investigator"}},
        "api.cycle_unassign": {},
        "api.board_rules_set": {"json": {"decision_rule": "majority", "decision_quorum": 2, "response_days": 10}},
        "api.holiday_add": {"json": {"day": (today() + timedelta(days=50)).isoformat(), "name": "Auditor Day"}},
        "api.holiday_remove": {},
        "api.reminder_thresholds_set": {"json": THRESHOLDS},
        "api.user_create": {
            "json": {"email": "new@x.test", "name": "New Person", "password": "a long passphrase", "roles": ["auditor"]}
        },
        "api.user_update": {"json": {"is_active": False}},
        "api.user_designation": {"json": dates},
        "api.user_unlock": {},
        "api.user_reset_mfa": {},
        "api.checklist_create": {"json": {"name": "Auditor's template", "description": ""}},
        "api.checklist_item_add": {"json": {"title": "Name search", "source": "Search engine", "technique": "A1"}},
        "api.checklist_publish": {},
        "api.self_id_invite": {},
        "api.candidate_link_create": {"json": {"purpose": "consent", "email": "casey@example.org"}},
        "api.candidate_email_set": {"json": {"email": "casey@example.org"}},
        # --- API: the investigation
        "api.candidate_create": {"json": {"name": "Added By Auditor"}},
        "api.candidate_import": {"json": {"csv": "name\nImported By Auditor\n"}},
        "api.candidate_consent": {"data": {"signed_on": "2026-10-01", "method": "wet_ink", "document": png()}},
        "api.candidate_resolve": {"json": resolution_body()},
        "api.candidate_complete": {},
        "api.finding_create": {"json": finding_body(item)},
        "api.finding_update": {"json": finding_body(item)},
        "api.evidence_upload": {"data": {"file": png()}},
        "api.finding_validate": {"json": validation},
        "api.finding_withdraw": {"json": {"reason": "The auditor tries to withdraw it."}},
        "api.mention_resolve": {"json": {"resolution": "not_protected", "reason": "Conduct, not a trait."}},
        "api.redaction_add": {"json": {"field": "summary", "text": "neighbour"}},
        "api.finding_release": {"json": {}},
        "api.response_create": {"json": {"kind": "response", "text": "Auditor", "received_on": today().isoformat()}},
        "api.notice_delivery_record": {"json": {"delivered_on": today().isoformat()}},
        "api.question_answer": {"json": {"answer": "Yes, by first name only."}},
        "api.question_approve": {"json": {}},
        "api.hold_place": {
            "json": {"matter": "M", "reference": "R", "reason": "A reason to hold", "cycle_ids": [ids.cycle]}
        },
        "api.hold_release": {"json": {"reason": "The matter is closed"}},
        "holds.place": {
            "data": {"matter": "M", "reference": "R", "reason": "A reason to hold", "cycle_ids": str(ids.cycle)}
        },
        "holds.release": {"data": {"reason": "The matter is closed", "confirm": "yes"}},
        "api.dispute_close": {"json": {"notes": "Re-validated: the account is the candidate's."}},
        "api.schedule_propose": {"json": {"classes": SCHEDULE}},
        "api.schedule_approve": {},
        "api.disposition_propose": {"json": {"candidate_id": ids.candidate}},
        "api.disposition_approve": {},
        "retention.schedule_propose": {"data": SCHEDULE_FORM},
        "retention.schedule_approve": {},
        "retention.disposition_propose": {"data": {"candidate_id": str(ids.candidate)}},
        "retention.disposition_approve": {"data": {"confirm": "yes"}},
        "api.minimisation_propose": {"json": {"finding_ids": [ids.finding]}},
        "api.minimisation_approve": {},
        "minimisation.propose": {"data": {"finding_ids": str(ids.finding)}},
        "minimisation.approve": {"data": {"confirm": "yes"}},
        "api.start_production": {"json": production_body(ids.candidate)},
        "production.start": {"data": production_form(ids.candidate)},
        "api.records_request_log": {"json": RECORDS_REQUEST},
        "api.records_request_exemption": {
            "json": {"release_id": 1, "decision": "withhold", "exemption_code": "personnel_record"}
        },
        "api.records_request_prepare": {},
        "api.records_request_approve": {},
        "api.records_request_release": {},
        "api.records_request_close": {"json": {"reason": "Withdrawn by the requester"}},
        "records_requests.log": {"data": {**RECORDS_REQUEST, "cycle_ids": str(ids.cycle)}},
        "records_requests.exemption": {
            "data": {"i1-release_id": "1", "i1-decision": "withhold", "i1-exemption_code": "personnel_record"}
        },
        "records_requests.prepare": {},
        "records_requests.approve": {},
        "records_requests.release": {"data": {"confirm": "yes"}},
        "records_requests.close": {"data": {"reason": "Withdrawn by the requester"}},
        # --- API: the board
        "api.board_recommendation_create": {"json": {"outcome": "advance", "rationale": rationale, "finding_ids": []}},
        "api.board_decision_create": {"json": {"outcome": "advance", "rationale": rationale, "finding_ids": []}},
        "api.board_question_create": {"json": {"finding_id": ids.finding, "question": "Which platform was it?"}},
        # --- pages: administration (a valid CSRF token is added)
        "admin.user_create": {
            "data": {"name": "New Person", "email": "new@x.test", "password": "a long passphrase", "roles": "auditor"}
        },
        "admin.user_update": {"data": {"name": "Renamed", "roles": ["investigator"]}},
        "admin.user_designation": {"data": dates},
        "admin.reminder_thresholds_save": {"data": THRESHOLDS},
        "admin.user_activate": {},
        "admin.user_deactivate": {},
        "admin.user_reset_mfa": {},
        "admin.user_unlock": {},
        "admin.cycle_create": {"data": {"title": "Auditor's cycle", "position": "Patrol officer"}},
        "admin.cycle_assign": {"data": {"user_id": str(bw.world.outsider.id), "duty": "investigator"}},
        "admin.cycle_unassign": {},
        "admin.cycle_board_rules": {
            "data": {"decision_rule": "majority", "decision_quorum": "2", "chair_user_id": "0", "response_days": "10"}
        },
        "admin.cycle_checklist": {"data": {"checklist_version_id": str(ids.version), "identity_match_minimum": "2"}},
        "admin.cycle_status": {"data": {"status": "closed"}},
        "admin.holiday_add": {"data": {"day": (today() + timedelta(days=50)).isoformat(), "name": "Auditor Day"}},
        "admin.holiday_remove": {},
        "checklists.create": {"data": {"name": "Auditor's template", "description": ""}},
        "checklists.item_add": {"data": {"title": "Name search", "source": "Search engine", "technique": "A1"}},
        "checklists.item_change": {},
        "checklists.publish": {},
        "self_id.invite": {},
        "links.issue": {"data": {"purpose": "consent", "email": "casey@example.org"}},
        # --- pages: the investigation
        "work.candidate_add": {"data": {"name": "Added By Auditor"}},
        "work.candidate_import": {"data": {"file": b"name\nImported By Auditor\n"}},
        "work.consent_record": {"data": {"signed_on": "2026-10-01", "method": "wet_ink", "document": png()}},
        "work.item_resolve": {
            "data": {
                f"item{item}-status": "no_results",
                f"item{item}-technique": "A1",
                f"item{item}-searches-0-query": f'"{CANDIDATE_NAME}"',
                f"item{item}-searches-0-source": "Search engine",
                f"item{item}-searches-0-result_count": "0",
                f"item{item}-attestation": "y",
                f"item{item}-csrf_token": CSRF,
            }
        },
        "work.search_complete": {},
        "work.finding_new": {"data": finding_form(item)},
        "work.finding_edit": {"data": finding_form(item)},
        "work.evidence_upload": {"data": {"file": png()}},
        "work.validation_add": {"data": validation},
        "work.finding_withdraw": {"data": {"reason": "The auditor tries to withdraw it.", "confirm": "y"}},
        "work.mention_resolve": {"data": {"resolution": "redact"}},
        "work.redaction_add": {"data": {"field": "summary", "text": "neighbour"}},
        "release.release_finding": {"data": {"revision": "1", "reviewed_sha256": "0" * 64}},
        "board_work.response": {"data": {"kind": "response", "text": "Auditor", "received_on": today().isoformat()}},
        "board.notice_delivered": {"data": {"delivered_on": today().isoformat()}},
        "board_work.answer": {"data": {f"q{q}-answer": "Yes, by first name only.", f"q{q}-csrf_token": CSRF}},
        "board_work.approve": {},
        "board_work.close_dispute": {
            "data": {f"d{r}-notes": "Re-validated: the account is the candidate's.", f"d{r}-csrf_token": CSRF}
        },
        # --- pages: the board
        "board.recommend": {"data": {"outcome": "advance", "rationale": rationale, "no_finding": "y"}},
        "board.decide": {
            "data": {
                "decision-outcome": "advance",
                "decision-rationale": rationale,
                "decision-no_finding": "y",
                "decision-csrf_token": CSRF,
            }
        },
        "board.ask": {"data": {"finding_id": str(ids.finding), "question": "Which platform was it?"}},
    }


def _values(ids: Ids, params: set[str]) -> dict[str, int]:
    """A real id per parameter; ``item_id`` is a draft item under a checklist template."""
    return {
        "cycle_id": ids.cycle,
        "candidate_id": ids.candidate,
        "finding_id": ids.finding,
        "evidence_id": ids.evidence,
        "item_id": ids.draft_item if "template_id" in params else ids.item,
        "mention_id": ids.mention,
        "template_id": ids.template,
        "version_id": ids.version,
        "user_id": ids.user,
        "holiday_id": ids.holiday,
        "question_id": ids.question,
        "response_id": ids.response,
        "notice_id": ids.notice,
        "proposal_id": ids.schedule_proposal,
        "disposition_id": ids.disposition,
        "minimisation_id": ids.minimisation,
        "hold_id": ids.hold,
        "request_id": ids.records_request,
    }


def _urls(rule: str, values: dict[str, int]) -> list[str]:
    """The rule with real ids; one URL per choice of an ``any(...)`` converter."""
    choices = ANY_CHOICES.search(rule)
    options = [c.strip() for c in choices.group(1).split(",")] if choices else [""]
    urls = []
    for option in options:

        def fill(match: re.Match[str], option: str = option) -> str:
            converter, name = match.group(1) or "", match.group(2)
            return option if converter.startswith("any(") else str(values[name])

        urls.append(PARAM.sub(fill, rule))
    return urls


def writing_routes(app: Flask, scene: Scene) -> list[Call]:
    known = bodies(scene)
    calls: list[Call] = []
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) & WRITE_METHODS)
        if not methods or rule.endpoint in READ_TYPE_POSTS:
            continue
        assert rule.endpoint in known, f"{rule.endpoint}: a new writing route needs a body in bodies()"
        for url in _urls(rule.rule, _values(scene.ids, set(rule.arguments))):
            calls.extend(Call(rule.endpoint, method, url, known[rule.endpoint]) for method in methods)
    return calls


def check_api_bodies_are_valid(calls: list[Call]) -> None:
    """Each JSON body is one the endpoint's own schema accepts: the refusal is not a bad-input 422."""
    checked = 0
    for call in calls:
        if not call.is_api or "json" not in call.body:
            continue
        (op,) = [
            op
            for op in OPERATIONS
            if op.method == call.method
            and re.fullmatch("/api/v1" + re.sub(r"\{\w+\}", "[0-9]+", op.path.replace(".", r"\.")), call.url)
        ]
        if op.body is None:
            assert call.body["json"] == {}, f"{call} takes no body"
        else:
            op.body.model_validate(call.body["json"])
            checked += 1
    assert checked > 20


def investigation_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    return {table: rows for table, rows in snapshot(app).items() if table not in BOOKKEEPING}


def test_every_writing_route_refuses_the_auditor_and_changes_nothing(app: Flask, clock: Clock, scene: Scene) -> None:
    """PRODUCT.md §2: auditors change nothing. 403/404 on every POST/PUT/PATCH/DELETE, web and API."""
    auditor = scene.bw.world.auditor
    client = app.test_client()
    login(client, auditor, clock)
    csrf = page_csrf(client)
    headers = bearer(app, auditor)
    calls = writing_routes(app, scene)
    assert len(calls) > 40, [str(c) for c in calls]
    assert sum(c.is_api for c in calls) > 20
    assert sum(not c.is_api for c in calls) > 20
    assert {c.method for c in calls} == set(WRITE_METHODS)
    check_api_bodies_are_valid(calls)
    before = investigation_rows(app)
    with db(app) as session:
        last_seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    for call in calls:
        response = send(client, call, headers, csrf)
        assert response.status_code in {403, 404}, f"{call}: {response.status_code} {response.get_data(as_text=True)}"
        text = response.get_data(as_text=True)
        assert CANDIDATE_NAME not in text, str(call)
        assert "baby shower" not in text, str(call)
        if call.is_api:
            assert error_of(response)["code"] in {"forbidden", "not_found"}, str(call)
    assert investigation_rows(app) == before
    with db(app) as session:
        written = session.scalars(select(AuditEvent.event).where(AuditEvent.seq > (last_seq or 0))).all()
    # Nothing the walk did is recorded as a change: at most sign-in bookkeeping or audited refusals.
    changes = [e for e in written if not (e.startswith(("login", "logout", "session", "token")) or "refused" in e)]
    assert changes == [], changes
    assert client.get("/account").status_code == 200  # refused, not signed out


# --- raw content only with a stated reason ---------------------------------------------------------


def _actors(app: Flask, name: str) -> list[int | None]:
    """Who caused each event of one kind, oldest first."""
    with db(app) as session:
        return list(
            session.scalars(select(AuditEvent.actor_id).where(AuditEvent.event == name).order_by(AuditEvent.seq))
        )


def _event_data(client: FlaskClient, headers: dict[str, str], name: str) -> list[dict[str, Any]]:
    """Events of one kind, read back through the auditor's own API (newest first)."""
    response = client.get(f"{API}/audit/events", query_string={"event": name}, headers=headers)
    assert response.status_code == 200
    events: list[dict[str, Any]] = response.get_json()["events"]
    return events


def test_auditor_opens_evidence_only_with_a_reason_which_is_recorded(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    auditor = scene.bw.world.auditor
    headers = bearer(app, auditor)
    url = f"{API}/evidence/{scene.ids.evidence}/view"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "curious"}):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert error_of(response)["field"] == "reason"
        assert scene.evidence not in response.data
    assert _actors(app, "evidence.viewed") == []

    response = client.post(url, json={"reason": REASON}, headers=headers)
    assert response.status_code == 200
    assert response.data == scene.evidence
    events = _event_data(client, headers, "evidence.viewed")
    assert len(events) == 1
    assert events[0]["actor_id"] == auditor.id
    assert events[0]["subject_id"] == str(scene.ids.evidence)
    assert events[0]["data"]["reason"] == REASON


def test_auditor_opens_search_queries_only_with_a_reason_which_is_recorded(
    app: Flask, client: FlaskClient, clock: Clock, scene: Scene
) -> None:
    auditor = scene.bw.world.auditor
    headers = bearer(app, auditor)
    url = f"{API}/audit/candidates/{scene.ids.candidate}/search-log"
    plain = client.get(url, headers=headers)
    assert plain.status_code == 200
    assert "items" not in plain.get_json()
    assert CANDIDATE_NAME not in plain.get_data(as_text=True)  # the queries name the candidate
    for body in ({}, {"reason": ""}, {"reason": "too short"}):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert error_of(response)["field"] == "reason"
        assert CANDIDATE_NAME not in response.get_data(as_text=True)
    assert _actors(app, "search_log.raw_viewed") == []

    response = client.post(url, json={"reason": REASON}, headers=headers)
    assert response.status_code == 200
    queries = [s["query"] for i in response.get_json()["items"] for s in i["searches"]]
    assert queries
    assert all(q == f'"{CANDIDATE_NAME}"' for q in queries)
    events = _event_data(client, headers, "search_log.raw_viewed")
    assert [(e["actor_id"], e["subject_id"], e["data"]["reason"]) for e in events] == [
        (auditor.id, str(scene.ids.candidate), REASON)
    ]

    # The console's form: refused without a reason, shown and recorded with one.
    login(client, auditor, clock)
    page_url = f"/audit/candidates/{scene.ids.candidate}/search-log"
    token = page_csrf(client, page_url)
    refused = client.post(page_url, data={"reason": "short", "csrf_token": token})
    assert refused.status_code == 422
    assert CANDIDATE_NAME not in refused.get_data(as_text=True)
    shown = client.post(page_url, data={"reason": f"{REASON} (web)", "csrf_token": token})
    assert shown.status_code == 200
    assert CANDIDATE_NAME in shown.get_data(as_text=True)
    assert _actors(app, "search_log.raw_viewed") == [auditor.id, auditor.id]


def test_auditor_cannot_read_raw_findings_through_investigator_routes(
    app: Flask, client: FlaskClient, clock: Clock, scene: Scene
) -> None:
    """The investigators' routes are closed to auditors: no finding text, and no finding.viewed."""
    auditor = scene.bw.world.auditor
    headers = bearer(app, auditor)
    for finding_id in scene.bw.findings:
        for url in (f"{API}/findings/{finding_id}", f"{API}/findings/{finding_id}/review"):
            response = client.get(url, headers=headers)
            assert response.status_code in {403, 404}, url
            assert error_of(response)["code"] in {"forbidden", "not_found"}
            text = response.get_data(as_text=True)
            assert "baby shower" not in text
            assert RAW_EXCERPT not in text
    response = client.get(f"{API}/candidates/{scene.ids.candidate}/findings", headers=headers)
    assert response.status_code in {403, 404}
    login(client, auditor, clock)
    for url in (f"/findings/{scene.ids.finding}", f"/findings/{scene.ids.finding}/review"):
        response = client.get(url)
        assert response.status_code in {403, 404}, url
        text = response.get_data(as_text=True)
        assert PROTECTED_SUMMARY not in text
        assert "baby shower" not in text
        assert RAW_EXCERPT not in text
    assert auditor.id not in _actors(app, "finding.viewed")
