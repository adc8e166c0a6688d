"""Notices to the candidate and the candidate's responses, through the JSON API (issue 5).

FCRA-06 (before an adverse decision the candidate gets a copy of what it relies on, and in
FCRA mode the CFPB Summary of Rights), FCRA-07 (a window of business days that restarts
when the board relies on something the candidate was not told of), FCRA-08 (the final
adverse-action notice names the agency, says it did not decide, the 60-day free copy and
the right to dispute), FCRA-09/POL-06 (a dispute names findings in the notice), PC-01 (the
notice holds released, redacted text only; the candidate's own words reach the board with
protected information redacted). PDF text is read with pdftotext.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from tests.support import Clock, make_user, runtime_of
from tests.web.board_world import BoardWorld, build_board_world, deliver_by_hand, set_rules
from tests.web.helpers import pdf_text
from tests.web.world import API, bearer, error_of, user_in
from vetting.models import AuditEvent, Candidate, Decision, DecisionRule, DecisionStatus, Duty, Role
from vetting.services import audit_log, cycles

CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."
#: Protected words of board_world.PROTECTED_SUMMARY that the board (and so the notice) never shows.
RAW_WORDS = ("baby shower", "St. Mary", "Mary's", "parish")
#: What the candidate wrote back: the same protected information, in their own words.
RESPONSE = "I was at my baby shower at St. Mary's parish that day; I never threatened anyone."
CRA = {"cra_name": "Acme Screening LLC", "cra_address": "1 Report Way, Austin TX 78701", "cra_phone": "1-800-555-0100"}


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _decide(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: Any) -> TestResponse:
    payload = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1], **body}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", json=payload, headers=headers)


def _propose(client: FlaskClient, app: Flask, bw: BoardWorld, finding_ids: list[int] | None = None) -> dict[str, Any]:
    """The chair recommends and proposes not to advance, and an investigator hands the notice over the
    same day (its window starts then: issue 16 point 3); the decision's JSON with its due date."""
    chair = bearer(app, bw.chair)
    cited = bw.findings[:1] if finding_ids is None else finding_ids
    body = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": cited}
    url = f"{API}/board/candidates/{bw.world.candidate_id}/recommendations"
    assert client.post(url, json=body, headers=chair).status_code == 201
    proposed = _decide(client, chair, bw, finding_ids=cited)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    assert proposed.get_json()["status"] == "proposed"
    decision: dict[str, Any] = proposed.get_json()
    assert decision["response_due"] is None  # not delivered yet
    notice_id = decision["board"]["notices"][-1]["id"]
    decision["response_due"] = deliver_by_hand(client, app, bw.world.inv, notice_id)["response_due"]
    return decision


def _repropose(client: FlaskClient, app: Flask, bw: BoardWorld, finding_ids: list[int]) -> dict[str, Any]:
    """The chair proposes again on other findings; the new notice is handed over the same day."""
    again = _decide(client, bearer(app, bw.chair), bw, finding_ids=finding_ids)
    assert again.status_code == 201, again.get_data(as_text=True)
    body: dict[str, Any] = again.get_json()
    assert body["status"] == "proposed"
    body["response_due"] = deliver_by_hand(client, app, bw.world.inv, body["board"]["notices"][-1]["id"])[
        "response_due"
    ]
    return body


def _notice(client: FlaskClient, headers: dict[str, str], notice_id: int) -> TestResponse:
    return client.get(f"{API}/notices/{notice_id}.pdf", headers=headers)


def _respond(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: Any) -> TestResponse:
    payload = {"kind": "response", "text": "The post was a joke and I regret it.", "received_on": "2026-11-02", **body}
    return client.post(f"{API}/candidates/{bw.world.candidate_id}/responses", json=payload, headers=headers)


def _rendered(app: Flask) -> list[dict[str, Any]]:
    with runtime_of(app).db.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "notice.rendered").order_by(AuditEvent.seq)
        )
        return [audit_log.event_data(e) | {"actor_id": e.actor_id} for e in events]


def _code(app: Flask, candidate_id: int) -> str:
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        return candidate.code


def _statuses(app: Flask, candidate_id: int) -> list[tuple[DecisionStatus, date | None]]:
    """Each decision row's status and response due date (a withdrawn proposal keeps its own)."""
    with runtime_of(app).db.transaction() as session:
        rows = session.scalars(select(Decision).where(Decision.candidate_id == candidate_id).order_by(Decision.id))
        return [(d.status, d.response_due) for d in rows]


# --- the pre-decision notice ---------------------------------------------------------------


