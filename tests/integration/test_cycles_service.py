"""Hiring cycles and per-cycle duties on the real database.

POL-01 / R2 (separation of duties): a person either searches or decides in a cycle,
never both; the service refuses it for every actor (admins included), the refusal is
audit-logged after the rollback, and a unique constraint in the database refuses it
even if the service were bypassed. POL-03 / R4 (sensitive position): only a user with
a current designation can be assigned to search.
"""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.support import Clock, Person, make_user, published_checklist, runtime_of
from vetting.errors import Conflict, DesignationRequired, Forbidden, NotFound, SeparationOfDuties, ValidationFailed
from vetting.models import Assignment, AuditEvent, CycleStatus, Duty, Role, User
from vetting.services import audit_log, checklists, cycles, users


def user(session: Session, person: Person) -> User:
    found = session.get(User, person.id)
    assert found is not None
    return found


def new_cycle(app: Flask, admin: Person, title: str = "Patrol officer 2027") -> int:
    with runtime_of(app).db.transaction() as session:
        return cycles.create_cycle(
            session, user(session, admin), title=title, position="Officer", blind_review=False
        ).id


def assign(app: Flask, admin: Person, cycle_id: int, person: Person, duty: Duty) -> None:
    with runtime_of(app).db.transaction() as session:
        cycles.assign(session, user(session, admin), cycle_id, person.id, duty)


def assignments(app: Flask, cycle_id: int | None = None) -> list[tuple[int, int, Duty]]:
    with runtime_of(app).db.transaction() as session:
        query = select(Assignment).order_by(Assignment.id)
        if cycle_id is not None:
            query = query.where(Assignment.cycle_id == cycle_id)
        return [(a.cycle_id, a.user_id, a.duty) for a in session.scalars(query)]


def audit_events(app: Flask, name: str) -> list[AuditEvent]:
    with runtime_of(app).db.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)))


def chain_ok(app: Flask) -> bool:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return audit_log.verify(session, rt.settings.audit_signing_key.public_key()).ok


@pytest.fixture
def admin(app: Flask) -> Person:
    return make_user(app, "admin@x.test", Role.ADMIN)


@pytest.fixture
def both(app: Flask) -> Person:
    """Holds both global roles, so only POL-01 stands between them and both duties."""
    return make_user(app, "both@x.test", Role.INVESTIGATOR, Role.BOARD_MEMBER, name="Dana Both")


# --- POL-01: separation of duties --------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [(Duty.BOARD_MEMBER, Duty.INVESTIGATOR), (Duty.INVESTIGATOR, Duty.BOARD_MEMBER)],
    ids=["board-then-investigator", "investigator-then-board"],
)
def test_one_person_cannot_search_and_decide_in_one_cycle(
    app: Flask, admin: Person, both: Person, first: Duty, second: Duty
) -> None:
    """POL-01: the second duty is refused with SeparationOfDuties; the refusal is audited; nothing else changes."""
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, first)

    with pytest.raises(SeparationOfDuties) as raised:
        assign(app, admin, cycle_id, both, second)
    error = raised.value
    assert error.code == "separation_of_duties"
    assert error.http_status == 409
    assert "Dana Both is already" in error.message
    assert "POL-01" in error.message
    assert "no role can override" in error.message

    assert assignments(app, cycle_id) == [(cycle_id, both.id, first)]
    refused = audit_events(app, "assignment.refused")
    assert len(refused) == 1
    assert refused[0].actor_id == admin.id
    assert (refused[0].subject_type, refused[0].subject_id) == ("cycle", str(cycle_id))
    assert audit_log.event_data(refused[0]) == {
        "user_id": both.id,
        "requested": second.value,
        "held": first.value,
        "ended": False,
        "code": "separation_of_duties",
    }
    assert len(audit_events(app, "assignment.created")) == 1
    assert chain_ok(app)


def test_refused_transaction_leaves_only_the_refusal(app: Flask, admin: Person, both: Person) -> None:
    """POL-01: the whole transaction that hit the refusal is rolled back; only the refusal is recorded."""
    other = make_user(app, "other@x.test", Role.BOARD_MEMBER)
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.INVESTIGATOR)
    before = len(audit_events(app, "assignment.created"))

    def assign_two() -> None:
        with runtime_of(app).db.transaction() as session:
            actor = user(session, admin)
            cycles.assign(session, actor, cycle_id, other.id, Duty.BOARD_MEMBER)  # fine on its own
            cycles.assign(session, actor, cycle_id, both.id, Duty.BOARD_MEMBER)  # refused

    with pytest.raises(SeparationOfDuties):
        assign_two()

    assert assignments(app, cycle_id) == [(cycle_id, both.id, Duty.INVESTIGATOR)]
    assert len(audit_events(app, "assignment.created")) == before
    assert len(audit_events(app, "assignment.refused")) == 1
    assert chain_ok(app)


