"""Legal holds on the real database (issue 15 point 2; RET-02, RET-03).

A hold's scope reaches whole cycles, single candidates, or every candidate added for a position
over a date range (RET-02: "those of other candidates for the same position"); a held candidate's
records are never edited away; a hold is released only by a second person; bad input is refused
naming the field and leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import Clock, Person, make_user, runtime_of, statements
from tests.web.world import World, add_candidate, add_finding, build_world, record_consent, resolve, user_in
from vetting.clock import today
from vetting.errors import Conflict, DomainError, Forbidden, SeparationOfDuties, ValidationFailed
from vetting.models import AuditEvent, Candidate, Duty, HoldScope, LegalHold, Role
from vetting.services import cycles, findings, holds, investigation
from vetting.services.paging import PageRequest

REASON = "EEOC charge filed by a rejected candidate"


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def officer(app: Flask) -> Person:
    return make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")


@pytest.fixture
def second(app: Flask) -> Person:
    return make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Sam Second")


def run(app: Flask, person: Person, action: Callable[[Session, Any], Any]) -> Any:
    with runtime_of(app).db.transaction() as session:
        return action(session, user_in(session, person))


def place(app: Flask, person: Person, **scope: Any) -> int:
    data = holds.HoldInput(matter="Doe v. City", reference="2:26-cv-0001", reason=REASON, **scope)
    return int(run(app, person, lambda s, u: holds.place_hold(s, u, data).id))


def held(app: Flask) -> set[int]:
    with runtime_of(app).db.transaction() as session:
        return set(session.scalars(holds.held_candidate_ids()))


def counts(app: Flask) -> tuple[int, int]:
    with runtime_of(app).db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(LegalHold)) or 0,
            session.scalar(select(func.count()).select_from(HoldScope)) or 0,
        )


def test_a_position_and_date_range_holds_the_other_candidates_for_that_position(
    app: Flask, world: World, officer: Person, clock: Clock
) -> None:
    """RET-02: a hold on the position over the dates of the contested hiring reaches every
    candidate added for it then, in every cycle for that position, and nobody before, after or
    for another position."""
    dispatch = run(
        app,
        world.admin,
        lambda s, u: cycles.create_cycle(s, u, title="Dispatch", position="Dispatcher", blind_review=False).id,
    )
    before = world.candidate_id  # added on the first day
    clock.advance(days=10)
    start = today()
    same_cycle = add_candidate(app, world.inv, world.cycle_id, "Pat Same")
    other_cycle = add_candidate(app, world.outsider, world.other_cycle_id, "Lee Other")
    other_position = add_candidate(app, world.admin, dispatch, "Kim Dispatcher")
    clock.advance(days=5)
    end = today()
    clock.advance(days=1)
    after = add_candidate(app, world.inv, world.cycle_id, "Ray After")

    place(app, officer, positions=[holds.PositionScope("patrol OFFICER ", start, end)])

    assert held(app) == {same_cycle, other_cycle}
    assert not held(app) & {before, other_position, after}
    with runtime_of(app).db.transaction() as session:
        found = holds.holdings(session, [same_cycle, after])
    assert [(h.candidate_id, h.matter) for h in found] == [(same_cycle, "Doe v. City")]


def test_an_open_range_holds_later_candidates_too(app: Flask, world: World, officer: Person, clock: Clock) -> None:
    place(app, officer, positions=[holds.PositionScope("Patrol officer", today())])
    clock.advance(days=40)
    later = add_candidate(app, world.inv, world.cycle_id, "Ray Later")
    assert later in held(app)


def test_cycles_and_candidates_are_held_and_released_by_a_second_person(
    app: Flask, world: World, officer: Person, second: Person
) -> None:
    other = add_candidate(app, world.outsider, world.other_cycle_id, "Lee Other")
    hold_id = place(app, officer, cycle_ids=[world.cycle_id], candidate_ids=[other])
    assert held(app) == {world.candidate_id, other}

    with pytest.raises(Conflict) as refused:
        run(app, officer, lambda s, u: holds.release_hold(s, u, hold_id, "Charge dismissed with prejudice"))
    assert refused.value.code == "second_person_required"
    assert held(app) == {world.candidate_id, other}
    with runtime_of(app).db.transaction() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.event == "hold.release_refused")).all()
    assert [(e.actor_id, json.loads(e.data)["code"]) for e in refusals] == [(officer.id, "second_person_required")]

    with pytest.raises(ValidationFailed) as short:
        run(app, second, lambda s, u: holds.release_hold(s, u, hold_id, "done"))
    assert short.value.field == "reason"

    run(app, second, lambda s, u: holds.release_hold(s, u, hold_id, "Charge dismissed with prejudice"))
    assert held(app) == set()
    with pytest.raises(Conflict) as again:
        run(app, officer, lambda s, u: holds.release_hold(s, u, hold_id, "Charge dismissed with prejudice"))
    assert again.value.code == "hold_released"
    detail = run(app, world.auditor, lambda s, u: holds.get_hold(s, u, hold_id))
    assert (detail.hold.released_by, detail.hold.placed_by) == ("Sam Second", "Rita Records")
    assert detail.held_total == 2  # whom it held, still told after its release


@pytest.mark.parametrize(
    ("scope", "field", "named"),
    [
        ({}, "scope", "scope"),
        ({"cycle_ids": [999]}, "cycle_ids", "999"),
        ({"candidate_ids": [998, 999]}, "candidate_ids", "998, 999"),
        ({"positions": [holds.PositionScope("Astronaut", today())]}, "positions[0].position", "Astronaut"),
        ({"positions": [holds.PositionScope("", today())]}, "positions[0].position", "position"),
        (
            {"positions": [holds.PositionScope("Patrol officer", today(), today() - timedelta(days=1))]},
            "positions[0].to_date",
            "before it starts",
        ),
    ],
)
def test_bad_scopes_are_refused_naming_the_field_and_nothing_is_half_applied(
    app: Flask, world: World, officer: Person, scope: dict[str, Any], field: str, named: str
) -> None:
    # A valid part beside the bad one: it must not be written either.
    valid = {"cycle_ids": [world.cycle_id]} if scope and "cycle_ids" not in scope else {}
    with pytest.raises(ValidationFailed) as refused:
        place(app, officer, **valid, **scope)
    assert refused.value.field == field
    assert named in refused.value.message
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"matter": " "}, "matter"),
        ({"reference": ""}, "reference"),
        ({"reason": "short"}, "reason"),
        ({"matter": "M" * 201}, "matter"),
    ],
)
def test_bad_matter_fields_are_refused_naming_them(
    app: Flask, world: World, officer: Person, fields: dict[str, str], field: str
) -> None:
    data = holds.HoldInput(
        **{"matter": "Doe v. City", "reference": "R-1", "reason": REASON, **fields}, cycle_ids=[world.cycle_id]
    )
    with pytest.raises(ValidationFailed) as refused:
        run(app, officer, lambda s, u: holds.place_hold(s, u, data))
    assert refused.value.field == field
    assert counts(app) == (0, 0)


def test_a_review_date_in_the_past_is_refused(app: Flask, world: World, officer: Person) -> None:
    with pytest.raises(ValidationFailed) as refused:
        place(app, officer, cycle_ids=[world.cycle_id], review_by=today() - timedelta(days=1))
    assert refused.value.field == "review_by"


@pytest.mark.parametrize("who", ["inv", "board", "auditor"])
def test_only_administrators_and_records_officers_place_holds(app: Flask, world: World, who: str) -> None:
    with pytest.raises(Forbidden):
        place(app, getattr(world, who), cycle_ids=[world.cycle_id])
    assert counts(app) == (0, 0)
    place(app, world.admin, cycle_ids=[world.cycle_id])  # the administrator may


def test_a_records_officer_never_holds_a_cycle_they_decide_in(app: Flask, world: World) -> None:
    """R2 extended to records: a board member of the cycle who is also a records officer."""
    both = make_user(app, "both@x.test", Role.RECORDS_OFFICER, Role.BOARD_MEMBER)
    run(app, world.admin, lambda s, u: cycles.assign(s, u, world.cycle_id, both.id, Duty.BOARD_MEMBER))
    with pytest.raises(SeparationOfDuties):
        place(app, both, candidate_ids=[world.candidate_id])
    place(app, both, cycle_ids=[world.other_cycle_id])


def test_a_held_candidates_records_are_not_edited_away(app: Flask, world: World, officer: Person) -> None:
    """RET-02/03: editing or withdrawing a finding, or resolving an item again, is refused with
    409 legal_hold naming the matter; new work (a first resolution, a new finding) goes on."""
    record_consent(app, world.inv, world.candidate_id)
    resolve(app, world.inv, world.candidate_id, world.items[0])
    finding_id = add_finding(app, world.inv, world.candidate_id, world.items[0])
    place(app, officer, candidate_ids=[world.candidate_id])
    rt = runtime_of(app)

    def edit(session: Session, user: Any) -> Any:
        view = findings.get_finding(session, user, rt.security, finding_id)
        data = findings.FindingInput(
            item_id=view.item_id,
            source_url=view.source_url,
            platform=view.platform,
            content_date=view.content_date,
            captured_at=None,
            summary="A different summary now",
            excerpt=view.excerpt,
            category=view.category,
            authorship=view.authorship,
            identity_basis=view.identity_basis,
        )
        return findings.update_finding(session, user, rt.security, finding_id, data)

    attempts: list[Callable[[Session, Any], Any]] = [
        edit,
        lambda s, u: findings.withdraw_finding(s, u, rt.security, finding_id, "Wrong person entirely, refuted"),
        lambda s, u: investigation.resolve_item(
            s,
            u,
            rt.security,
            world.candidate_id,
            world.items[0],
            investigation.ResolutionInput(
                status=investigation.ResolutionStatus.NO_RESULTS,
                technique_code="A1",
                attestation=True,
                searches=[investigation.SearchInput('"Casey Candidate"', "Search engine", 0)],
            ),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            run(app, world.inv, attempt)
        assert refused.value.code == "legal_hold"
        assert "Doe v. City" in refused.value.message
    with runtime_of(app).db.transaction() as session:
        finding = findings.get_finding(session, user_in(session, world.inv), rt.security, finding_id)
        assert finding.summary != "A different summary now"
        assert finding.withdrawn_at is None
    resolve(app, world.inv, world.candidate_id, world.items[1])  # a first resolution adds, it edits nothing
    # Each attempt is on the audit log, after its rollback: who tried, on which candidate and hold.
    with runtime_of(app).db.transaction() as session:
        refused = session.scalars(select(AuditEvent).where(AuditEvent.event == "hold.change_refused")).all()
        assert [(e.actor_id, e.subject_id) for e in refused] == [(world.inv.id, str(world.candidate_id))] * 3
        assert json.loads(refused[0].data)["candidate_ids"] == [world.candidate_id]


def test_the_hold_check_is_one_statement_whatever_the_number_of_candidates(
    app: Flask, world: World, officer: Person
) -> None:
    ids = [add_candidate(app, world.inv, world.cycle_id, f"Person {n}") for n in range(6)]
    place(app, officer, positions=[holds.PositionScope("Patrol officer", today())])
    rt = runtime_of(app)
    for some in (ids[:1], ids):
        with rt.db.transaction() as session, statements(app) as seen, pytest.raises(Conflict):
            holds.require_not_held(session, some)
        assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1


def test_holds_are_listed_for_auditors_newest_first_and_by_status(
    app: Flask, world: World, officer: Person, second: Person
) -> None:
    first = place(app, officer, cycle_ids=[world.cycle_id])
    newer = place(app, officer, candidate_ids=[world.candidate_id])
    run(app, second, lambda s, u: holds.release_hold(s, u, first, "Matter closed by final judgment"))
    listed = run(app, world.auditor, lambda s, u: holds.list_holds(s, u, PageRequest()))
    assert [h.id for h in listed.items] == [newer, first]
    assert listed.total == 2
    active = run(app, world.auditor, lambda s, u: holds.list_holds(s, u, PageRequest(), "active"))
    assert [h.id for h in active.items] == [newer]
    assert listed.items[1].scopes[0].label == "Cycle Patrol 2026"
    for who in (world.inv, world.board):
        with pytest.raises(Forbidden):
            run(app, who, lambda s, u: holds.list_holds(s, u, PageRequest()))
    with runtime_of(app).db.transaction() as session:
        assert session.get(Candidate, world.candidate_id) is not None
