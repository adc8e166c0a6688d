"""Browser-facing protections: headers, cookie flags, CSRF on every form, no inline code.

ASVS 14.4 (security headers, CSP without 'unsafe-inline'), ASVS 3.4 (cookie attributes),
ASVS 4.2.2 / 13.2.3 (anti-CSRF on every state-changing form), ASVS 8.2.1 (no caching of
pages holding personal data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.support import PASSWORD, Clock, Person, csrf_from, login, make_user, open_cycle, published_checklist
from tests.web.helpers import (
    count,
    db,
    is_signed_in,
    page_csrf,
    password_step,
    setup_key,
    snapshot,
)
from tests.web.records_world import SCHEDULE_FORM, production_form
from tests.web.world import add_candidate, add_evidence, add_finding, item_ids, png, record_consent, upload
from vetting.clock import utcnow
from vetting.config import PROJECT_ROOT
from vetting.models import ChecklistVersion, Cycle, Duty, Role, User
from vetting.security import totp
from vetting.services import cycles, tokens


def csp_of(response: Any) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def check_headers(response: Any, *, page: bool = True) -> None:
    csp = csp_of(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert "base-uri" in csp
    assert "form-action" in csp
    header = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert "*" not in header
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    if page:
        assert "no-store" in response.headers["Cache-Control"]


def test_security_headers_on_pages_api_and_errors(app: Flask, client: FlaskClient, clock: Clock) -> None:
    for url in ("/login", "/healthz", "/api/v1/openapi.json", "/no-such-page", "/api/v1/no-such-thing"):
        check_headers(client.get(url))
    check_headers(client.get("/api/v1/me"))  # a 401 too
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    login(client, admin, clock)
    for url in ("/admin", "/admin/users", "/account", "/audit"):  # /audit: a 403 page
        check_headers(client.get(url))
    with client.get("/static/css/app.css") as response:
        check_headers(response, page=False)
        assert response.headers.get("Content-Type", "").startswith("text/css")


def test_hsts_is_sent_over_https(client: FlaskClient) -> None:
    response = client.get("/login", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/login").headers  # never on plain HTTP


def test_session_cookie_is_httponly_samesite_and_secure(app: Flask, client: FlaskClient, clock: Clock) -> None:
    person = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    responses = [client.get("/login"), password_step(client, person)]
    clock.advance(seconds=30)
    page = client.get("/login/code").get_data(as_text=True)
    responses.append(
        client.post(
            "/login/code",
            data={"code": totp.current_code(person.totp_secret or "", utcnow()), "csrf_token": csrf_from(page)},
        )
    )
    cookies = [c for r in responses for c in r.headers.getlist("Set-Cookie")]
    assert cookies, "the login steps set the session cookie"
    for cookie in cookies:
        name = cookie.split("=", 1)[0]
        attributes = {a.strip().split("=", 1)[0].lower(): a.strip() for a in cookie.split(";")[1:]}
        assert name == app.config["SESSION_COOKIE_NAME"] == "__Host-vetting"  # __Host-: Secure, Path=/, no Domain
        assert "httponly" in attributes
        assert "secure" in attributes
        assert attributes["samesite"].lower() in {"samesite=lax", "samesite=strict"}
        assert attributes["path"] == "Path=/"
        assert "domain" not in attributes


# --- CSRF -----------------------------------------------------------------------------------

DATES = {
    "clearance_date": (date(2026, 1, 5)).isoformat(),
    "training_date": (date(2026, 2, 5)).isoformat(),
    "acknowledgement_date": (date(2026, 2, 6)).isoformat(),
    "review_date": (date(2027, 2, 6)).isoformat(),
}


def forms_for(ids: dict[str, int]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Per web POST endpoint: (who posts, URL, form data that would be accepted with a token)."""
    user, cycle, board = ids["target"], ids["cycle"], ids["board"]
    template, work, candidate = ids["template"], ids["work_cycle"], ids["candidate"]
    item, finding = ids["item"], ids["finding"]
    return {
        "auth.login": ("anonymous", "/login", {"email": "board@x.test", "password": PASSWORD}),
        "auth.code": ("halfway", "/login/code", {"code": "CURRENT"}),
        "auth.enrol": ("enrolling", "/login/enrol", {"code": "ENROL"}),
        "auth.cancel": ("halfway", "/login/cancel", {}),
        "auth.logout": ("admin", "/logout", {}),
        "admin.user_create": (
            "admin",
            "/admin/users",
            {"name": "New Person", "email": "new@x.test", "password": PASSWORD, "roles": ["investigator"]},
        ),
        "admin.user_update": ("admin", f"/admin/users/{user}", {"name": "Renamed", "roles": ["board_member"]}),
        "admin.user_designation": ("admin", f"/admin/users/{user}/designation", DATES),
        "admin.user_unlock": ("admin", f"/admin/users/{user}/unlock", {}),
        "admin.user_reset_mfa": ("admin", f"/admin/users/{user}/reset-mfa", {}),
        "admin.user_deactivate": ("admin", f"/admin/users/{user}/deactivate", {}),
        "admin.user_activate": ("admin", f"/admin/users/{ids['inactive']}/activate", {}),
        "admin.cycle_create": ("admin", "/admin/cycles", {"title": "Patrol 2027", "position": "Patrol officer"}),
        "admin.cycle_assign": (
            "admin",
            f"/admin/cycles/{cycle}/assignments",
            {"user_id": user, "duty": "investigator"},
        ),
        "admin.cycle_unassign": ("admin", f"/admin/cycles/{cycle}/assignments/{board}/remove", {}),
        "admin.cycle_status": ("admin", f"/admin/cycles/{cycle}/status", {"status": "open"}),
        "admin.cycle_checklist": (
            "admin",
            f"/admin/cycles/{cycle}/checklist",
            {"checklist_version_id": ids["version"], "identity_match_minimum": 3},
        ),
        "audit.verify": ("auditor", "/audit/verify", {}),
        "checklists.create": ("admin", "/admin/checklists", {"name": "Civilian staff"}),
        "checklists.item_add": (
            "admin",
            f"/admin/checklists/{template}/items",
            {"title": "News archives", "source": "Local papers", "technique": "A4", "required": "y"},
        ),
        "checklists.item_change": ("admin", f"/admin/checklists/{template}/items/{ids['draft_item']}/down", {}),
        "checklists.publish": ("admin", f"/admin/checklists/{template}/publish", {}),
        "work.candidate_add": ("searcher", f"/cycles/{work}/candidates", {"name": "Nina New", "region": "Laurel"}),
        "work.candidate_import": (
            "searcher",
            f"/cycles/{work}/candidates/import",
            {"file": Upload(b"name,region\nIan Import,Petal\n", "candidates.csv")},
        ),
        "work.consent_record": (
            "searcher",
            f"/candidates/{ids['fresh']}/consent",
            {"signed_on": DATES["training_date"], "method": "wet_ink", "document": Upload(png(), "signed.png")},
        ),
        "work.item_resolve": (
            "searcher",
            f"/candidates/{candidate}/checklist/{item}",
            {
                f"item{item}-status": "no_results",
                f"item{item}-technique": "A1",
                f"item{item}-searches-0-query": '"Casey Candidate"',
                f"item{item}-searches-0-source": "Search engine",
                f"item{item}-searches-0-result_count": "0",
                f"item{item}-attestation": "y",
            },
        ),
        "work.search_complete": ("searcher", f"/candidates/{candidate}/complete", {}),
        "work.finding_new": ("searcher", f"/candidates/{candidate}/findings/new", finding_form(item)),
        "work.finding_edit": ("searcher", f"/findings/{finding}/edit", finding_form(item)),
        "work.evidence_upload": ("searcher", f"/findings/{finding}/evidence", {"file": Upload(png(), "shot.png")}),
        "work.evidence_audit_view": ("auditor", f"/audit/evidence/{ids['evidence']}", {"reason": "Custody check"}),
        "work.validation_add": (
            "searcher",
            f"/findings/{finding}/validations",
            {"method": "second_source", "result": "corroborates", "notes": "Matches the archived copy."},
        ),
        # Issue 4: resolving mentions, redacting words, releasing (a mention id is checked after the token).
        "work.mention_resolve": ("searcher", f"/findings/{finding}/mentions/1", {"resolution": "redact"}),
        "work.redaction_add": ("searcher", f"/findings/{finding}/redactions", {"field": "summary", "text": "Threat"}),
        "release.release_finding": (
            "searcher",
            f"/findings/{finding}/release",
            {"revision": "1", "reviewed_sha256": "0" * 64},
        ),
        # Issue 5: board rules, holidays, the board's forms and the investigators' answers to them
        # (question and response ids are looked up after the token check).
        "admin.cycle_board_rules": (
            "admin",
            f"/admin/cycles/{cycle}/board-rules",
            {"decision_rule": "majority", "decision_quorum": "1", "chair_user_id": "0", "response_days": "5"},
        ),
        "admin.holiday_add": ("admin", "/admin/holidays", {"day": "2026-12-24", "name": "Christmas Eve"}),
        "admin.holiday_remove": ("admin", "/admin/holidays/1/remove", {}),
        "board.recommend": (
            "member",
            f"/board/candidates/{candidate}/recommendations",
            {"outcome": "advance", "no_finding": "y", "rationale": "Nothing job-related was found."},
        ),
        "board.decide": (
            "member",
            f"/board/candidates/{candidate}/decisions",
            {"decision-outcome": "advance", "decision-no_finding": "y", "decision-rationale": "Nothing was found."},
        ),
        "board.ask": (
            "member",
            f"/board/candidates/{candidate}/questions",
            {"finding_id": str(finding), "question": "Which account posted this?"},
        ),
        "board_work.answer": ("searcher", "/questions/1/answer", {"q1-answer": "The listed account."}),
        "board_work.approve": ("searcher", "/questions/1/approve", {}),
        "board_work.response": (
            "searcher",
            f"/candidates/{candidate}/responses",
            {"kind": "response", "received_on": "2026-11-02", "text": "I can explain."},
        ),
        "board_work.close_dispute": ("searcher", "/responses/1/close", {"d1-notes": "Re-validated the account."}),
        # Issue 16 point 3: a notice handed over (the notice id is looked up after the token check).
        "board.notice_delivered": (
            "searcher",
            f"/board/candidates/{candidate}/notices/1/delivery",
            {"delivered_on": "2026-11-02", "back": "work"},
        ),
        # Issue 6: the auditor's reason for raw search logs; self-identification links and answers.
        "audit.search_log": (
            "auditor",
            f"/audit/candidates/{candidate}/search-log",
            {"reason": "Complaint review IA-2026-17"},
        ),
        "self_id.invite": ("admin", f"/admin/cycles/{work}/self-identification/{candidate}", {}),
        "self_id.answer": (
            "anonymous",
            "/self-identification/unknown-token",
            {"sex": "female", "race_ethnicity": "white"},
        ),
        # Issue 16 point 6: the reminder thresholds and one's own digest.
        "admin.reminder_thresholds_save": (
            "admin",
            "/admin/reminders",
            {
                "consent_pending_days": "3",
                "checklist_ageing_days": "14",
                "review_waiting_days": "2",
                "recommendation_missing_days": "5",
                "response_window_days": "2",
                "designation_review_days": "30",
                "hold_review_days": "30",
                "digest_hour": "7",
            },
        ),
        "home.digest": ("admin", "/account/digest", {}),
        # Issue 16: the candidate's signature and answer through their link (no account).
        "portal.sign": (
            "anonymous",
            "/c/unknown-token/sign",
            {"form_sha256": "0" * 64, "agree": "y", "name": "Casey Candidate"},
        ),
        "portal.answer": ("anonymous", "/c/unknown-token/answer", {"kind": "response", "text": "My statement."}),
        "links.issue": ("searcher", f"/candidates/{candidate}/links", {"purpose": "consent", "email": "c@example.org"}),
        # Issue 14: withdrawing a finding; the auditor's reasons for a raw finding and a notice (the notice
        # id is looked up after the token check).
        "work.finding_withdraw": (
            "searcher",
            f"/findings/{finding}/withdraw",
            {"reason": "Another person with the same name.", "confirm": "y"},
        ),
        "audit.finding": ("auditor", f"/audit/findings/{finding}", {"reason": "Complaint review IA-2026-17"}),
        "audit.notice": ("auditor", "/audit/notices/1", {"reason": "Complaint review IA-2026-17"}),
        # Issue 14: one's own API tokens (the admin's own token is revoked).
        "tokens.create": ("admin", "/account/tokens", {"name": "Nightly export", "days": "30"}),
        "tokens.revoke": ("admin", f"/account/tokens/{ids['token']}/revoke", {}),
        # Issue 15: the retention schedule and dispositions (the ids are looked up after the token check).
        "retention.schedule_propose": ("admin", "/retention/schedule/propose", SCHEDULE_FORM),
        "retention.schedule_approve": ("admin", "/retention/schedule/1/approve", {}),
        "retention.disposition_propose": ("admin", "/retention/dispositions", {"candidate_id": str(candidate)}),
        "retention.disposition_approve": ("admin", "/retention/dispositions/1/approve", {"confirm": "yes"}),
        # Issue 15 point 3: minimisation of findings (the ids are looked up after the token check).
        "minimisation.propose": ("records", "/retention/minimisation", {"finding_ids": str(finding)}),
        "minimisation.approve": ("records", "/retention/minimisation/1/approve", {"confirm": "yes"}),
        # Issue 15: legal holds (the hold id is looked up after the token check).
        "holds.place": (
            "admin",
            "/holds",
            {"matter": "Doe v. City", "reference": "R-1", "reason": "A charge was filed", "cycle_ids": str(cycle)},
        ),
        "holds.release": ("admin", "/holds/1/release", {"reason": "Matter closed for good", "confirm": "yes"}),
        # Issue 15 point 5: a production bundle.
        "production.start": ("records", "/productions", production_form(candidate)),
        # Issue 15 point 4: a public-records request and its steps (the request id is looked up after the token check).
        "records_requests.log": (
            "records",
            "/records-requests",
            {
                "requester_name": "Pat Reporter",
                "requester_contact": "pat@news.test",
                "received_on": "2026-11-02",
                "description": "Hiring files",
                "cycle_ids": str(cycle),
            },
        ),
        "records_requests.exemption": (
            "records",
            "/records-requests/1/exemptions",
            {"i1-release_id": "1", "i1-decision": "withhold", "i1-exemption_code": "personnel_record"},
        ),
        "records_requests.prepare": ("records", "/records-requests/1/prepare", {}),
        "records_requests.approve": ("records", "/records-requests/1/approve", {}),
        "records_requests.release": ("records", "/records-requests/1/release", {"confirm": "yes"}),
        "records_requests.close": ("records", "/records-requests/1/close", {"reason": "Withdrawn by the requester"}),
        # Issue 17: "Prepare the report" starts the audit report job.
        "jobs.start_audit_report": ("auditor", f"/jobs/audit-report/{cycle}", {}),
        "jobs.start_uniformity_csv": ("auditor", f"/jobs/uniformity-csv/{cycle}", {}),
        "jobs.start_chain_check": ("auditor", "/jobs/chain-check", {}),
        "jobs.start_audit_export": ("auditor", "/jobs/audit-export", {}),
    }