def test_admin_cannot_override_separation_of_duties(app: Flask, both: Person) -> None:
    """POL-01: an administrator cannot give anyone both duties, nor search themselves; no override exists."""
    boss = make_user(app, "boss@x.test", Role.ADMIN, Role.BOARD_MEMBER)
    cycle_id = new_cycle(app, boss)
    assign(app, boss, cycle_id, boss, Duty.BOARD_MEMBER)
    with pytest.raises(SeparationOfDuties):  # and an admin never holds the investigator role anyway
        assign(app, boss, cycle_id, boss, Duty.INVESTIGATOR)
    assign(app, boss, cycle_id, both, Duty.INVESTIGATOR)
    with pytest.raises(SeparationOfDuties):
        assign(app, boss, cycle_id, both, Duty.BOARD_MEMBER)
    assert sorted(assignments(app, cycle_id)) == sorted(
        [(cycle_id, boss.id, Duty.BOARD_MEMBER), (cycle_id, both.id, Duty.INVESTIGATOR)]
    )
    # The service offers no switch to bypass the rule.
    assert list(inspect.signature(cycles.assign).parameters) == ["session", "actor", "cycle_id", "user_id", "duty"]


def test_database_refuses_a_second_duty_even_without_the_service(app: Flask, admin: Person, both: Person) -> None:
    """POL-01 / R2: the unique constraint one_duty_per_cycle stops a buggy caller that skips the service."""
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.INVESTIGATOR)

    def insert_directly(duty: Duty) -> None:
        with runtime_of(app).db.transaction() as session:
            session.add(Assignment(cycle_id=cycle_id, user_id=both.id, duty=duty, created_by_id=admin.id))

    with pytest.raises(IntegrityError):
        insert_directly(Duty.BOARD_MEMBER)
    with pytest.raises(IntegrityError):
        insert_directly(Duty.INVESTIGATOR)
    assert assignments(app, cycle_id) == [(cycle_id, both.id, Duty.INVESTIGATOR)]


def test_same_duty_twice_is_a_conflict_not_a_refusal(app: Flask, admin: Person, both: Person) -> None:
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.BOARD_MEMBER)
    with pytest.raises(Conflict) as raised:
        assign(app, admin, cycle_id, both, Duty.BOARD_MEMBER)
    assert not isinstance(raised.value, SeparationOfDuties)
    assert raised.value.code == "already_assigned"
    assert audit_events(app, "assignment.refused") == []


def test_investigator_in_one_cycle_may_decide_in_another(app: Flask, admin: Person, both: Person) -> None:
    """POL-01 is per cycle: searching in A and deciding in B is allowed."""
    a = new_cycle(app, admin, "Cycle A")
    b = new_cycle(app, admin, "Cycle B")
    assign(app, admin, a, both, Duty.INVESTIGATOR)
    assign(app, admin, b, both, Duty.BOARD_MEMBER)
    assert assignments(app) == [(a, both.id, Duty.INVESTIGATOR), (b, both.id, Duty.BOARD_MEMBER)]
    with runtime_of(app).db.transaction() as session:
        me = user(session, both)
        assert [x.cycle_id for x in cycles.my_duties(session, me, Duty.INVESTIGATOR)] == [a]
        assert [x.cycle_id for x in cycles.my_duties(session, me, Duty.BOARD_MEMBER)] == [b]
        assert {c.id for c in cycles.list_cycles(session, me)} == {a, b}


# --- POL-03: searchers need a current designation ------------------------------------------------


def test_investigator_without_designation_cannot_be_assigned(app: Flask, admin: Person) -> None:
    """POL-03: no designation on record -> DesignationRequired, with a message that says why."""
    rookie = make_user(app, "rookie@x.test", Role.INVESTIGATOR, name="Robin Rookie", designation=False)
    cycle_id = new_cycle(app, admin)
    with pytest.raises(DesignationRequired) as raised:
        assign(app, admin, cycle_id, rookie, Duty.INVESTIGATOR)
    message = raised.value.message
    assert message.startswith("Robin Rookie cannot be assigned as investigator")
    assert "no sensitive-position designation is on record" in message
    assert "POL-03" in message
    assert raised.value.code == "designation_required"
    assert assignments(app, cycle_id) == []


