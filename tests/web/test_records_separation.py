"""Separation of duties from the records side (issue 15 point 7; R2 extended to records, POL-01).

A records officer never acts on the records of a cycle they search or decide in (``records_refusal``);
these tests try the other direction: whoever placed or released a hold over a cycle, proposed or
approved a disposition or minimisation of its candidates, worked on a records request whose scope
includes it or made a production of its candidates is refused a duty in it (409
``separation_of_duties``, audited ``assignment.refused``), through the API and the web form, in
one statement whatever the number of acts; an unrelated cycle still takes them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support import Clock, Person, login, make_user, post_form, runtime_of, statements
from tests.web.board_world import build_board_world
from tests.web.helpers import db
from tests.web.records_world import production_body, proposed_minimisation
from tests.web.world import API, World, add_finding, bearer, build_world, error_of, record_consent, user_in
from vetting.clock import today
from vetting.models import (
    Assignment,
    AuditEvent,
    Candidate,
    Cycle,
    Disposition,
    DispositionStatus,
    Job,
    JobKind,
    RecordsRequest,
    Role,
)
from vetting.services import audit_log, cycles, holds, records_requests, retention, separation

HOLD = {"matter": "Doe v. City", "reference": "2:26-cv-0001", "reason": "EEOC charge filed by a rejected candidate"}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def dual(app: Flask) -> Person:
    """A records officer who may also sit on boards and search (the roles allow it; the cycle decides)."""
    return make_user(app, "dual@x.test", Role.RECORDS_OFFICER, Role.BOARD_MEMBER, Role.INVESTIGATOR, name="Dana Dual")


@pytest.fixture
def second(app: Flask) -> Person:
    return make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Sam Second")


def assign(client: FlaskClient, app: Flask, world: World, person: Person, cycle_id: int, role: str) -> object:
    return client.post(
        f"{API}/cycles/{cycle_id}/assignments",
        json={"user_id": person.id, "role": role},
        headers=bearer(app, world.admin),
    )


def refusals(app: Flask) -> list[dict[str, object]]:
    with db(app) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event == "assignment.refused"))
        return [audit_log.event_data(e) for e in rows]


def duties(app: Flask, user_id: int) -> list[int]:
    with db(app) as session:
        return list(session.scalars(select(Assignment.cycle_id).where(Assignment.user_id == user_id)))


# --- each kind of records act --------------------------------------------------------------------


def _hold(app: Flask, placer: Person, **scope: object) -> int:
    with runtime_of(app).db.transaction() as session:
        return holds.place_hold(session, user_in(session, placer), holds.HoldInput(**HOLD, **scope)).id  # type: ignore[arg-type]


def hold_on_cycle(app: Flask, world: World, dual: Person, second: Person) -> None:
    _hold(app, dual, cycle_ids=[world.cycle_id])


def hold_on_candidate(app: Flask, world: World, dual: Person, second: Person) -> None:
    _hold(app, dual, candidate_ids=[world.candidate_id])


def hold_on_position(app: Flask, world: World, dual: Person, second: Person) -> None:
    _hold(app, dual, positions=[holds.PositionScope("PATROL officer", today())])


def hold_released(app: Flask, world: World, dual: Person, second: Person) -> None:
    hold_id = _hold(app, second, cycle_ids=[world.cycle_id])
    with runtime_of(app).db.transaction() as session:
        holds.release_hold(session, user_in(session, dual), hold_id, "The charge was dismissed for good")


def disposition_approved(app: Flask, world: World, dual: Person, second: Person) -> None:
    with runtime_of(app).db.transaction() as session:
        candidate = session.get(Candidate, world.candidate_id)
        assert candidate is not None
        session.add(
            Disposition(
                candidate_id=candidate.id,
                cycle_id=candidate.cycle_id,
                candidate_code=candidate.code,
                status=DispositionStatus.PROPOSED,
                retention_class="candidate_file",
                trigger_date=today(),
                due_on=today(),
                citation=retention.EEO_CITATION,
                proposed_by_id=second.id,
                approved_by_id=dual.id,
                files_deleted=0,
            )
        )


def minimisation_proposed(app: Flask, world: World, dual: Person, second: Person) -> None:
    record_consent(app, world.inv, world.candidate_id)
    proposed_minimisation(app, dual, add_finding(app, world.inv, world.candidate_id, world.items[0]))


def _request(app: Flask, person: Person, **scope: object) -> None:
    data = records_requests.RequestInput(
        requester_name="Pat Press",
        requester_contact="pat@press.test",
        received_on=today(),
        description="Every record of the 2026 patrol hiring",
        **scope,  # type: ignore[arg-type]
    )
    with runtime_of(app).db.transaction() as session:
        records_requests.log_request(
            session, user_in(session, person), data, response_days=10, default_statute="Cal. Gov. Code § 7920"
        )


def request_of_cycle(app: Flask, world: World, dual: Person, second: Person) -> None:
    _request(app, dual, cycle_ids=[world.cycle_id])


def request_of_candidate(app: Flask, world: World, dual: Person, second: Person) -> None:
    _request(app, dual, candidate_ids=[world.candidate_id])


def production_made(app: Flask, world: World, dual: Person, second: Person) -> None:
    with runtime_of(app).db.transaction() as session:
        session.add(
            Job(kind=JobKind.PRODUCTION, requested_by_id=dual.id, parameters=production_body(world.candidate_id))
        )


ACTS: list[tuple[Callable[[Flask, World, Person, Person], None], str, str]] = [
    (hold_on_cycle, "hold", "placed or released a legal hold over it"),
    (hold_on_candidate, "hold", "placed or released a legal hold over it"),
    (hold_on_position, "hold", "placed or released a legal hold over it"),
    (hold_released, "hold", "placed or released a legal hold over it"),
    (disposition_approved, "disposition", "proposed or approved the disposition of one of its candidates"),
    (minimisation_proposed, "minimisation", "proposed or approved the minimisation of one of its findings"),
    (request_of_cycle, "records_request", "worked on a public-records request whose scope includes it"),
    (request_of_candidate, "records_request", "worked on a public-records request whose scope includes it"),
    (production_made, "production", "made a production bundle of its candidates"),
]


@pytest.mark.parametrize(("act", "key", "says"), ACTS, ids=[a[0].__name__ for a in ACTS])
@pytest.mark.parametrize("role", ["board_member", "investigator"])
def test_whoever_handled_a_cycles_records_is_refused_a_duty_in_it(
    app: Flask,
    client: FlaskClient,
    world: World,
    dual: Person,
    second: Person,
    act: Callable[[Flask, World, Person, Person], None],
    key: str,
    says: str,
    role: str,
) -> None:
    """PRODUCT.md §2: a records officer never sits on a board or investigates in a cycle whose records
    they handle. The API answers 409 separation_of_duties, names the act and audits the refusal."""
    act(app, world, dual, second)
    response = assign(client, app, world, dual, world.cycle_id, role)
    assert response.status_code == 409, response.get_json()  # type: ignore[attr-defined]
    error = error_of(response)  # type: ignore[arg-type]
    assert error["code"] == "separation_of_duties"
    assert says in error["message"]
    assert "Dana Dual handled this cycle's records" in error["message"]
    assert world.cycle_id not in duties(app, dual.id)
    [audited] = refusals(app)
    assert audited["user_id"] == dual.id
    assert audited["requested"] == role
    assert audited["records"] == [key]
    assert audited["code"] == "separation_of_duties"

    # The auditors' separation report lists the refusal for what it was.
    with db(app) as session:
        [report] = separation.report(session, user_in(session, world.auditor), world.cycle_id)
    assert any("handled this cycle's records" in r.what for r in report.refusals)

    # A cycle for another position, whose records they never handled, still takes them.
    with runtime_of(app).db.transaction() as session:
        unrelated = cycles.create_cycle(
            session, user_in(session, world.admin), title="Dispatch 2027", position="Dispatcher", blind_review=False
        ).id
    allowed = assign(client, app, world, dual, unrelated, role)
    assert allowed.status_code == 201, allowed.get_json()  # type: ignore[attr-defined]


def test_a_records_officer_who_never_handled_the_cycle_is_assigned(
    app: Flask, client: FlaskClient, world: World, dual: Person, second: Person
) -> None:
    """Someone else's acts do not count against them: holds, requests and productions by another person."""
    _hold(app, second, cycle_ids=[world.cycle_id])
    _request(app, second, cycle_ids=[world.cycle_id])
    production_made(app, world, second, dual)
    response = assign(client, app, world, dual, world.cycle_id, "board_member")
    assert response.status_code == 201, response.get_json()  # type: ignore[attr-defined]
    assert refusals(app) == []


