"""The auditor's reports: access review, separation of duties, the audit report PDF, the console.

CJIS 5.4 (audit review: who opened raw content, and why), POL-03 / R4 (designations and their
review dates), POL-01 / R2 (searchers are not decision makers: proved by assignment, by recorded
action, and by the audited refusals), R6 (uniformity), UGESP (adverse impact), PRODUCT.md §2
(auditors never see candidates' names or content in reports) and §4 (the PDF's SHA-256 is in the
hash-chained log). PDF text is read with pdftotext.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, login, make_user
from tests.web.board_world import PROTECTED_SUMMARY, BoardWorld, build_board_world, complete
from tests.web.helpers import db, new_cycle, pdf_text
from tests.web.world import (
    API,
    CANDIDATE_NAME,
    add_evidence,
    add_finding,
    bearer,
    build_world,
    close_search,
    error_of,
    png,
)
from vetting.clock import today
from vetting.models import Candidate, Role

REASON = "Complaint 2026-14: checking the capture against the log"
#: Raw content of the board world an auditor's report must never hold (names, profile, finding text).
RAW = (
    CANDIDATE_NAME,
    "Casey",
    "casey_c",
    "Hattiesburg",
    "baby shower",
    "Mary",
    "parish",
    "neighbour",
    "referee",
    "hurt him",
    "social.example",
)


def code_of(app: Flask, candidate_id: int) -> str:
    with db(app) as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        return candidate.code


def events(client: FlaskClient, headers: dict[str, str], name: str) -> list[dict[str, Any]]:
    """Audit events of one kind through the auditor's API, newest first."""
    response = client.get(f"{API}/audit/events", query_string={"event": name}, headers=headers)
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.get_json()["events"]
    return found


@dataclass(frozen=True)
class Opened:
    """A board world whose investigator opened a finding and whose auditor opened evidence (with a reason)."""

    bw: BoardWorld
    evidence_id: int
    code: str


def opened_world(app: Flask, client: FlaskClient, *, blind: bool = False) -> Opened:
    bw = build_board_world(app, blind=blind, complete_search=False)
    world = bw.world
    evidence_id = add_evidence(app, world.inv, bw.findings[0], png("the capture"))
    complete(app, world.inv, world.candidate_id)
    assert client.get(f"{API}/findings/{bw.findings[0]}", headers=bearer(app, world.inv)).status_code == 200
    viewed = client.post(
        f"{API}/evidence/{evidence_id}/view", json={"reason": REASON}, headers=bearer(app, world.auditor)
    )
    assert viewed.status_code == 200
    return Opened(bw, evidence_id, code_of(app, world.candidate_id))


# --- 1. access review --------------------------------------------------------------------------------