def finding_form(item: int) -> dict[str, Any]:
    return {
        "item_id": str(item),
        "source_url": "https://social.example/casey/9",
        "platform": "Social",
        "summary": "Threat against a neighbour.",
        "excerpt": "I will hurt him.",
        "category": "violence_threats",
        "authorship": "authored",
        "identity_basis": ["name", "photo", "location"],
    }


@dataclass(frozen=True)
class Upload:
    """A file part, materialised afresh for every post (the test client closes streams)."""

    content: bytes
    filename: str


def materialise(data: dict[str, Any], codes: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Upload):
            out[key] = upload(value.content, value.filename)
        elif isinstance(value, str):
            out[key] = codes.get(value, value)
        else:
            out[key] = value
    return out


def test_every_web_form_post_without_csrf_token_is_refused_and_changes_nothing(app: Flask, clock: Clock) -> None:
    """Each state-changing web endpoint, posted with good data but no token: 400 and not one row changes."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    target = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    board = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    inactive = make_user(app, "gone@x.test", Role.BOARD_MEMBER)
    newcomer = make_user(app, "fresh@x.test", Role.BOARD_MEMBER, enrolled=False)
    with db(app) as session:
        admin_user = session.get(User, admin.id)
        assert admin_user is not None
        cycle = cycles.create_cycle(session, admin_user, title="Patrol 2026", position="Officer", blind_review=False)
        cycles.assign(session, admin_user, cycle.id, board.id, Duty.BOARD_MEMBER)
        cycle_id = cycle.id
        session.execute(update(User).where(User.id == target.id).values(locked_until=utcnow() + timedelta(hours=1)))
        session.execute(update(User).where(User.id == inactive.id).values(is_active=False))

    clients: dict[str, FlaskClient] = {name: app.test_client() for name in ("anonymous", "halfway", "enrolling")}
    for name, person in (("admin", admin), ("auditor", auditor)):
        clients[name] = app.test_client()
        login(clients[name], person, clock)
    clock.advance(seconds=30)
    password_step(clients["halfway"], board)
    password_step(clients["enrolling"], newcomer)
    secret = setup_key(clients["enrolling"].get("/login/enrol").get_data(as_text=True))
    assert secret
    codes = {
        "CURRENT": totp.current_code(board.totp_secret or "", utcnow()),
        "ENROL": totp.current_code(secret, utcnow()),
    }

    # Issue 3: a searcher in an open cycle with a consented candidate, a finding and its evidence.
    searcher = make_user(app, "searcher@x.test", Role.INVESTIGATOR)
    version_id = published_checklist(app, admin.id)
    with db(app) as session:
        admin_user = session.get(User, admin.id)
        assert admin_user is not None
        work = cycles.create_cycle(session, admin_user, title="Dispatch", position="Dispatcher", blind_review=False)
        cycles.assign(session, admin_user, work.id, searcher.id, Duty.INVESTIGATOR)
        work_cycle = work.id
        version = session.get(ChecklistVersion, version_id)
        assert version is not None
        template_id, draft_item = version.template_id, version.template.draft_items[0].id
    open_cycle(app, admin.id, work_cycle, version_id)
    item = item_ids(app, work_cycle)[0]
    candidate = add_candidate(app, searcher, work_cycle)
    fresh = add_candidate(app, searcher, work_cycle, "Fay Fresh")
    record_consent(app, searcher, candidate)
    finding = add_finding(app, searcher, candidate, item)
    evidence = add_evidence(app, searcher, finding)
    clients["searcher"] = app.test_client()
    login(clients["searcher"], searcher, clock)
    member = make_user(app, "member@x.test", Role.BOARD_MEMBER)
    with db(app) as session:
        admin_user = session.get(User, admin.id)
        assert admin_user is not None
        cycles.assign(session, admin_user, work_cycle, member.id, Duty.BOARD_MEMBER)
    clients["member"] = app.test_client()
    login(clients["member"], member, clock)
    # Production bundles are the records officers' alone (issue 15 point 5).
    clients["records"] = app.test_client()
    login(clients["records"], make_user(app, "records@x.test", Role.RECORDS_OFFICER), clock)
    with db(app) as session:
        admin_user = session.get(User, admin.id)
        assert admin_user is not None
        own_token = tokens.issue_token(session, admin_user, admin_user, default_days=90).view.id

    forms = forms_for(
        {
            "target": target.id,
            "cycle": cycle_id,
            "board": board.id,
            "inactive": inactive.id,
            "version": version_id,
            "template": template_id,
            "draft_item": draft_item,
            "work_cycle": work_cycle,
            "candidate": candidate,
            "fresh": fresh,
            "item": item,
            "finding": finding,
            "evidence": evidence,
            "token": own_token,
        }
    )
    web_posts = {
        r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ()) and not r.rule.startswith("/api/")
    }
    assert web_posts == set(forms), "a new web form needs a row in forms_for()"

    # Touch every live session now, so that a later read cannot move its last-seen time.
    assert is_signed_in(clients["admin"])
    assert is_signed_in(clients["auditor"])
    assert is_signed_in(clients["searcher"])
    assert is_signed_in(clients["member"])
    before = snapshot(app)
    for endpoint, (who, url, data) in forms.items():
        response = clients[who].post(url, data=materialise(data, codes))
        assert response.status_code == 400, f"{endpoint}: {response.status_code}"
        assert "csrf_failed" in response.get_data(as_text=True), endpoint
        response = clients[who].post(url, data={**materialise(data, codes), "csrf_token": "forged-or-stale"})
        assert response.status_code == 400, f"{endpoint} with a bad token: {response.status_code}"
    assert snapshot(app) == before

    # Nobody was signed in or out by the refused posts.
    assert is_signed_in(clients["admin"])
    assert is_signed_in(clients["auditor"])
    assert is_signed_in(clients["searcher"])
    assert not is_signed_in(clients["halfway"])
    assert not is_signed_in(clients["anonymous"])

    # Control: the same forms with the page's token reach the service (so the 400s above were CSRF's).
    admin_client = clients["admin"]
    _, url, data = forms["admin.user_create"]
    response = admin_client.post(url, data={**data, "csrf_token": page_csrf(admin_client, "/admin/users")})
    assert response.status_code == 302
    assert count(app, User, User.email == "new@x.test") == 1
    _, url, data = forms["admin.cycle_assign"]
    token = page_csrf(admin_client, f"/admin/cycles/{cycle_id}")
    response = admin_client.post(url, data={**data, "user_id": board.id, "csrf_token": token})
    assert response.status_code == 409  # refused by the service (separation of duties), not by CSRF
    assert "POL-01" in response.get_data(as_text=True)


def test_api_is_csrf_exempt_because_it_ignores_cookies(app: Flask, client: FlaskClient, clock: Clock) -> None:
    """A signed-in browser cannot be made to call the API: without a bearer token it is 401."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    login(client, admin, clock)
    response = client.post("/api/v1/cycles", json={"title": "Forged"})
    assert response.status_code == 401
    assert count(app, Cycle) == 0