def test_the_check_is_one_statement_whatever_the_number_of_acts(
    app: Flask, world: World, dual: Person, second: Person
) -> None:
    """Issue 17: the records check is one SQL statement, however many holds or requests there are."""
    counts = []
    for n in range(2):
        for _ in range(n * 3):
            _hold(app, second, cycle_ids=[world.cycle_id])
            _request(app, second, candidate_ids=[world.candidate_id])
            production_made(app, world, second, dual)
        with db(app) as session:
            cycle = session.get(Cycle, world.cycle_id)
            assert cycle is not None
            with statements(app) as seen:
                assert cycles.records_handled(session, cycle, dual.id) == []
            counts.append(len(seen))
    assert counts == [1, 1]


def test_the_web_form_refuses_with_the_reason(
    app: Flask, world: World, dual: Person, second: Person, clock: Clock
) -> None:
    hold_on_cycle(app, world, dual, second)
    client = app.test_client()
    login(client, world.admin, clock)
    url = f"/admin/cycles/{world.cycle_id}"
    response = post_form(client, f"{url}/assignments", {"user_id": dual.id, "duty": "board_member"}, page=url)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Dana Dual handled this cycle&#39;s records (placed or released a legal hold over it)" in page
    assert '<div class="alert alert--error" role="alert">' in page
    assert world.cycle_id not in duties(app, dual.id)
    assert len(refusals(app)) == 1
    with db(app) as session:
        assert session.scalar(select(func.count()).select_from(Assignment).where(Assignment.user_id == dual.id)) == 0


