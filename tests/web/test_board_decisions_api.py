"""Recommendations, decisions and the candidate's notice through the JSON API (issue 5).

R1 (decide only on a complete search), R2/POL-01 (only the board; the chair rule), R3/PC-01
(rationales screened), FCRA-06/07/09 (notice, window of business days, dispute pauses).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock, runtime_of
from tests.web.board_world import BoardWorld, build_board_world, complete, deliver_by_hand, release_finding
from tests.web.world import API, add_finding, bearer, error_of, user_in
from vetting.models import Finding, MentionResolution, ValidationResult
from vetting.services import findings

CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _decide(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: object):  # type: ignore[no-untyped-def]
    payload = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1], **body}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", json=payload, headers=headers)


def _recommend(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: object):  # type: ignore[no-untyped-def]
    payload = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1], **body}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/recommendations", json=payload, headers=headers)


def test_a_rationale_with_protected_class_words_is_refused_with_the_reason(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """PC-01: 'too old for patrol work' is an age judgement; the reason names the words."""
    headers = bearer(app, bw.member)
    response = _recommend(client, headers, bw, rationale="Candidate is too old for patrol work.", finding_ids=[])
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "protected_class_content"
    assert error["field"] == "rationale"
    assert "too old" in error["message"]
    assert "(age)" in error["message"]
    accepted = _recommend(client, headers, bw)
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert accepted.get_json()["board"]["recommendations"][0]["finding_ids"] == bw.findings[:1]


def test_only_released_findings_can_be_cited(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    response = _recommend(client, bearer(app, bw.member), bw, finding_ids=[bw.findings[0] + 1000])
    assert response.status_code == 422
    assert error_of(response)["field"] == "finding_ids"


def test_an_adverse_decision_waits_for_the_response_window(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """FCRA-06/07: proposed with a notice whose window starts when it is delivered; 409
    notice_not_delivered until then, response_window_open until 5 business days after it."""
    chair = bearer(app, bw.chair)
    assert _recommend(client, chair, bw).status_code == 201
    proposed = _decide(client, chair, bw)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    body = proposed.get_json()
    assert body["status"] == "proposed"
    assert body["response_due"] is None  # Monday 2 November: issued, not delivered
    notice = body["board"]["notices"][0]
    assert notice["kind"] == "pre_decision"
    assert notice["delivered_at"] is None
    undelivered = _decide(client, chair, bw)
    assert undelivered.status_code == 409
    assert error_of(undelivered)["code"] == "notice_not_delivered"
    clock.advance(days=1)  # Tuesday 3 November: handed over
    delivered = deliver_by_hand(client, app, bw.world.inv, notice["id"])
    # Tuesday 3 November 2026 + 5 business days = Tuesday 10 November.
    assert delivered["response_due"] == "2026-11-10"
    assert delivered["delivered_via"] == "hand"
    early = _decide(client, chair, bw)
    assert early.status_code == 409
    assert error_of(early)["code"] == "response_window_open"
    clock.advance(days=7)  # Tuesday 10 November: the last day of the window
    assert error_of(_decide(client, chair, bw))["code"] == "response_window_open"
    clock.advance(days=1)
    final = _decide(client, chair, bw)
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"
    assert [n["kind"] for n in final.get_json()["board"]["notices"]] == ["pre_decision", "adverse_action"]
    again = _decide(client, chair, bw)
    assert error_of(again)["code"] == "decision_final"


def test_a_dispute_pauses_the_decision_until_revalidated(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    """FCRA-09, POL-06: the disputed finding goes back to investigators; the decision waits."""
    chair, inv = bearer(app, bw.chair), bearer(app, bw.world.inv)
    _recommend(client, chair, bw)
    proposed = _decide(client, chair, bw)
    assert proposed.status_code == 201
    deliver_by_hand(client, app, bw.world.inv, proposed.get_json()["board"]["notices"][0]["id"])
    clock.advance(days=1)
    dispute = client.post(
        f"{API}/candidates/{bw.world.candidate_id}/responses",
        json={"kind": "dispute", "text": "That account is not mine.", "received_on": "2026-11-03",
              "finding_ids": bw.findings[:1]},
        headers=inv,
    )  # fmt: skip
    assert dispute.status_code == 201, dispute.get_data(as_text=True)
    clock.advance(days=9)
    paused = _decide(client, chair, bw)
    assert paused.status_code == 409
    assert error_of(paused)["code"] == "dispute_pending"
    close = client.post(
        f"{API}/responses/{dispute.get_json()['id']}/close", json={"notes": "Checked again."}, headers=inv
    )
    assert error_of(close)["code"] == "revalidation_required"
    validation = client.post(
        f"{API}/findings/{bw.findings[0]}/validations",
        json={"method": "second_source", "result": ValidationResult.CORROBORATES.value, "notes": "Same account."},
        headers=inv,
    )
    assert validation.status_code == 201
    closed = client.post(
        f"{API}/responses/{dispute.get_json()['id']}/close", json={"notes": "Re-validated: the account is hers."},
        headers=inv,
    )  # fmt: skip
    assert closed.status_code == 200, closed.get_data(as_text=True)
    assert _decide(client, chair, bw).status_code == 201


def test_only_the_chair_records_the_decision(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    member = bearer(app, bw.member)
    _recommend(client, member, bw)
    refused = _decide(client, member, bw, outcome="advance", finding_ids=[])
    assert refused.status_code == 403
    investigator = _decide(client, bearer(app, bw.world.inv), bw)
    assert investigator.status_code == 403


def test_a_favourable_decision_is_final_at_once(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    chair = bearer(app, bw.chair)
    assert _recommend(client, chair, bw, outcome="advance", finding_ids=[]).status_code == 201
    response = _decide(
        client, chair, bw, outcome="advance", finding_ids=[], rationale="No finding relied on; record is clean."
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["status"] == "final"


def test_no_decision_before_the_search_is_complete(app: Flask, client: FlaskClient) -> None:
    """R1: a candidate reaches a decision only when every checklist item is resolved."""
    bw = build_board_world(app, complete_search=False)
    response = _recommend(client, bearer(app, bw.chair), bw)
    assert response.status_code == 409
    assert error_of(response)["code"] == "search_not_complete"


def test_words_two_investigators_cleared_in_the_cited_release_pass(app: Flask, client: FlaskClient) -> None:
    """Issue 13 / R3: a rationale may repeat what the released finding it cites says ("putting a man in
    hospital"), once the author marked the word not protected and a second investigator released it;
    the same words without that citation are still refused."""
    bw = build_board_world(app, complete_search=False)
    world = bw.world
    fid = add_finding(
        app, world.inv, world.candidate_id, world.items[0], summary="Threatened to put a man in hospital after a game."
    )
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        actor = user_in(session, world.inv)
        finding = session.get(Finding, fid)
        assert finding is not None
        [man] = [m.id for m in finding.mentions if m.resolution is None]
        findings.resolve_mention(
            session, actor, rt.security, fid, man, MentionResolution.NOT_PROTECTED, "Not about the candidate."
        )
    release_finding(app, world.inv, bw.second, fid)
    complete(app, world.inv, world.candidate_id)
    rationale = "Relied on the threat to put a man in hospital; conduct unbecoming an officer."
    headers = bearer(app, bw.member)
    uncited = _recommend(client, headers, bw, rationale=rationale, finding_ids=[bw.findings[1]])
    assert uncited.status_code == 422
    assert "“man”" in error_of(uncited)["message"]
    cited = _recommend(client, headers, bw, rationale=rationale, finding_ids=[fid])
    assert cited.status_code == 201, cited.get_data(as_text=True)
    too_old = _recommend(client, headers, bw, rationale="Too old to put a man in hospital.", finding_ids=[fid])
    assert too_old.status_code == 422  # only the cleared words pass: "too old" is still an age judgement
