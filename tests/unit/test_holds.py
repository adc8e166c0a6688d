"""Legal holds on plain objects (issue 15 point 2; RET-02, RET-03): the model's transitions and
the policy's rules for placing and releasing one. No database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support import START
from tests.unit.test_policy import cycle_with, person
from vetting import policy
from vetting.errors import Conflict, ValidationFailed
from vetting.models import HoldScope, HoldScopeKind, LegalHold, Role

pytestmark = pytest.mark.usefixtures("clock")


def hold(placed_by: int = 1) -> LegalHold:
    return LegalHold.place(
        matter="Doe v. City",
        reference="2:26-cv-0001",
        reason="EEOC charge filed by a rejected candidate",
        review_by=None,
        scopes=[HoldScope.of_cycle(7)],
        by_id=placed_by,
        at=START,
    )


def test_a_placed_hold_is_in_force_until_a_second_person_releases_it() -> None:
    placed = hold(placed_by=1)
    assert placed.active
    assert placed.placed_by_id == 1
    assert placed.placed_at == START
    with pytest.raises(Conflict) as refused:
        placed.release(by_id=1, at=START + timedelta(days=1), reason="Case settled and closed")
    assert refused.value.code == "second_person_required"
    assert placed.active
    placed.release(by_id=2, at=START + timedelta(days=2), reason="Case settled and closed")
    assert not placed.active
    assert (placed.released_by_id, placed.release_reason) == (2, "Case settled and closed")


def test_a_released_hold_is_never_released_again() -> None:
    placed = hold()
    placed.release(by_id=2, at=START, reason="Charge dismissed for good")
    with pytest.raises(Conflict) as refused:
        placed.release(by_id=3, at=START, reason="Second release attempt")
    assert refused.value.code == "hold_released"
    assert placed.released_by_id == 2


def test_a_hold_without_a_scope_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        LegalHold.place(matter="M", reference="R", reason="A reason here", review_by=None, scopes=[], by_id=1, at=START)
    assert refused.value.field == "scope"


def test_scope_parts_name_one_target_each() -> None:
    assert (HoldScope.of_cycle(3).kind, HoldScope.of_cycle(3).cycle_id) == (HoldScopeKind.CYCLE, 3)
    assert (HoldScope.of_candidate(4).kind, HoldScope.of_candidate(4).candidate_id) == (HoldScopeKind.CANDIDATE, 4)
    part = HoldScope.of_position("Patrol officer", date(2026, 1, 1), None, START, None)
    assert (part.kind, part.position, part.to_date, part.until_at) == (
        HoldScopeKind.POSITION,
        "Patrol officer",
        None,
        None,
    )


def test_a_backwards_date_range_is_refused_naming_the_end() -> None:
    with pytest.raises(ValidationFailed) as refused:
        HoldScope.of_position("Patrol officer", date(2026, 6, 1), date(2026, 5, 31), START, START)
    assert refused.value.field == "to_date"


# --- the policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.RECORDS_OFFICER, True),
        (Role.AUDITOR, False),
        (Role.INVESTIGATOR, False),
        (Role.BOARD_MEMBER, False),
    ],
)
def test_holds_are_placed_by_administrators_and_records_officers(role: Role, allowed: bool) -> None:
    refusal = policy.hold_refusal(person(role), [cycle_with()])
    assert (refusal is None) is allowed
    if not allowed:
        assert refusal == policy.FORBIDDEN


def test_nobody_places_or_releases_a_hold_on_a_cycle_they_search_or_decide_in() -> None:
    """R2 extended to records: a board member who is also a records officer does not hold (or
    release) the record of their own decision."""
    officer = person(Role.RECORDS_OFFICER, Role.BOARD_MEMBER)
    own = cycle_with(board_member=officer)
    assert policy.hold_refusal(officer, [cycle_with()]) is None
    assert "separation of duties" in (policy.hold_refusal(officer, [cycle_with(), own]) or "")
    assert "separation of duties" in (policy.hold_release_refusal(officer, 999, [own]) or "")


def test_the_placer_never_releases_the_hold() -> None:
    placer, second = person(Role.RECORDS_OFFICER), person(Role.ADMIN)
    cycles = [cycle_with()]
    assert policy.hold_release_refusal(placer, placer.id, cycles) == policy.PLACER_CANNOT_RELEASE
    assert policy.hold_release_refusal(second, placer.id, cycles) is None
    assert policy.hold_release_refusal(person(Role.AUDITOR), placer.id, cycles) == policy.FORBIDDEN
    assert policy.hold_release_refusal(person(Role.RECORDS_OFFICER, active=False), placer.id, cycles) == (
        policy.FORBIDDEN
    )