@pytest.mark.parametrize("dual_acts", ["decides_an_item", "approves"])
def test_the_approver_or_an_item_decider_of_a_records_request_is_refused_its_cycles_board(
    app: Flask, client: FlaskClient, dual: Person, second: Person, dual_acts: str
) -> None:
    """RET-10 and R2: whoever decided an item of a request's working copy, or approved its release,
    handled the records of the cycles in its scope."""
    bw = build_board_world(app)
    world = bw.world
    rt = runtime_of(app)
    _request(app, second, cycle_ids=[world.cycle_id])
    with rt.db.transaction() as session:
        preparer = user_in(session, second)
        request_id = session.scalars(select(RecordsRequest.id)).one()
        copy = records_requests.working_copy(session, preparer, rt.security, request_id)
        for n, item in enumerate(copy.items):
            by = user_in(session, dual) if dual_acts == "decides_an_item" and n == 0 else preparer
            records_requests.set_exemption(
                session, by, request_id, item.finding.release_id, "withhold", "confidential_background_file"
            )
    if dual_acts == "approves":
        with rt.db.transaction() as session:
            records_requests.prepare_release(session, user_in(session, second), request_id)
        with rt.db.transaction() as session:
            records_requests.approve_release(session, user_in(session, dual), request_id)
    response = assign(client, app, world, dual, world.cycle_id, "board_member")
    assert response.status_code == 409, response.get_json()  # type: ignore[attr-defined]
    assert "worked on a public-records request whose scope includes it" in error_of(response)["message"]  # type: ignore[arg-type]
    assert refusals(app)[0]["records"] == ["records_request"]