def _designate(client: FlaskClient, admin: dict[str, str], user_id: int, review_in_days: int) -> None:
    body = {
        "clearance_date": (today() - timedelta(days=300)).isoformat(),
        "training_date": (today() - timedelta(days=20)).isoformat(),
        "acknowledgement_date": (today() - timedelta(days=20)).isoformat(),
        "review_date": (today() + timedelta(days=review_in_days)).isoformat(),
    }
    response = client.put(f"{API}/users/{user_id}/designation", json=body, headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_access_review_lists_raw_views_and_designations_due(app: Flask, client: FlaskClient, clock: Clock) -> None:
    opened = opened_world(app, client)
    world = opened.bw.world
    admin = bearer(app, world.admin)
    _designate(client, admin, world.inv.id, 20)
    _designate(client, admin, opened.bw.second.id, 60)
    _designate(client, admin, world.outsider.id, 30)  # the horizon's last day is within it
    auditor = bearer(app, world.auditor)

    response = client.get(f"{API}/audit/access-review", headers=auditor)
    assert response.status_code == 200
    review = response.get_json()
    assert (review["since"], review["until"]) == ((today() - timedelta(days=90)).isoformat(), today().isoformat())
    views = {(v["what"], v["actor"], v["candidate_id"], v["candidate_code"], v["reason"]) for v in review["raw_views"]}
    assert ("Finding (raw text)", "Ivy Investigator", world.candidate_id, opened.code, None) in views
    assert ("Evidence file", "Aud Auditor", world.candidate_id, opened.code, REASON) in views
    seqs = [v["seq"] for v in review["raw_views"]]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    text = response.get_data(as_text=True)
    assert CANDIDATE_NAME not in text
    assert "baby shower" not in text

    holders = {h["user_id"]: h for h in review["holders"]}
    inv, second = holders[world.inv.id], holders[opened.bw.second.id]
    assert (inv["review_date"], inv["expires_within_30_days"]) == ((today() + timedelta(days=20)).isoformat(), True)
    assert (second["review_date"], second["expires_within_30_days"]) == (
        (today() + timedelta(days=60)).isoformat(),
        False,
    )
    assert inv["designation"] == "current"
    assert holders[world.auditor.id]["roles"] == ["Auditor"]
    assert holders[world.auditor.id]["expires_within_30_days"] is False
    assert holders[world.outsider.id]["expires_within_30_days"] is True
    assert [h["name"] for h in review["holders"] if h["expires_within_30_days"]] == [
        "Ivy Investigator",
        "Otto Outsider",
    ]

    # A window before any opening: nothing listed; the dates are inclusive and checked.
    earlier = {"since": (today() - timedelta(days=30)).isoformat(), "until": (today() - timedelta(days=1)).isoformat()}
    response = client.get(f"{API}/audit/access-review", query_string=earlier, headers=auditor)
    assert response.status_code == 200
    assert response.get_json()["raw_views"] == []
    backwards = {"since": today().isoformat(), "until": (today() - timedelta(days=1)).isoformat()}
    response = client.get(f"{API}/audit/access-review", query_string=backwards, headers=auditor)
    assert response.status_code == 422
    assert error_of(response)["field"] == "since"
    response = client.get(f"{API}/audit/access-review", query_string={"until": "yesterday"}, headers=auditor)
    assert response.status_code == 422
    assert error_of(response)["field"] == "until"

    # The console's page shows the same.
    login(client, world.auditor, clock)
    page = client.get("/audit/access")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Designations due for review within 30 days (2)" in html
    assert "Finding (raw text)" in html
    assert "Evidence file" in html
    assert REASON in html
    assert opened.code in html
    assert "Ivy Investigator" in html
    assert CANDIDATE_NAME not in html
    assert "baby shower" not in html
    assert client.get("/audit/access", query_string=backwards).status_code == 422


#: Valid ISO dates at the ends of the calendar: the inclusive end (``until`` + 1 day) or the default
#: start (``until`` - 90 days) falls outside what ``datetime.date`` can hold.
EDGE_DATES = [
    ("api", f"{API}/audit/access-review", {"until": "9999-12-31"}),
    ("api", f"{API}/audit/access-review", {"until": "0001-01-01"}),
    ("web", "/audit/access", {"until": "9999-12-31"}),
    ("web", "/audit/access", {"until": "0001-01-01"}),
    ("api", f"{API}/audit/events", {"until": "9999-12-31"}),
    ("web", "/audit", {"until": "9999-12-31"}),
]


@pytest.mark.parametrize(("kind", "url", "query"), EDGE_DATES, ids=[f"{k}-{u}-{q['until']}" for k, u, q in EDGE_DATES])
def test_date_filters_at_the_calendars_edge_are_answered_not_crashed(
    app: Flask, client: FlaskClient, clock: Clock, kind: str, url: str, query: dict[str, str]
) -> None:
    """PRODUCT.md §6: bad input gets a clear error naming the field (or, for a valid date, an answer)."""
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    if kind == "api":
        response = client.get(url, query_string=query, headers=bearer(app, auditor))
    else:
        login(client, auditor, clock)
        response = client.get(url, query_string=query)
    assert response.status_code == 422
    if kind == "api":
        assert error_of(response)["field"] in {"since", "until"}


def test_access_review_is_for_auditors_only(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    for person in (world.admin, world.inv, world.board):
        response = client.get(f"{API}/audit/access-review", headers=bearer(app, person))
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"


# --- 2. separation of duties ---------------------------------------------------------------------------


def test_separation_of_duties_holds_and_lists_refused_attempts(app: Flask, client: FlaskClient, clock: Clock) -> None:
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    own = add_finding(app, world.inv, world.candidate_id, world.items[2], summary="Shouted at a coach.")

    # The author tries to release their own finding: refused, and audited after the rollback.
    response = client.post(f"{API}/findings/{own}/release", json={}, headers=bearer(app, world.inv))
    assert response.status_code == 409
    assert error_of(response)["code"] == "author_cannot_release"
    close_search(app, world.inv, world.candidate_id, withdraw_unsettled=True)  # R1: ``own`` is withdrawn
    # The admin tries to make a board member an investigator of the same cycle.
    admin = bearer(app, world.admin)
    body = {"user_id": world.board.id, "role": "investigator"}
    response = client.post(f"{API}/cycles/{world.cycle_id}/assignments", json=body, headers=admin)
    assert response.status_code == 409
    assert error_of(response)["code"] == "separation_of_duties"
    # The chair recommends: a decision maker acts.
    body = {"outcome": "advance", "rationale": "Nothing disqualifying was released.", "finding_ids": []}
    url = f"{API}/board/candidates/{world.candidate_id}/recommendations"
    assert client.post(url, json=body, headers=bearer(app, bw.chair)).status_code == 201

    response = client.get(f"{API}/audit/separation", headers=bearer(app, world.auditor))
    assert response.status_code == 200
    rows = {c["cycle_id"]: c for c in response.get_json()["cycles"]}
    assert set(rows) == {world.cycle_id, world.other_cycle_id}
    row = rows[world.cycle_id]
    assert row["title"] == "Patrol 2026"
    assert row["holds"] is True
    assert (row["overlap_by_assignment"], row["overlap_by_action"]) == ([], [])
    assert set(row["investigators"]) == {world.inv.id, bw.second.id}
    assert set(row["board_members"]) == {world.board.id, bw.member.id}
    assert set(row["searched_by"]) == {"Ivy Investigator", "Ines Second"}
    assert row["decided_by"] == ["Bo Board"]
    assert not set(row["searched_by"]) & set(row["decided_by"])
    refusals = [(r["actor"], r["what"]) for r in row["refusals"]]
    assert refusals == [
        (
            "Ivy Investigator",
            f"Refused release of finding {own} by its own author or editor: a second investigator must release it.",
        ),
        ("Ada Admin", "Refused to make Bo Board an investigator: is a board member here."),
    ]
    other = rows[world.other_cycle_id]
    assert (other["holds"], other["refusals"], other["decided_by"]) == (True, [], [])
    assert other["investigators"] == [world.outsider.id]

    login(client, world.auditor, clock)
    page = client.get("/audit/separation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Holds" in html
    assert "Broken" not in html
    assert "Refused attempts (2)" in html
    assert "Refused to make Bo Board an investigator: is a board member here." in html
    assert f"Refused release of finding {own} by its own author or editor" in html
    assert CANDIDATE_NAME not in html


# --- 3. the audit report PDF ---------------------------------------------------------------------------


@pytest.mark.parametrize("blind", [False, True], ids=["named", "blind"])
def test_audit_report_pdf_holds_the_sections_and_no_candidate_content(
    app: Flask, client: FlaskClient, clock: Clock, blind: bool
) -> None:
    opened = opened_world(app, client, blind=blind)
    world = opened.bw.world
    auditor = bearer(app, world.auditor)
    response = client.get(f"{API}/audit/cycles/{world.cycle_id}/report.pdf", headers=auditor)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    for heading in ("Audit report", "Patrol 2026", "Uniformity", "Separation of duties", "Adverse impact"):
        assert heading in text, heading
    assert "Audit chain OK" in text
    assert opened.code in text  # candidates appear by code
    assert "Evidence file" in text
    assert REASON[:30] in text  # the auditor's stated reason, in the access section (its cell wraps)
    assert "Ivy Investigator" in text
    assert "Bo Board" in text
    for raw in (*RAW, PROTECTED_SUMMARY):
        assert raw not in text, raw

    recorded = events(client, auditor, "audit.report_pdf")
    assert len(recorded) == 1
    assert (recorded[0]["subject_type"], recorded[0]["subject_id"]) == ("cycle", str(world.cycle_id))
    assert recorded[0]["actor_id"] == world.auditor.id
    assert recorded[0]["data"]["sha256"] == hashlib.sha256(response.data).hexdigest()

    # The console's link gives the same report, recorded again with its own hash.
    login(client, world.auditor, clock)
    page = client.get(f"/audit/cycles/{world.cycle_id}/report.pdf")
    assert page.status_code == 200
    assert page.mimetype == "application/pdf"
    assert page.data.startswith(b"%PDF")
    web_text = pdf_text(page.data)
    assert "Audit report" in web_text
    assert "Audit chain OK" in web_text
    for raw in RAW:
        assert raw not in web_text, raw
    recorded = events(client, auditor, "audit.report_pdf")
    assert len(recorded) == 2
    assert recorded[0]["data"]["sha256"] == hashlib.sha256(page.data).hexdigest()


def test_audit_report_pdf_is_refused_to_everyone_but_auditors(app: Flask, client: FlaskClient, clock: Clock) -> None:
    world = build_world(app)
    url = f"/audit/cycles/{world.cycle_id}/report.pdf"
    for person in (world.admin, world.inv, world.board, world.outsider):
        response = client.get(f"{API}{url}", headers=bearer(app, person))
        assert response.status_code == 403, person.email
        assert error_of(response)["code"] == "forbidden"
        assert not response.data.startswith(b"%PDF")
    for person in (world.admin, world.board):
        other = app.test_client()
        login(other, person, clock)
        response = other.get(url)
        assert response.status_code == 403, person.email
        assert not response.data.startswith(b"%PDF")
    assert events(client, bearer(app, world.auditor), "audit.report_pdf") == []
    missing = client.get(f"{API}/audit/cycles/999999/report.pdf", headers=bearer(app, world.auditor))
    assert missing.status_code == 404


# --- 4. the console pages ------------------------------------------------------------------------------


class Landmarks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1 = 0
        self.navs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            self.h1 += 1
        elif tag == "nav":
            self.navs.append(dict(attrs).get("aria-label"))


def landmarks(html: str) -> Landmarks:
    parser = Landmarks()
    parser.feed(html)
    parser.close()
    return parser


def test_the_auditor_console_pages_render_with_one_heading_and_the_console_nav(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    world = build_world(app)
    draft = new_cycle(app, world.admin.id, "Records clerk 2027")  # no checklist, nobody assigned
    login(client, world.auditor, clock)
    pages = {}
    for cycle_id in (world.cycle_id, world.other_cycle_id, draft):
        for url in (
            "/audit",
            "/audit/cycles",
            f"/audit/cycles/{cycle_id}/uniformity",
            f"/audit/cycles/{cycle_id}/adverse-impact",
            "/audit/access",
            "/audit/separation",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            found = landmarks(html)
            assert found.h1 == 1, url
            assert found.navs.count("Auditor's console") == 1, (url, found.navs)
            assert CANDIDATE_NAME not in html, url
            pages[url] = html

    listing = pages["/audit/cycles"]
    assert "Patrol 2026" in listing
    assert "Dispatch 2026" in listing
    busy = pages[f"/audit/cycles/{world.cycle_id}/uniformity"]
    assert code_of(app, world.candidate_id) in busy
    assert "No candidates in this cycle yet." not in busy
    # Empty states: the second cycle has no candidates.
    empty = pages[f"/audit/cycles/{world.other_cycle_id}/uniformity"]
    assert "No candidates in this cycle yet." in empty
    assert "Nothing to draw yet" in empty
    assert "No deviations" in empty
    impact = pages[f"/audit/cycles/{world.other_cycle_id}/adverse-impact"]
    assert "0 of 0 candidates" in impact
    assert "No final decisions on this axis yet." in impact
    assert "No raw content was opened in this period." in pages["/audit/access"]
    assert "None: no sensitive-position designation falls due in the next 30 days." in pages["/audit/access"]
    assert "nobody yet" in pages["/audit/separation"]
    assert "Records clerk 2027" in listing
    unpinned = pages[f"/audit/cycles/{draft}/uniformity"]
    assert "None pinned" in unpinned
    assert "No candidates in this cycle yet." in unpinned


def test_the_console_is_closed_to_other_roles(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    for person in (world.admin, world.inv, world.board):
        client = app.test_client()
        login(client, person, clock)
        for url in ("/audit", "/audit/access", "/audit/separation", f"/audit/cycles/{world.cycle_id}/uniformity"):
            assert client.get(url).status_code == 403, (person.email, url)