def test_lapsed_designation_blocks_assignment_until_renewed(app: Flask, admin: Person, clock: Clock) -> None:
    """POL-03: once the review date passes, assignment is refused naming the due date; a new record fixes it."""
    searcher = make_user(app, "s@x.test", Role.INVESTIGATOR)  # review due 200 days from now
    cycle_id = new_cycle(app, admin)
    clock.advance(days=201)
    with pytest.raises(DesignationRequired, match="review was due on"):
        assign(app, admin, cycle_id, searcher, Duty.INVESTIGATOR)

    today = clock.now.date()
    with runtime_of(app).db.transaction() as session:
        users.record_designation(
            session,
            user(session, admin),
            searcher.id,
            users.DesignationInput(
                clearance_date=today - timedelta(days=10),
                training_date=today - timedelta(days=5),
                acknowledgement_date=today - timedelta(days=5),
                review_date=today + timedelta(days=365),
            ),
        )
    assign(app, admin, cycle_id, searcher, Duty.INVESTIGATOR)
    assert assignments(app, cycle_id) == [(cycle_id, searcher.id, Duty.INVESTIGATOR)]


def test_board_member_needs_no_designation(app: Flask, admin: Person) -> None:
    member = make_user(app, "m@x.test", Role.BOARD_MEMBER, designation=False)
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, member, Duty.BOARD_MEMBER)
    assert assignments(app, cycle_id) == [(cycle_id, member.id, Duty.BOARD_MEMBER)]


# --- other refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "duty"),
    [
        ((Role.BOARD_MEMBER,), Duty.INVESTIGATOR),
        ((Role.INVESTIGATOR,), Duty.BOARD_MEMBER),
        ((Role.ADMIN,), Duty.INVESTIGATOR),
        ((Role.AUDITOR,), Duty.BOARD_MEMBER),
    ],
)
def test_duty_needs_the_global_role(app: Flask, admin: Person, roles: tuple[Role, ...], duty: Duty) -> None:
    """A duty needs the matching global role: ValidationFailed naming the field "role"."""
    person = make_user(app, "p@x.test", *roles, name="Pat Person")
    cycle_id = new_cycle(app, admin)
    with pytest.raises(ValidationFailed) as raised:
        assign(app, admin, cycle_id, person, duty)
    assert raised.value.field == "role"
    assert "Pat Person does not hold the" in raised.value.message
    assert assignments(app, cycle_id) == []


def test_deactivated_user_cannot_be_assigned(app: Flask, admin: Person) -> None:
    member = make_user(app, "m@x.test", Role.BOARD_MEMBER)
    with runtime_of(app).db.transaction() as session:
        users.update_user(session, user(session, admin), member.id, is_active=False)
    cycle_id = new_cycle(app, admin)
    with pytest.raises(ValidationFailed) as raised:
        assign(app, admin, cycle_id, member, Duty.BOARD_MEMBER)
    assert raised.value.field == "user_id"


def test_unknown_user_and_cycle(app: Flask, admin: Person) -> None:
    cycle_id = new_cycle(app, admin)
    with pytest.raises(ValidationFailed) as raised, runtime_of(app).db.transaction() as session:
        cycles.assign(session, user(session, admin), cycle_id, 99_999, Duty.BOARD_MEMBER)
    assert raised.value.field == "user_id"
    with pytest.raises(NotFound), runtime_of(app).db.transaction() as session:
        cycles.assign(session, user(session, admin), 99_999, admin.id, Duty.BOARD_MEMBER)


def test_closed_cycle_refuses_changes(app: Flask, admin: Person, both: Person) -> None:
    """A closed cycle's assignments are frozen: no new duty, no removal."""
    member = make_user(app, "m@x.test", Role.BOARD_MEMBER)
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.INVESTIGATOR)
    version_id = published_checklist(app, admin.id)
    with runtime_of(app).db.transaction() as session:
        checklists.set_cycle_checklist(session, user(session, admin), cycle_id, version_id)
    for status in (CycleStatus.OPEN, CycleStatus.CLOSED):
        with runtime_of(app).db.transaction() as session:
            cycles.change_status(session, user(session, admin), cycle_id, status)

    with pytest.raises(Conflict) as raised:
        assign(app, admin, cycle_id, member, Duty.BOARD_MEMBER)
    assert raised.value.code == "cycle_closed"
    with pytest.raises(Conflict) as raised, runtime_of(app).db.transaction() as session:
        cycles.unassign(session, user(session, admin), cycle_id, both.id)
    assert raised.value.code == "cycle_closed"
    with pytest.raises(Conflict) as raised, runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user(session, admin), cycle_id, CycleStatus.OPEN)
    assert raised.value.code == "invalid_transition"
    assert assignments(app, cycle_id) == [(cycle_id, both.id, Duty.INVESTIGATOR)]


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.BOARD_MEMBER, Role.AUDITOR])
def test_only_admins_manage_cycles(app: Flask, admin: Person, role: Role) -> None:
    """CJIS 5.5 least privilege: only CYCLES_MANAGE may create cycles or assign duties."""
    other = make_user(app, "o@x.test", role)
    member = make_user(app, "m@x.test", Role.BOARD_MEMBER)
    cycle_id = new_cycle(app, admin)
    with pytest.raises(Forbidden), runtime_of(app).db.transaction() as session:
        cycles.create_cycle(session, user(session, other), title="T", position="P", blind_review=False)
    with pytest.raises(Forbidden):
        assign(app, other, cycle_id, member, Duty.BOARD_MEMBER)
    assert assignments(app, cycle_id) == []