# --- no inline script or style ------------------------------------------------------------

JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def assert_no_inline_code(html: str, where: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> on {where}"
    assert not INLINE_STYLE.search(html), f"inline style on {where}"
    assert not EVENT_HANDLER.search(html), f"inline event handler on {where}"
    assert not JS_URL.search(html), f"javascript: URL on {where}"


def test_rendered_pages_of_every_role_have_no_inline_script_or_style(app: Flask, clock: Clock) -> None:
    """CSP forbids inline code; the pages must not need it (every role, forms with errors, error pages)."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    inv = make_user(app, "inv@x.test", Role.INVESTIGATOR)
    bare = make_user(app, "bare@x.test", Role.INVESTIGATOR, designation=False)
    board = make_user(app, "board@x.test", Role.BOARD_MEMBER)
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    newcomer = make_user(app, "new@x.test", Role.BOARD_MEMBER, enrolled=False)
    members = [make_user(app, "inv2@x.test", Role.INVESTIGATOR), make_user(app, "board2@x.test", Role.BOARD_MEMBER)]
    with db(app) as session:
        actor = session.get(User, admin.id)
        assert actor is not None
        cycle = cycles.create_cycle(session, actor, title="Patrol 2026", position="Officer", blind_review=True)
        cycles.assign(session, actor, cycle.id, members[0].id, Duty.INVESTIGATOR)
        cycles.assign(session, actor, cycle.id, members[1].id, Duty.BOARD_MEMBER)
        cycle_id = cycle.id
    pages: dict[str, str] = {}

    anonymous = app.test_client()
    for url in ("/login", "/no-such-page"):
        pages[f"anonymous {url}"] = anonymous.get(url).get_data(as_text=True)
    pages["anonymous bad login"] = password_step(anonymous, board, "wrong password here").get_data(as_text=True)
    password_step(anonymous, board)
    pages["code step"] = anonymous.get("/login/code").get_data(as_text=True)

    enrolling = app.test_client()
    password_step(enrolling, newcomer)
    enrol_page = enrolling.get("/login/enrol").get_data(as_text=True)
    pages["enrol"] = enrol_page
    secret = setup_key(enrol_page)
    assert secret
    pages["recovery codes"] = enrolling.post(
        "/login/enrol",
        data={"code": totp.current_code(secret, utcnow()), "csrf_token": csrf_from(enrol_page)},
    ).get_data(as_text=True)

    admin_urls = ["/admin", "/admin/users", f"/admin/users/{inv.id}", f"/admin/users/{bare.id}", "/admin/cycles"]
    admin_urls += [f"/admin/cycles/{cycle_id}", "/account", "/audit", "/admin/cycles/999"]
    visits: list[tuple[Person, list[str]]] = [
        (admin, admin_urls),
        (inv, ["/investigations", "/account", "/board"]),
        (bare, ["/investigations", "/account"]),
        (board, ["/board", "/account", "/account/tokens"]),
        (auditor, ["/audit", "/account", "/admin"]),
        (members[0], ["/investigations", "/account"]),
        (members[1], ["/board", "/account"]),
    ]
    visits[0][1].append(f"/admin/users/{members[0].id}")
    for person, urls in visits:
        client = app.test_client()
        login(client, person, clock)
        for url in urls:
            pages[f"{person.email} {url}"] = client.get(url).get_data(as_text=True)
        if person is admin:
            token = page_csrf(client, "/admin/users")
            pages["user form errors"] = client.post(
                "/admin/users",
                data={"name": "", "email": "bad", "password": "short", "csrf_token": token},
            ).get_data(as_text=True)
            pages["assign refusal"] = client.post(
                f"/admin/cycles/{cycle_id}/assignments",
                data={"user_id": members[1].id, "duty": "investigator", "csrf_token": token},
            ).get_data(as_text=True)
        if person is auditor:
            pages["verify result"] = client.post(
                "/audit/verify", data={"csrf_token": page_csrf(client, "/audit")}
            ).get_data(as_text=True)

    assert len(pages) >= 25
    for where, html in pages.items():
        assert "<html" in html, where
        assert_no_inline_code(html, where)


def test_templates_have_no_inline_script_or_style() -> None:
    """The same rule read from the template sources, for pages no test renders yet."""
    templates = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
    assert templates
    for template in templates:
        source = JINJA.sub("", Path(template).read_text(encoding="utf-8"))  # markup only, not Jinja code
        assert_no_inline_code(source, str(template.relative_to(PROJECT_ROOT)))
