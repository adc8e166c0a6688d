"""How a cycle's board decides, and the agency's holidays, through the JSON API (issue 5).

POL-01 (only the cycle's board decides: the chair, or any member under the majority rule),
FCRA-07 (a response window of at least 5 business days; agency holidays do not count),
FCRA-08 (FCRA mode needs the consumer reporting agency's name, address and telephone).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support import Clock, make_user, runtime_of
from tests.web.board_world import BoardWorld, build_board_world, deliver_by_hand
from tests.web.helpers import count
from tests.web.world import API, bearer, error_of, user_in
from vetting.models import AuditEvent, Cycle, CycleStatus, Duty, Role
from vetting.services import cycles

CITED = "Relied on the threat recorded in the released finding; conduct unbecoming an officer."


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


def _rules(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: Any) -> TestResponse:
    payload: dict[str, Any] = {
        "decision_rule": "chair",
        "decision_quorum": 1,
        "chair_user_id": bw.chair.id,
        "response_days": 5,
        **body,
    }
    return client.put(f"{API}/cycles/{bw.world.cycle_id}/board-rules", json=payload, headers=headers)


def _decide(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: Any) -> TestResponse:
    payload = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1], **body}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", json=payload, headers=headers)


def _delivered(client: FlaskClient, app: Flask, bw: BoardWorld, proposed: TestResponse) -> dict[str, Any]:
    """A proposal whose notice the chair hands over the same day (its window starts: issue 16
    point 3): the proposal's JSON with the due date and the board's record after delivery."""
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    body: dict[str, Any] = proposed.get_json()
    assert body["response_due"] is None
    body["response_due"] = deliver_by_hand(client, app, bw.chair, body["board"]["notices"][-1]["id"])["response_due"]
    url = f"{API}/board/candidates/{bw.world.candidate_id}/decisions"
    body["board"] = client.get(url, headers=bearer(app, bw.chair)).get_json()
    return body


def _recommend(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, **body: Any) -> TestResponse:
    payload = {"outcome": "do_not_advance", "rationale": CITED, "finding_ids": bw.findings[:1], **body}
    return client.post(f"{API}/board/candidates/{bw.world.candidate_id}/recommendations", json=payload, headers=headers)


def _stored(app: Flask, cycle_id: int) -> dict[str, Any]:
    """The cycle's board rules as stored (read in a transaction of its own)."""
    with runtime_of(app).db.transaction() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        return {"chair_id": cycle.chair_id, "response_days": cycle.response_days, "fcra_mode": cycle.fcra_mode}


# --- the rules --------------------------------------------------------------------------------


