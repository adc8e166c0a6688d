"""Every refusal of a rule is an audit event with ids and the error code, never the refused text
(issue 14, point 4; CJIS 5.4.1.1 asks for unsuccessful attempts too).

Each test makes the refused request from outside (the API) and then reads the audit log:
protected-class content in a rationale, a question or an answer (PC-01, ``firewall.refused``),
a searcher without a current designation (POL-03 / R4, ``designation.refused``), and the
refusals that were already audited (separation of duties, prohibited searches and
techniques, release) still carry their code.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.support import make_user, runtime_of
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import API, CANDIDATE_NAME, bearer, build_world, error_of, record_consent, resolve_api
from vetting.clock import utcnow
from vetting.models import AuditEvent, Role, SensitiveDesignation


def _events(app: Flask, name: str | None = None) -> list[AuditEvent]:
    with runtime_of(app).db.transaction() as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if name is not None:
            query = query.where(AuditEvent.event == name)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def _only_new(app: Flask, before: int) -> list[AuditEvent]:
    return [e for e in _events(app) if e.seq > before]


def _last_seq(app: Flask) -> int:
    events = _events(app)
    return events[-1].seq if events else 0


def _assert_no_text(events: list[AuditEvent], *words: str) -> None:
    for event in events:
        for word in words:
            assert word.lower() not in event.data.lower(), (event.event, word)


def _firewall_refusal(app: Flask, before: int) -> tuple[AuditEvent, dict[str, Any]]:
    new = _only_new(app, before)
    assert [e.event for e in new] == ["firewall.refused"], [e.event for e in new]
    return new[0], json.loads(new[0].data)


def test_a_refused_rationale_is_audited_without_its_words(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app)
    headers = bearer(app, bw.member)
    before = _last_seq(app)
    body = {"outcome": "do_not_advance", "rationale": "Candidate is too old for patrol work.", "finding_ids": []}
    response = client.post(
        f"{API}/board/candidates/{bw.world.candidate_id}/recommendations", json=body, headers=headers
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "protected_class_content"
    event, data = _firewall_refusal(app, before)
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        bw.member.id,
        "candidate",
        str(bw.world.candidate_id),
    )
    assert data == {"field": "rationale", "axes": ["age"], "code": "protected_class_content"}
    _assert_no_text([event], "too old", "patrol", "Candidate is")


def test_a_refused_decision_rationale_is_audited(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app)
    headers = bearer(app, bw.chair)
    before = _last_seq(app)
    body = {"outcome": "advance", "rationale": "She is pregnant, so the post does not matter.", "finding_ids": []}
    response = client.post(f"{API}/board/candidates/{bw.world.candidate_id}/decisions", json=body, headers=headers)
    assert response.status_code == 422
    event, data = _firewall_refusal(app, before)
    assert event.actor_id == bw.chair.id
    assert data["field"] == "rationale"
    assert data["code"] == "protected_class_content"
    _assert_no_text([event], "pregnant")


def _ask(client: FlaskClient, headers: dict[str, str], bw: BoardWorld, question: str) -> Any:
    return client.post(
        f"{API}/board/candidates/{bw.world.candidate_id}/questions",
        json={"finding_id": bw.findings[0], "question": question},
        headers=headers,
    )


def test_a_refused_question_and_answer_are_audited_without_their_words(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app)
    board, inv = bearer(app, bw.member), bearer(app, bw.world.inv)
    before = _last_seq(app)
    response = _ask(client, board, bw, "Does he attend a Catholic church near the referee's home?")
    assert response.status_code == 422
    event, data = _firewall_refusal(app, before)
    assert event.actor_id == bw.member.id
    assert (event.subject_type, event.subject_id) == ("candidate", str(bw.world.candidate_id))
    assert data == {"field": "question", "axes": ["religion"], "code": "protected_class_content"}
    _assert_no_text([event], "catholic", "church", "referee")

    asked = _ask(client, board, bw, "Was the threat repeated in later posts, or was it a single incident?")
    assert asked.status_code == 201, asked.get_data(as_text=True)
    before = _last_seq(app)
    response = client.post(
        f"{API}/questions/{asked.get_json()['id']}/answer",
        json={"answer": "She was pregnant at the time, which explains a lot."},
        headers=inv,
    )
    assert response.status_code == 422
    event, data = _firewall_refusal(app, before)
    assert event.actor_id == bw.world.inv.id
    assert data["field"] == "answer"
    assert data["code"] == "protected_class_content"
    assert data["axes"]
    assert all(isinstance(axis, str) for axis in data["axes"])
    _assert_no_text([event], "pregnant", "explains")


def test_a_name_in_a_blind_review_question_is_audited_without_the_name(app: Flask, client: FlaskClient) -> None:
    bw = build_board_world(app, blind=True)
    board = bearer(app, bw.member)
    before = _last_seq(app)
    response = _ask(client, board, bw, "Is the account really Casey's own account?")
    assert response.status_code == 422
    event, data = _firewall_refusal(app, before)
    assert data["axes"] == ["identity"]
    _assert_no_text([event], "casey")


def test_a_lapsed_designation_is_refused_and_audited(app: Flask, client: FlaskClient) -> None:
    """POL-03 / R4: the search tools answer 409 designation_required, and the attempt is in the log."""
    world = build_world(app)
    headers = bearer(app, world.inv)
    with runtime_of(app).db.transaction() as session:
        session.execute(
            update(SensitiveDesignation)
            .where(SensitiveDesignation.user_id == world.inv.id)
            .values(review_date=utcnow().date() - timedelta(days=1))
        )
    for method, url in (
        ("GET", f"{API}/candidates/{world.candidate_id}"),
        ("POST", f"{API}/cycles/{world.cycle_id}/candidates"),
    ):
        before = _last_seq(app)
        response = client.open(url, method=method, json={"name": "Nina New"}, headers=headers)
        assert response.status_code == 409, response.get_data(as_text=True)
        assert error_of(response)["code"] == "designation_required"
        new = _only_new(app, before)
        assert [e.event for e in new] == ["designation.refused"], url
        assert new[0].actor_id == world.inv.id
        data = json.loads(new[0].data)
        assert data["code"] == "designation_required"
        assert data["action"] in {"investigate", "candidates.manage"}
        _assert_no_text(new, "Nina", CANDIDATE_NAME)


def test_assigning_an_undesignated_investigator_is_refused_and_audited(app: Flask, client: FlaskClient) -> None:
    world = build_world(app)
    newcomer = make_user(app, "new@x.test", Role.INVESTIGATOR, name="Nell Newcomer", designation=False)
    admin = bearer(app, world.admin)
    before = _last_seq(app)
    response = client.post(
        f"{API}/cycles/{world.cycle_id}/assignments",
        json={"user_id": newcomer.id, "role": "investigator"},
        headers=admin,
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "designation_required"
    new = _only_new(app, before)
    assert [e.event for e in new] == ["designation.refused"]
    assert (new[0].actor_id, new[0].subject_type, new[0].subject_id) == (world.admin.id, "cycle", str(world.cycle_id))
    assert json.loads(new[0].data) == {
        "user_id": newcomer.id,
        "requested": "investigator",
        "code": "designation_required",
    }


def test_the_refusals_audited_before_carry_their_code(app: Flask, client: FlaskClient) -> None:
    """Separation of duties, prohibited searches and techniques: one event each, with the code."""
    world = build_world(app)
    admin = bearer(app, world.admin)
    response = client.post(
        f"{API}/cycles/{world.cycle_id}/assignments",
        json={"user_id": world.inv.id, "role": "board_member"},
        headers=admin,
    )
    assert response.status_code == 409
    assert json.loads(_events(app, "assignment.refused")[-1].data)["code"] == "separation_of_duties"

    record_consent(app, world.inv, world.candidate_id)
    inv = bearer(app, world.inv)
    for overrides, event_name, code in (
        ({"query": f"{CANDIDATE_NAME} cancer"}, "search.refused", "prohibited_search"),
        ({"technique": "P3"}, "technique.refused", "prohibited_technique"),
    ):
        before = _last_seq(app)
        response = resolve_api(client, inv, world.candidate_id, world.items[0], **overrides)
        assert response.status_code == 422
        assert error_of(response)["code"] == code
        new = _only_new(app, before)
        assert [e.event for e in new] == [event_name]
        assert json.loads(new[0].data)["code"] == code
        _assert_no_text(new, "cancer", "Casey")
