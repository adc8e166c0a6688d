"""The minimisation rules of vetting/services/minimisation.py on plain values (issue 15 point 3;
RET-11, RET-01, RET-05, RET-02 aside): which findings may go, from which date, and why one may
not; the class's floor in the schedule. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from vetting.errors import ValidationFailed
from vetting.models import MinimisationReason, MinimisationStatus, RetentionClass, RetentionSchedule, Trigger
from vetting.services import retention
from vetting.services.minimisation import MAX_BATCH, checked_ids, minimisation_of, refusal_of
from vetting.services.retention import DEFAULTS, EEO_FLOOR_DAYS, FCRA_DAYS, Entry, Schedule, validate_entries

pytestmark = pytest.mark.usefixtures("clock")

CREATED = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
REFUTED = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DECIDED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CLOSED = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def row(
    *,
    reason: str | None = "refuted",
    released: bool = False,
    disposed: bool = False,
    fcra: bool = False,
    closed: datetime | None = CLOSED,
    decided: datetime | None = DECIDED,
    hired: bool = False,
    validated: datetime | None = REFUTED,
    status: str | None = None,
    proposal: int | None = None,
) -> tuple[Any, ...]:
    """A row as minimisation._columns selects it."""
    return (
        7, 1, "C-001", 2, "Patrol 2026", fcra, closed, reason, released, disposed,
        CREATED, CREATED, None, validated, None,
        decided, hired, proposal, status,
    )  # fmt: skip


def schedule(entry: Entry | None = None) -> Schedule:
    return Schedule(None, {**DEFAULTS, **({RetentionClass.MINIMISATION: entry} if entry else {})})


def test_nothing_is_due_while_the_cycle_is_open_ret11_when_the_case_closes() -> None:
    found = minimisation_of(schedule(), row(closed=None))
    assert found.due_on is None
    assert found.waiting_for is not None
    assert "cycle to close" in found.waiting_for
    assert refusal_of(found) is not None


def test_ret01_runs_two_years_from_the_later_of_the_finding_and_the_decision() -> None:
    # The decision (1 March) is later than the refutation (1 February): it starts the floor.
    found = minimisation_of(schedule(), row())
    assert found.due_on == date(2026, 3, 1) + timedelta(days=EEO_FLOOR_DAYS)
    assert found.retention_class == "floor: RET-01"
    # A validation step recorded after the decision is a later record of the finding: it starts it.
    late = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
    assert minimisation_of(schedule(), row(validated=late)).due_on == date(2026, 5, 5) + timedelta(days=730)
    # A candidate never decided: the cycle's close stands in for the personnel action.
    assert minimisation_of(schedule(), row(decided=None)).due_on == date(2026, 6, 30) + timedelta(days=730)


def test_a_cycle_in_fcra_mode_keeps_the_finding_five_years() -> None:
    found = minimisation_of(schedule(), row(fcra=True))
    assert found.due_on == date(2026, 2, 1) + timedelta(days=FCRA_DAYS)
    assert found.citation == retention.FCRA_CITATION


def test_a_longer_class_decides_and_is_named_with_its_citation() -> None:
    entry = Entry(3650, Trigger.CYCLE_CLOSE, "Agency schedule GS2-19")
    found = minimisation_of(schedule(entry), row())
    assert found.due_on == date(2026, 6, 30) + timedelta(days=3650)
    assert (found.retention_class, found.citation, found.trigger_date) == (
        "minimisation",
        entry.citation,
        date(2026, 6, 30),
    )


def test_end_of_employment_waits_for_a_hire_and_not_for_others() -> None:
    entry = Entry(730, Trigger.END_OF_EMPLOYMENT, "Agency schedule GS2-20")
    hired = minimisation_of(schedule(entry), row(hired=True))
    assert hired.due_on is None
    assert hired.waiting_for is not None
    assert "end of employment" in hired.waiting_for
    assert minimisation_of(schedule(entry), row()).due_on == date(2026, 3, 1) + timedelta(days=730)


def test_the_reasons_to_refuse_name_their_code(clock: Any) -> None:
    clock.advance(days=5 * 365)
    codes = {
        "relevant": row(reason=None),
        "released": row(released=True),
        "disposed": row(disposed=True),
        "minimised": row(status="minimised", proposal=3),
        "proposed": row(status="proposed", proposal=3),
    }
    found = {name: refusal_of(minimisation_of(schedule(), r)) for name, r in codes.items()}
    assert {name: c.code if c else None for name, c in found.items()} == {
        "relevant": "not_minimisable",
        "released": "not_minimisable",
        "disposed": "already_disposed",
        "minimised": "already_minimised",
        "proposed": "already_proposed",
    }
    released = found["released"]
    assert released is not None
    assert "RET-01" in released.message
    # Its own proposal, at approval, is no reason to refuse; a due finding of each kind passes.
    assert refusal_of(minimisation_of(schedule(), row(status="proposed", proposal=3)), 3) is None
    for reason in MinimisationReason:
        item = minimisation_of(schedule(), row(reason=reason.value))
        assert item.reason is reason
        assert item.due
        assert refusal_of(item) is None
    assert minimisation_of(schedule(), row(status="proposed", proposal=3)).status is MinimisationStatus.PROPOSED


def test_a_finding_not_yet_due_is_refused_with_its_date() -> None:
    refusal = refusal_of(minimisation_of(schedule(), row()))
    assert refusal is not None
    assert refusal.code == "not_due"
    assert "must be kept until" in refusal.message


def test_the_minimisation_class_cannot_go_below_the_ret01_floor() -> None:
    raw = {c.value: e.as_dict() for c, e in DEFAULTS.items()}
    raw["minimisation"]["period_days"] = 365
    with pytest.raises(ValidationFailed) as refused:
        validate_entries(raw)
    assert refused.value.field == "classes.minimisation.period_days"
    assert retention.FLOORS[RetentionClass.MINIMISATION][0] == EEO_FLOOR_DAYS


def test_a_schedule_approved_before_the_class_existed_keeps_its_default() -> None:
    older = {c.value: e.as_dict() for c, e in DEFAULTS.items() if c is not RetentionClass.MINIMISATION}
    found = retention._schedule_of(RetentionSchedule(id=1, entries=older, proposed_by_id=1))
    assert found.entries[RetentionClass.MINIMISATION] == DEFAULTS[RetentionClass.MINIMISATION]
    assert RetentionClass.MINIMISATION not in retention.CANDIDATE_CLASSES  # never a candidate's date


def test_a_batch_is_one_to_max_distinct_ids() -> None:
    assert checked_ids([3, 1, 3]) == [3, 1]
    for bad in ([], list(range(1, MAX_BATCH + 2)), [0], [2**31]):
        with pytest.raises(ValidationFailed) as refused:
            checked_ids(bad)
        assert refused.value.field == "finding_ids"