def test_an_administrator_sets_the_rules_and_the_cycle_shows_them(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    rules_body = {"decision_rule": "majority", "decision_quorum": 2, "chair_user_id": bw.member.id, "response_days": 10}
    response = _rules(client, bearer(app, bw.world.admin), bw, **rules_body)
    assert response.status_code == 200, response.get_data(as_text=True)
    rules = response.get_json()["board_rules"]
    assert rules["decision_rule"] == "majority"
    assert rules["decision_quorum"] == 2
    assert rules["chair_user_id"] == bw.member.id
    assert rules["response_days"] == 10
    assert rules["fcra_mode"] is False
    assert rules["cra_name"] is None
    again = client.get(f"{API}/cycles/{bw.world.cycle_id}", headers=bearer(app, bw.world.admin))
    assert again.get_json()["board_rules"] == rules
    # The world's own rules, then these.
    assert count(app, AuditEvent, AuditEvent.event == "cycle.board_rules_changed") == 2


@pytest.mark.parametrize("days", [4, 0, -5, 61])
def test_a_response_window_outside_5_to_60_business_days_is_refused(
    app: Flask, client: FlaskClient, bw: BoardWorld, days: int
) -> None:
    """FCRA-07: never fewer than 5 business days."""
    response = _rules(client, bearer(app, bw.world.admin), bw, response_days=days)
    assert response.status_code == 422
    assert error_of(response)["field"] == "response_days"
    assert _stored(app, bw.world.cycle_id)["response_days"] == 5


def test_the_chair_must_be_a_current_board_member_of_the_cycle(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    admin = bearer(app, bw.world.admin)
    stranger = make_user(app, "board9@x.test", Role.BOARD_MEMBER, name="Bert Elsewhere")
    with runtime_of(app).db.transaction() as session:
        actor = user_in(session, bw.world.admin)
        cycles.assign(session, actor, bw.world.other_cycle_id, stranger.id, Duty.BOARD_MEMBER)
        cycles.unassign(session, actor, bw.world.cycle_id, bw.member.id)
    # An investigator of the cycle, a board member of another cycle, a former board member, no one.
    for chair in (bw.world.inv.id, stranger.id, bw.member.id, 999_999):
        response = _rules(client, admin, bw, chair_user_id=chair)
        assert response.status_code == 422, chair
        error = error_of(response)
        assert error["field"] == "chair_user_id"
        assert "current board member" in error["message"]
    assert _stored(app, bw.world.cycle_id)["chair_id"] == bw.chair.id


def test_the_chair_rule_needs_a_chair(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    admin = bearer(app, bw.world.admin)
    response = _rules(client, admin, bw, chair_user_id=None)
    assert response.status_code == 422
    assert error_of(response)["field"] == "chair_user_id"
    majority = _rules(client, admin, bw, decision_rule="majority", chair_user_id=None)
    assert majority.status_code == 200, majority.get_data(as_text=True)
    assert majority.get_json()["board_rules"]["chair_user_id"] is None


@pytest.mark.parametrize(
    ("missing", "body"),
    [
        ("cra_name", {"cra_address": "1 Report Way, Austin TX", "cra_phone": "1-800-555-0100"}),
        ("cra_name", {"cra_name": "   ", "cra_address": "1 Report Way, Austin TX", "cra_phone": "1-800-555-0100"}),
        ("cra_address", {"cra_name": "Acme Screening", "cra_phone": "1-800-555-0100"}),
        ("cra_phone", {"cra_name": "Acme Screening", "cra_address": "1 Report Way, Austin TX"}),
    ],
)
def test_fcra_mode_needs_the_agencys_name_address_and_telephone(
    app: Flask, client: FlaskClient, bw: BoardWorld, missing: str, body: dict[str, str]
) -> None:
    """FCRA-08: the final adverse-action notice must name the agency and how to reach it."""
    response = _rules(client, bearer(app, bw.world.admin), bw, fcra_mode=True, **body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == missing
    assert _stored(app, bw.world.cycle_id)["fcra_mode"] is False


def test_fcra_mode_with_the_agency_details_is_kept_and_cleared_when_turned_off(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    admin = bearer(app, bw.world.admin)
    agency = {"cra_name": " Acme Screening ", "cra_address": "1 Report Way, Austin TX", "cra_phone": "1-800-555-0100"}
    on = _rules(client, admin, bw, fcra_mode=True, **agency)
    assert on.status_code == 200, on.get_data(as_text=True)
    rules = on.get_json()["board_rules"]
    assert (rules["fcra_mode"], rules["cra_name"], rules["cra_phone"]) == (True, "Acme Screening", "1-800-555-0100")
    off = _rules(client, admin, bw, fcra_mode=False, **agency)
    assert off.get_json()["board_rules"]["cra_name"] is None


def test_only_an_administrator_sets_the_rules(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    for person in (bw.chair, bw.member, bw.world.inv, bw.world.auditor):
        response = _rules(client, bearer(app, person), bw, response_days=30)
        assert response.status_code == 403, person.email
    assert _stored(app, bw.world.cycle_id)["response_days"] == 5


def test_the_rules_of_a_closed_cycle_cannot_change(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    with runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user_in(session, bw.world.admin), bw.world.cycle_id, CycleStatus.CLOSED)
    response = _rules(client, bearer(app, bw.world.admin), bw, response_days=30)
    assert response.status_code == 409
    assert error_of(response)["code"] == "cycle_closed"
    assert _stored(app, bw.world.cycle_id)["response_days"] == 5


def test_rules_of_an_unknown_cycle_are_404(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    response = client.put(
        f"{API}/cycles/999999/board-rules",
        json={"decision_rule": "majority", "decision_quorum": 1},
        headers=bearer(app, bw.world.admin),
    )
    assert response.status_code == 404


# --- holidays ----------------------------------------------------------------------------------


def test_holidays_are_listed_added_and_removed(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    admin = bearer(app, bw.world.admin)
    assert client.get(f"{API}/holidays", headers=admin).get_json() == {"holidays": []}
    later = client.post(f"{API}/holidays", json={"day": "2026-11-26", "name": "Thanksgiving"}, headers=admin)
    earlier = client.post(f"{API}/holidays", json={"day": "2026-11-11", "name": "Veterans Day"}, headers=admin)
    assert later.status_code == 201
    assert earlier.status_code == 201
    assert earlier.get_json()["day"] == "2026-11-11"
    listed = client.get(f"{API}/holidays", headers=admin).get_json()["holidays"]
    assert [(h["day"], h["name"]) for h in listed] == [("2026-11-11", "Veterans Day"), ("2026-11-26", "Thanksgiving")]
    duplicate = client.post(f"{API}/holidays", json={"day": "2026-11-11", "name": "Again"}, headers=admin)
    assert duplicate.status_code == 409
    assert error_of(duplicate)["code"] == "holiday_exists"
    removed = client.delete(f"{API}/holidays/{earlier.get_json()['id']}", headers=admin)
    assert removed.status_code == 200
    listed = client.get(f"{API}/holidays", headers=admin).get_json()["holidays"]
    assert [h["day"] for h in listed] == ["2026-11-26"]
    assert client.delete(f"{API}/holidays/{earlier.get_json()['id']}", headers=admin).status_code == 404
    again = client.post(f"{API}/holidays", json={"day": "2026-11-11", "name": "Veterans Day"}, headers=admin)
    assert again.status_code == 201


@pytest.mark.parametrize(
    "body",
    [{"day": "2026-11-31", "name": "No such day"}, {"day": "2026-11-11", "name": ""}, {"name": "No day"}],
    ids=["bad-date", "no-name", "no-day"],
)
def test_a_bad_holiday_is_422(app: Flask, client: FlaskClient, bw: BoardWorld, body: dict[str, str]) -> None:
    response = client.post(f"{API}/holidays", json=body, headers=bearer(app, bw.world.admin))
    assert response.status_code == 422


def test_only_an_administrator_manages_holidays(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    admin = bearer(app, bw.world.admin)
    holiday = client.post(f"{API}/holidays", json={"day": "2026-11-11", "name": "Veterans Day"}, headers=admin)
    for person in (bw.chair, bw.world.inv, bw.world.auditor):
        headers = bearer(app, person)
        assert client.get(f"{API}/holidays", headers=headers).status_code == 403, person.email
        added = client.post(f"{API}/holidays", json={"day": "2026-11-12", "name": "Mine"}, headers=headers)
        assert added.status_code == 403, person.email
        removed = client.delete(f"{API}/holidays/{holiday.get_json()['id']}", headers=headers)
        assert removed.status_code == 403, person.email
    assert len(client.get(f"{API}/holidays", headers=admin).get_json()["holidays"]) == 1


# --- the window the rules and holidays give ---------------------------------------------------


def test_a_holiday_inside_the_window_pushes_the_due_date(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """FCRA-07: Monday 2 November + 5 business days with Wednesday 4 a holiday = Tuesday 10."""
    admin, chair = bearer(app, bw.world.admin), bearer(app, bw.chair)
    added = client.post(f"{API}/holidays", json={"day": "2026-11-04", "name": "Agency day"}, headers=admin)
    assert added.status_code == 201
    assert _recommend(client, chair, bw).status_code == 201
    body = _delivered(client, app, bw, _decide(client, chair, bw))
    assert body["response_due"] == "2026-11-10"
    assert body["board"]["notices"][0]["response_due"] == "2026-11-10"


def test_removing_a_holiday_does_not_shorten_a_window_already_given(
    app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld
) -> None:
    admin, chair = bearer(app, bw.world.admin), bearer(app, bw.chair)
    holiday = client.post(f"{API}/holidays", json={"day": "2026-11-04", "name": "Agency day"}, headers=admin)
    _recommend(client, chair, bw)
    assert _delivered(client, app, bw, _decide(client, chair, bw))["response_due"] == "2026-11-10"
    assert client.delete(f"{API}/holidays/{holiday.get_json()['id']}", headers=admin).status_code == 200
    clock.advance(days=8)  # Tuesday 10 November: still inside the window given
    early = _decide(client, chair, bw)
    assert early.status_code == 409
    assert error_of(early)["code"] == "response_window_open"
    clock.advance(days=1)
    assert _decide(client, chair, bw).get_json()["status"] == "final"


def test_a_longer_window_from_the_rules(app: Flask, client: FlaskClient, clock: Clock, bw: BoardWorld) -> None:
    """Seven business days from Monday 2 November: Wednesday 11 November."""
    chair = bearer(app, bw.chair)
    assert _rules(client, bearer(app, bw.world.admin), bw, response_days=7).status_code == 200
    _recommend(client, chair, bw)
    assert _delivered(client, app, bw, _decide(client, chair, bw))["response_due"] == "2026-11-11"
    clock.advance(days=9)  # Wednesday 11 November
    assert error_of(_decide(client, chair, bw))["code"] == "response_window_open"
    clock.advance(days=1)
    assert _decide(client, chair, bw).get_json()["status"] == "final"


# --- the majority rule and the quorum --------------------------------------------------------


def test_majority_rule_needs_the_quorum_and_the_majority_outcome(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """Under the majority rule any member of the cycle's board records the decision, once the
    quorum of recommendations is in, and only for the outcome most of them recommend."""
    majority = _rules(client, bearer(app, bw.world.admin), bw, decision_rule="majority", decision_quorum=2,
                      chair_user_id=None)  # fmt: skip
    assert majority.status_code == 200, majority.get_data(as_text=True)
    chair, member = bearer(app, bw.chair), bearer(app, bw.member)
    assert _recommend(client, chair, bw).status_code == 201
    early = _decide(client, member, bw)
    assert early.status_code == 409
    assert error_of(early)["code"] == "quorum_not_met"
    # One for, one against: a tie is no majority for either outcome.
    assert _recommend(client, member, bw, outcome="advance", finding_ids=[]).status_code == 201
    for outcome, cited in (("do_not_advance", bw.findings[:1]), ("advance", [])):
        tie = _decide(client, member, bw, outcome=outcome, finding_ids=cited)
        assert tie.status_code == 409, outcome
        assert error_of(tie)["code"] == "not_majority_outcome"
    # The member changes their mind: two of two against.
    assert _recommend(client, member, bw).status_code == 201
    minority = _decide(client, member, bw, outcome="advance", finding_ids=[])
    assert minority.status_code == 409
    assert error_of(minority)["code"] == "not_majority_outcome"
    decided = _decide(client, member, bw)  # a member who is not the chair
    assert decided.status_code == 201, decided.get_data(as_text=True)
    assert decided.get_json()["status"] == "proposed"
    assert decided.get_json()["board"]["rule"] == {"decision_rule": "majority", "quorum": 2, "chair_user_id": None}


def test_needs_more_information_counts_in_the_majority(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """Two of three is a majority; one 'do not advance' among three is not."""
    _rules(client, bearer(app, bw.world.admin), bw, decision_rule="majority", decision_quorum=2, chair_user_id=None)
    third = make_user(app, "board3@x.test", Role.BOARD_MEMBER, name="Bjorn Board")
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user_in(session, bw.world.admin), bw.world.cycle_id, third.id, Duty.BOARD_MEMBER)
    chair, member, other = bearer(app, bw.chair), bearer(app, bw.member), bearer(app, third)
    _recommend(client, chair, bw)
    _recommend(client, member, bw, outcome="needs_more_information", finding_ids=[])
    assert error_of(_decide(client, chair, bw))["code"] == "not_majority_outcome"
    _recommend(client, other, bw, outcome="advance", finding_ids=[])
    assert error_of(_decide(client, other, bw, outcome="advance", finding_ids=[]))["code"] == "not_majority_outcome"
    _recommend(client, member, bw, outcome="advance", finding_ids=[])
    final = _decide(client, other, bw, outcome="advance", finding_ids=[], rationale="No finding relied on at all.")
    assert final.status_code == 201, final.get_data(as_text=True)
    assert final.get_json()["status"] == "final"


def test_the_quorum_counts_only_current_board_members(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    """A member who leaves the board no longer counts toward the quorum."""
    _rules(client, bearer(app, bw.world.admin), bw, decision_quorum=2)
    chair = bearer(app, bw.chair)
    _recommend(client, chair, bw)
    _recommend(client, bearer(app, bw.member), bw)
    with runtime_of(app).db.transaction() as session:
        cycles.unassign(session, user_in(session, bw.world.admin), bw.world.cycle_id, bw.member.id)
    response = _decide(client, chair, bw)
    assert response.status_code == 409
    assert error_of(response)["code"] == "quorum_not_met"


def test_an_investigator_never_decides_even_under_the_majority_rule(
    app: Flask, client: FlaskClient, bw: BoardWorld
) -> None:
    """POL-01: only the cycle's board holds the decision."""
    _rules(client, bearer(app, bw.world.admin), bw, decision_rule="majority", chair_user_id=None)
    _recommend(client, bearer(app, bw.chair), bw)
    for person in (bw.world.inv, bw.second):
        assert _decide(client, bearer(app, person), bw).status_code == 403, person.email


# --- the chair leaves -------------------------------------------------------------------------


def test_unassigning_the_chair_clears_the_chair(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    admin = bearer(app, bw.world.admin)
    removed = client.delete(f"{API}/cycles/{bw.world.cycle_id}/assignments/{bw.chair.id}", headers=admin)
    assert removed.status_code == 200, removed.get_data(as_text=True)
    cycle = client.get(f"{API}/cycles/{bw.world.cycle_id}", headers=admin).get_json()
    assert cycle["board_rules"]["chair_user_id"] is None
    assert cycle["board_rules"]["decision_rule"] == "chair"
    # No one can record the decision until an administrator names a new chair.
    member = bearer(app, bw.member)
    assert _recommend(client, member, bw).status_code == 201
    refused = _decide(client, member, bw)
    assert refused.status_code == 403
    assert "no chair" in error_of(refused)["message"]
    named = _rules(client, admin, bw, chair_user_id=bw.member.id)
    assert named.status_code == 200, named.get_data(as_text=True)
    assert _decide(client, member, bw).status_code == 201


def test_unassigning_another_member_keeps_the_chair(app: Flask, client: FlaskClient, bw: BoardWorld) -> None:
    admin = bearer(app, bw.world.admin)
    assert (
        client.delete(f"{API}/cycles/{bw.world.cycle_id}/assignments/{bw.member.id}", headers=admin).status_code == 200
    )
    cycle = client.get(f"{API}/cycles/{bw.world.cycle_id}", headers=admin).get_json()
    assert cycle["board_rules"]["chair_user_id"] == bw.chair.id
