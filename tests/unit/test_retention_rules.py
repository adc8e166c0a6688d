"""The retention rules of vetting/services/retention.py on plain values (issue 15; RET-01, RET-05,
RET-06, RET-07): floors a schedule cannot go below, each trigger's date, the latest end wins, and
the second-person rule of vetting/policy.py. No database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.unit.test_policy import cycle_with, person
from vetting import policy
from vetting.errors import ValidationFailed
from vetting.models import RetentionClass, Role, Trigger
from vetting.services import retention
from vetting.services.retention import DEFAULTS, Entry, Schedule, retention_of, validate_entries

pytestmark = pytest.mark.usefixtures("clock")

ADDED = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DECIDED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CLOSED = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def row(
    *,
    fcra: bool = False,
    closed: datetime | None = None,
    decided: datetime | None = None,
    hired: bool = False,
    last_search: datetime | None = None,
) -> tuple[Any, ...]:
    """A row as retention._columns selects it."""
    return (
        1, "C-001", 2, "Patrol 2026", fcra, closed,
        ADDED, None, last_search, decided, None, None, None,
        decided, hired, False, None,
    )  # fmt: skip


def schedule(**changes: Entry) -> Schedule:
    return Schedule(None, {**DEFAULTS, **{RetentionClass(k): v for k, v in changes.items()}})


def raw(**periods: int) -> dict[str, Any]:
    return {c.value: {**e.as_dict(), "period_days": periods.get(c.value, e.period_days)} for c, e in DEFAULTS.items()}


def test_the_ret01_floor_counts_from_the_latest_record_even_when_every_class_is_shorter() -> None:
    short = Entry(730, Trigger.CYCLE_CLOSE, "x")
    late_search = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    found = retention_of(
        schedule(**{c.value: short for c in retention.CANDIDATE_CLASSES}),
        row(closed=CLOSED, decided=DECIDED, last_search=late_search),
    )
    # The search logged after the close is the latest record: RET-01 runs two years from it.
    assert found.due_on == date(2026, 9, 1) + timedelta(days=730)
    assert found.retention_class == "floor: RET-01"


def test_a_cycle_in_fcra_mode_keeps_five_years() -> None:
    found = retention_of(schedule(), row(fcra=True, closed=CLOSED, decided=DECIDED))
    assert found.due_on == date(2026, 3, 1) + timedelta(days=retention.FCRA_DAYS)
    assert found.citation == retention.FCRA_CITATION


def test_an_undecided_candidate_waits_for_the_cycle_to_close_then_counts_from_the_close() -> None:
    waiting = retention_of(schedule(), row())
    assert waiting.due_on is None
    assert waiting.waiting_for is not None
    assert "final decision" in waiting.waiting_for
    closed = retention_of(schedule(), row(closed=CLOSED))
    assert closed.due_on == date(2026, 6, 30) + timedelta(days=730)


def test_the_longest_class_decides_and_is_named() -> None:
    found = retention_of(
        schedule(evidence=Entry(4000, Trigger.FINAL_DECISION, "Agency schedule GS2-17")),
        row(closed=CLOSED, decided=DECIDED),
    )
    assert found.due_on == date(2026, 3, 1) + timedelta(days=4000)
    assert found.retention_class == RetentionClass.EVIDENCE.value
    assert found.citation == "Agency schedule GS2-17"


def test_end_of_employment_keeps_a_hire_and_counts_from_the_decision_for_others() -> None:
    entries = schedule(candidate_file=Entry(1000, Trigger.END_OF_EMPLOYMENT, "Personnel schedule"))
    hired = retention_of(entries, row(closed=CLOSED, decided=DECIDED, hired=True))
    assert hired.due_on is None
    assert hired.waiting_for is not None
    assert "end of employment" in hired.waiting_for
    not_hired = retention_of(entries, row(closed=CLOSED, decided=DECIDED, hired=False))
    assert not_hired.due_on == date(2026, 3, 1) + timedelta(days=1000)


@pytest.mark.parametrize(
    ("cls", "days"),
    [
        (RetentionClass.CANDIDATE_FILE, 729),
        (RetentionClass.EVIDENCE, 1),
        (RetentionClass.SEARCH_LOG, 365),
        (RetentionClass.EEO, 0),
        (RetentionClass.NOTICES, -5),
        (RetentionClass.AUDIT_LOG, 364),
    ],
)
def test_a_period_below_its_floor_is_refused_naming_the_field(cls: RetentionClass, days: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_entries(raw(**{cls.value: days}))
    assert refused.value.field == f"classes.{cls.value}.period_days"


def test_the_floors_themselves_are_accepted() -> None:
    entries = validate_entries(raw(audit_log=365))
    assert entries[RetentionClass.AUDIT_LOG].period_days == 365


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.pop("evidence"), "classes.evidence"),
        (lambda r: r.update(archive={"period_days": 900}), "classes.archive"),
        (lambda r: r["search_log"].update(trigger="someday"), "classes.search_log.trigger"),
        (lambda r: r["notices_responses"].update(citation="  "), "classes.notices_responses.citation"),
        (lambda r: r["audit_log"].update(period_days=True), "classes.audit_log.period_days"),
        (
            lambda r: r["candidate_file"].update(period_days=retention.MAX_DAYS + 1),
            "classes.candidate_file.period_days",
        ),
    ],
)
def test_bad_schedules_name_the_field(change: Any, field: str) -> None:
    given = raw()
    change(given)
    with pytest.raises(ValidationFailed) as refused:
        validate_entries(given)
    assert refused.value.field == field


def test_a_proposal_is_approved_by_a_second_records_person_only() -> None:
    officer, other, admin = person(Role.RECORDS_OFFICER), person(Role.RECORDS_OFFICER), person(Role.ADMIN)
    action = policy.Action.RECORDS_DISPOSE
    assert policy.records_approval_refusal(officer, action, officer.id) == policy.SECOND_PERSON_REQUIRED
    assert policy.records_approval_refusal(other, action, officer.id) is None
    assert policy.records_approval_refusal(admin, action, officer.id) is None
    for refused in (person(Role.INVESTIGATOR), person(Role.BOARD_MEMBER), person(Role.AUDITOR)):
        assert policy.records_approval_refusal(refused, action, officer.id) == policy.FORBIDDEN


def test_nobody_with_a_duty_in_the_cycle_approves_its_disposition() -> None:
    """R2 extended to records: an administrator who sits on the cycle's board never destroys its record."""
    admin, officer = person(Role.ADMIN, Role.BOARD_MEMBER), person(Role.RECORDS_OFFICER)
    cycle = cycle_with(board_member=admin)
    refusal = policy.records_approval_refusal(admin, policy.Action.RECORDS_DISPOSE, officer.id, cycle)
    assert refusal is not None
    assert "separation of duties" in refusal