def test_the_pre_decision_notice_holds_released_redacted_text_and_the_due_date(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """FCRA-06 + PC-01: a copy of what the board relied on, exactly as released to it."""
    proposal = _propose(client, app, bw, bw.findings)
    notice = proposal["board"]["notices"][0]
    assert notice["document"] == f"/api/v1/notices/{notice['id']}.pdf"
    response = _notice(client, bearer(app, bw.chair), notice["id"])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.data)
    assert "Pre-decision notice" in text
    assert "[redacted]" in text
    assert "then threatened a neighbour" in text
    assert "Threatened a referee after a game." in text
    for raw in RAW_WORDS:
        assert raw not in text, raw
    assert "social.example" not in text  # the source URL stays with the investigators
    assert "Monday 09 November 2026" in text  # the end of the response window
    assert "5 business days" in text
    assert "Notice date 2026-11-02" in text
    assert "Patrol officer" in text
    assert "Casey Candidate" in text  # a named cycle: the notice is addressed to the candidate
    assert "Fair Credit Reporting Act" not in text  # FCRA mode is off


def test_the_notice_lists_only_the_findings_the_decision_relies_on(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    proposal = _propose(client, app, bw, bw.findings[1:])
    text = pdf_text(_notice(client, bearer(app, bw.chair), proposal["board"]["notices"][0]["id"]).data)
    assert "Information relied on (1)" in text
    assert f"finding {bw.findings[1]}" in text
    assert "neighbour" not in text


def test_the_notice_is_for_the_cycles_board_and_investigators_only(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    for person in (bw.member, bw.world.inv, bw.second):
        response = _notice(client, bearer(app, person), notice_id)
        assert response.status_code == 200, person.email
        assert "[redacted]" in pdf_text(response.data)
    stranger = make_user(app, "board9@x.test", Role.BOARD_MEMBER, name="Bert Elsewhere")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(
            session, user_in(session, bw.world.admin), bw.world.other_cycle_id, stranger.id, Duty.BOARD_MEMBER
        )
    rendered = len(_rendered(app))
    for person in (bw.world.auditor, bw.world.admin, bw.world.outsider, stranger):
        refused = _notice(client, bearer(app, person), notice_id)
        assert refused.status_code == 404, person.email
        assert refused.mimetype == "application/json"
    assert _notice(client, bearer(app, bw.chair), 999_999).status_code == 404
    assert len(_rendered(app)) == rendered  # a refused render is not a render


def test_each_render_is_audited_with_the_sha256_of_the_bytes_returned(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    assert _rendered(app) == []
    first = _notice(client, bearer(app, bw.chair), notice_id)
    clock.advance(minutes=5)
    second = _notice(client, bearer(app, bw.world.inv), notice_id)
    events = _rendered(app)
    assert len(events) == 2
    for event, response, person in zip(events, (first, second), (bw.chair, bw.world.inv), strict=True):
        assert event["sha256"] == hashlib.sha256(response.data).hexdigest()
        assert event["bytes"] == len(response.data)
        assert event["notice"] == notice_id
        assert event["kind"] == "pre_decision"
        assert event["actor_id"] == person.id


def test_in_a_blind_cycle_the_boards_notice_names_the_candidate_by_code(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app, blind=True)
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    text = pdf_text(_notice(client, bearer(app, bw.chair), notice_id).data)
    assert _code(app, bw.world.candidate_id) in text
    assert "Casey" not in text
    assert "[redacted]" in text


# --- FCRA mode ----------------------------------------------------------------------------------


def test_in_fcra_mode_the_notices_carry_the_statutory_content(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """FCRA-06: the Summary of Rights with the pre-decision notice; FCRA-08: the four items of
    the final adverse-action notice."""
    set_rules(app, bw.world, bw.chair, fcra_mode=True, **CRA)
    proposal = _propose(client, app, bw)
    chair = bearer(app, bw.chair)
    notice = proposal["board"]["notices"][0]
    assert notice["fcra"] is True
    pre = pdf_text(_notice(client, chair, notice["id"]).data)
    assert "Summary of Your Rights Under the Fair Credit Reporting Act" in pre
    assert CRA["cra_name"] in pre
    clock.advance(days=8)  # Tuesday 10 November: the window has passed
    final = _decide(client, chair, bw)
    assert final.status_code == 201, final.get_data(as_text=True)
    notices = final.get_json()["board"]["notices"]
    assert [n["kind"] for n in notices] == ["pre_decision", "adverse_action"]
    assert notices[1]["response_due"] is None
    text = pdf_text(_notice(client, chair, notices[1]["id"]).data)
    assert "Final adverse-action notice" in text
    assert CRA["cra_name"] in text
    assert CRA["cra_address"] in text
    assert CRA["cra_phone"] in text
    assert f"{CRA['cra_name']} did not make this decision" in text
    assert "unable to tell you why" in text
    assert "60 days" in text
    assert "dispute" in text
    assert "[redacted]" in text
    for raw in RAW_WORDS:
        assert raw not in text, raw


def test_without_fcra_mode_the_final_notice_has_no_agency_statements(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    _propose(client, app, bw)
    clock.advance(days=8)
    final = _decide(client, bearer(app, bw.chair), bw)
    notice = final.get_json()["board"]["notices"][1]
    assert notice["fcra"] is False
    text = pdf_text(_notice(client, bearer(app, bw.chair), notice["id"]).data)
    assert "Final adverse-action notice" in text
    assert "did not make this decision" not in text
    assert "Fair Credit Reporting Act" not in text


def test_a_notice_keeps_the_agency_details_it_was_issued_with(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """Changing the cycle's settings afterwards does not rewrite a notice already given."""
    set_rules(app, bw.world, bw.chair, fcra_mode=True, **CRA)
    notice_id = _propose(client, app, bw)["board"]["notices"][0]["id"]
    set_rules(app, bw.world, bw.chair, fcra_mode=True, **(CRA | {"cra_name": "Other Reports Inc"}))
    text = pdf_text(_notice(client, bearer(app, bw.chair), notice_id).data)
    assert CRA["cra_name"] in text
    assert "Other Reports Inc" not in text
    set_rules(app, bw.world, bw.chair, fcra_mode=False)
    assert "Summary of Your Rights" in pdf_text(_notice(client, bearer(app, bw.chair), notice_id).data)


# --- the candidate's response ---------------------------------------------------------------------


def test_the_board_reads_the_candidates_response_redacted_and_investigators_as_written(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """PC-01: the candidate's own words may carry protected information; the board reads them
    through the firewall, the investigators who recorded them read them as written."""
    _propose(client, app, bw)
    inv = bearer(app, bw.world.inv)
    recorded = _respond(client, inv, bw, text=RESPONSE)
    assert recorded.status_code == 201, recorded.get_data(as_text=True)
    assert recorded.get_json()["kind"] == "response"
    assert "text" not in recorded.get_json()

    board = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", headers=bearer(app, bw.member))
    assert board.status_code == 200
    [seen] = board.get_json()["responses"]
    assert "[redacted]" in seen["text"]
    assert "I never threatened anyone." in seen["text"]
    for raw in ("baby shower", "Mary's parish"):
        assert raw not in seen["text"], raw
        assert raw not in board.get_data(as_text=True), raw

    investigators = client.get(f"{API}/candidates/{bw.world.candidate_id}/board", headers=bearer(app, bw.second))
    assert investigators.status_code == 200, investigators.get_data(as_text=True)
    assert [r["text"] for r in investigators.get_json()["responses"]] == [RESPONSE]
    # And neither side crosses over.
    assert (
        client.get(f"{API}/candidates/{bw.world.candidate_id}/board", headers=bearer(app, bw.chair)).status_code == 403
    )
    outsider = client.get(f"{API}/candidates/{bw.world.candidate_id}/board", headers=bearer(app, bw.world.outsider))
    assert outsider.status_code in {403, 404}


def test_in_a_blind_cycle_the_board_reads_the_response_without_the_candidates_name(
    app: Flask, client: FlaskClient
) -> None:
    bw = build_board_world(app, blind=True)
    _propose(client, app, bw)
    written = "This is Casey Candidate writing: the account @casey_c was hacked that week."
    assert _respond(client, bearer(app, bw.world.inv), bw, text=written).status_code == 201
    board = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", headers=bearer(app, bw.chair))
    text = board.get_json()["responses"][0]["text"]
    assert "Casey" not in text
    assert "casey_c" not in text
    assert "hacked that week" in text


@pytest.mark.parametrize(
    ("received_on", "days"),
    [("2026-11-01", 0), ("2026-10-15", 3), ("2026-11-03", 0), ("2026-11-06", 3)],
    ids=["day-before-notice", "long-before", "tomorrow", "after-today"],
)
def test_a_response_dated_before_the_notice_or_in_the_future_is_refused(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld, received_on: str, days: int
) -> None:
    _propose(client, app, bw)
    clock.advance(days=days)
    response = _respond(client, bearer(app, bw.world.inv), bw, received_on=received_on)
    assert response.status_code == 422
    assert error_of(response)["field"] == "received_on"


def test_a_response_dated_from_the_notice_day_to_today_is_accepted(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    _propose(client, app, bw)
    clock.advance(days=3)
    inv = bearer(app, bw.world.inv)
    for received_on in ("2026-11-02", "2026-11-05"):
        response = _respond(client, inv, bw, received_on=received_on)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json()["received_on"] == received_on


def test_a_blank_response_is_refused(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    _propose(client, app, bw)
    response = _respond(client, bearer(app, bw.world.inv), bw, text="   \n  ")
    assert response.status_code == 422
    assert error_of(response)["field"] == "text"


def test_a_dispute_names_findings_of_the_notice_only(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """FCRA-09: the candidate disputes what they were told; the notice cites finding A only."""
    notice_id = _propose(client, app, bw, bw.findings[:1])["board"]["notices"][0]["id"]
    inv = bearer(app, bw.world.inv)
    for kind, cited in (
        ("dispute", bw.findings[1:]),
        ("dispute", bw.findings),
        ("dispute", []),
        ("response", bw.findings[:1]),
    ):
        refused = _respond(client, inv, bw, kind=kind, finding_ids=cited)
        assert refused.status_code == 422, (kind, cited)
        assert error_of(refused)["field"] == "finding_ids"
    accepted = _respond(client, inv, bw, kind="dispute", text="That account is not mine.", finding_ids=bw.findings[:1])
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert accepted.get_json()["notice_id"] == notice_id
    assert accepted.get_json()["finding_ids"] == bw.findings[:1]


def test_responses_are_recorded_by_the_cycles_investigators_only(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    _propose(client, app, bw)
    for person in (bw.chair, bw.world.admin, bw.world.auditor):
        assert _respond(client, bearer(app, person), bw).status_code == 403, person.email
    assert _respond(client, bearer(app, bw.world.outsider), bw).status_code in {403, 404}


def test_a_response_without_a_pending_notice_is_409(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    inv = bearer(app, bw.world.inv)
    before = _respond(client, inv, bw)
    assert before.status_code == 409
    assert error_of(before)["code"] == "no_pending_notice"
    _propose(client, app, bw)
    clock.advance(days=8)
    assert _decide(client, bearer(app, bw.chair), bw).get_json()["status"] == "final"
    after = _respond(client, inv, bw, received_on="2026-11-09")
    assert after.status_code == 409
    assert error_of(after)["code"] == "no_pending_notice"


def test_a_favourable_decision_withdraws_the_proposal_and_closes_the_window(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    _propose(client, app, bw)
    chair = bearer(app, bw.chair)
    url = f"{API}/board/candidates/{bw.world.candidate_id}/recommendations"
    body = {"outcome": "advance", "rationale": "On reflection the post does not bear on the job.", "finding_ids": []}
    assert client.post(url, json=body, headers=chair).status_code == 201
    advanced = _decide(client, chair, bw, **body)
    assert advanced.status_code == 201, advanced.get_data(as_text=True)
    assert advanced.get_json()["status"] == "final"
    assert advanced.get_json()["board"]["proposal"] is None
    assert _statuses(app, bw.world.candidate_id) == [
        (DecisionStatus.WITHDRAWN, date(2026, 11, 9)),
        (DecisionStatus.FINAL, None),
    ]
    assert error_of(_respond(client, bearer(app, bw.world.inv), bw))["code"] == "no_pending_notice"


# --- a proposal that relies on something new ----------------------------------------------------


def test_relying_on_a_finding_not_in_the_notice_proposes_afresh(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """FCRA-06/07: the candidate must be told of finding B and given a whole window for it."""
    first = _propose(client, app, bw, bw.findings[:1])
    assert first["response_due"] == "2026-11-09"
    clock.advance(days=2)  # Wednesday 4 November
    chair = bearer(app, bw.chair)
    body = _repropose(client, app, bw, bw.findings[1:])
    assert body["id"] != first["id"]
    assert body["response_due"] == "2026-11-11"  # Wednesday 4 + 5 business days
    body["board"] = client.get(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", headers=chair).get_json()
    notices = body["board"]["notices"]
    assert [(n["kind"], n["decision_id"], n["response_due"]) for n in notices] == [
        ("pre_decision", first["id"], "2026-11-09"),
        ("pre_decision", body["id"], "2026-11-11"),
    ]
    assert body["board"]["proposal"]["id"] == body["id"]
    assert body["board"]["proposal"]["finding_ids"] == bw.findings[1:]
    assert _statuses(app, bw.world.candidate_id) == [
        (DecisionStatus.WITHDRAWN, date(2026, 11, 9)),
        (DecisionStatus.PROPOSED, date(2026, 11, 11)),
    ]
    text = pdf_text(_notice(client, chair, notices[1]["id"]).data)
    assert "Threatened a referee after a game." in text
    assert "Wednesday 11 November 2026" in text
    # Responses now answer the new notice, and may dispute finding B.
    dispute = _respond(client, bearer(app, bw.world.inv), bw, kind="dispute", text="Not me at that game.",
                       received_on="2026-11-04", finding_ids=bw.findings[1:])  # fmt: skip
    assert dispute.status_code == 201, dispute.get_data(as_text=True)
    assert dispute.get_json()["notice_id"] == notices[1]["id"]


def test_the_new_window_runs_from_the_new_notice(app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld) -> None:
    _propose(client, app, bw, bw.findings[:1])
    clock.advance(days=2)  # Wednesday 4 November
    chair = bearer(app, bw.chair)
    assert _repropose(client, app, bw, bw.findings)["response_due"] == "2026-11-11"
    clock.advance(days=6)  # Tuesday 10 November: the first window would have passed
    early = _decide(client, chair, bw, finding_ids=bw.findings)
    assert early.status_code == 409
    assert error_of(early)["code"] == "response_window_open"
    clock.advance(days=2)  # Thursday 12 November
    final = _decide(client, chair, bw, finding_ids=bw.findings)
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"


def test_citing_fewer_findings_than_the_notice_does_not_restart_the_window(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    _propose(client, app, bw, bw.findings)
    clock.advance(days=8)
    final = _decide(client, bearer(app, bw.chair), bw, finding_ids=bw.findings[:1])
    assert final.get_json()["status"] == "final"
    assert final.get_json()["board"]["decision"]["finding_ids"] == bw.findings[:1]


def test_an_open_dispute_still_pauses_the_decision_after_a_new_proposal(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """FCRA-09, POL-06: the candidate disputed finding A; the board then also relies on B.
    Finding A is still disputed and not re-validated: the final decision must wait."""
    _propose(client, app, bw, bw.findings[:1])
    dispute = _respond(client, bearer(app, bw.world.inv), bw, kind="dispute", text="That account is not mine.",
                       finding_ids=bw.findings[:1])  # fmt: skip
    assert dispute.status_code == 201
    chair = bearer(app, bw.chair)
    reproposed = _decide(client, chair, bw, finding_ids=bw.findings)
    assert reproposed.get_json()["status"] == "proposed"
    assert reproposed.get_json()["board"]["disputed_finding_ids"] == bw.findings[:1]
    clock.advance(days=10)
    paused = _decide(client, chair, bw, finding_ids=bw.findings)
    assert paused.status_code == 409, paused.get_data(as_text=True)
    assert error_of(paused)["code"] == "dispute_pending"


def test_the_majority_rule_issues_the_same_notice(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """Whoever records the proposal, the notice is the same document for the candidate."""
    set_rules(app, bw.world, None, decision_rule=DecisionRule.MAJORITY)
    proposal = _propose(client, app, bw)
    text = pdf_text(_notice(client, bearer(app, bw.member), proposal["board"]["notices"][0]["id"]).data)
    assert "Pre-decision notice" in text
    assert "Monday 09 November 2026" in text


def test_a_finding_refuted_on_revalidation_cannot_carry_the_decision(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """POL-06, FCRA-09: the candidate was right; the refuted finding leaves the board's view and
    the final decision cannot rely on it, while the finding left standing still can."""
    _propose(client, app, bw, bw.findings)
    inv = bearer(app, bw.world.inv)
    dispute = _respond(client, inv, bw, kind="dispute", text="The referee post is not mine.",
                       finding_ids=bw.findings[1:])  # fmt: skip
    assert dispute.status_code == 201, dispute.get_data(as_text=True)
    body = {"method": "second_source", "result": "contradicts", "notes": "The account belongs to a namesake."}
    assert client.post(f"{API}/findings/{bw.findings[1]}/validations", json=body, headers=inv).status_code == 201
    closed = client.post(
        f"{API}/responses/{dispute.get_json()['id']}/close", json={"notes": "Refuted: not the candidate."}, headers=inv
    )
    assert closed.status_code == 200, closed.get_data(as_text=True)
    clock.advance(days=8)
    chair = bearer(app, bw.chair)
    refused = _decide(client, chair, bw, finding_ids=bw.findings)
    assert refused.status_code == 422
    assert error_of(refused)["field"] == "finding_ids"
    final = _decide(client, chair, bw, finding_ids=bw.findings[:1])
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"
    assert final.get_json()["board"]["decision"]["finding_ids"] == bw.findings[:1]