def test_cycle_visibility(app: Flask, admin: Person, both: Person) -> None:
    """Assigned users see their cycle; others get NotFound (not Forbidden), so existence is not revealed."""
    outsider = make_user(app, "out@x.test", Role.BOARD_MEMBER)
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.INVESTIGATOR)
    with runtime_of(app).db.transaction() as session:
        assert cycles.get_cycle(session, user(session, both), cycle_id).id == cycle_id
        with pytest.raises(NotFound):
            cycles.get_cycle(session, user(session, outsider), cycle_id)
        assert cycles.list_cycles(session, user(session, outsider)) == []


def test_titles_are_validated(app: Flask, admin: Person) -> None:
    with pytest.raises(ValidationFailed) as raised:
        new_cycle(app, admin, "   ")
    assert raised.value.field == "title"
    with pytest.raises(ValidationFailed) as raised:
        new_cycle(app, admin, "x" * 201)
    assert raised.value.field == "title"


def test_a_cycle_opens_only_with_a_pinned_checklist_and_keeps_it(app: Flask, admin: Person) -> None:
    """R6: no checklist, no opening (409 checklist_required); once open the version is locked."""
    cycle_id = new_cycle(app, admin)
    with pytest.raises(Conflict) as raised, runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user(session, admin), cycle_id, CycleStatus.OPEN)
    assert raised.value.code == "checklist_required"
    first = published_checklist(app, admin.id, name="First")
    second = published_checklist(app, admin.id, name="Second")
    with runtime_of(app).db.transaction() as session:
        checklists.set_cycle_checklist(session, user(session, admin), cycle_id, first)
        checklists.set_cycle_checklist(session, user(session, admin), cycle_id, second)  # a draft may switch
        cycles.change_status(session, user(session, admin), cycle_id, CycleStatus.OPEN)
    with pytest.raises(Conflict) as raised, runtime_of(app).db.transaction() as session:
        checklists.set_cycle_checklist(session, user(session, admin), cycle_id, first)
    assert raised.value.code == "checklist_locked"
    with runtime_of(app).db.transaction() as session:
        assert cycles.get_cycle(session, user(session, admin), cycle_id).checklist_version_id == second


def test_a_former_searcher_can_never_decide_in_that_cycle(app: Flask, admin: Person, both: Person) -> None:
    """POL-01 / R2: ending a duty keeps its record; the person may never take the other duty in that cycle."""
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.INVESTIGATOR)
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin.id)
        assert actor is not None
        cycles.unassign(session, actor, cycle_id, both.id)
    with pytest.raises(SeparationOfDuties, match="was an investigator"):
        assign(app, admin, cycle_id, both, Duty.BOARD_MEMBER)
    refused = audit_events(app, "assignment.refused")
    assert refused
    assert audit_log.event_data(refused[-1])["ended"] is True
    # The same duty may be given back; the row is reused, never duplicated.
    assign(app, admin, cycle_id, both, Duty.INVESTIGATOR)
    assert assignments(app, cycle_id) == [(cycle_id, both.id, Duty.INVESTIGATOR)]


def test_an_ended_duty_no_longer_opens_the_cycle(app: Flask, admin: Person, both: Person) -> None:
    """An ended assignment gives no access: the cycle leaves the person's lists and views."""
    cycle_id = new_cycle(app, admin)
    assign(app, admin, cycle_id, both, Duty.BOARD_MEMBER)
    with runtime_of(app).db.transaction() as session:
        actor = session.get(User, admin.id)
        member = session.get(User, both.id)
        assert actor is not None
        assert member is not None
        cycles.unassign(session, actor, cycle_id, both.id)
        assert cycles.my_duties(session, member) == []
        assert cycles.list_cycles(session, member) == []
        with pytest.raises(NotFound):
            cycles.get_cycle(session, member, cycle_id)
