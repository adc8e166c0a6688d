"""Public-records requests on the real database (issue 15 point 4; RET-10).

Intake refuses a request received in the future or already overdue, naming the field, and writes
nothing; the working copy shows only released text; every item needs a decision under an
exemption code; a second person approves; the release log records what went to whom; nothing
moves by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import Clock, Person, make_user, runtime_of, statements
from tests.web.board_world import BoardWorld, build_board_world
from tests.web.world import add_candidate, user_in
from vetting.clock import today
from vetting.errors import Conflict, Forbidden, SeparationOfDuties, ValidationFailed
from vetting.models import AuditEvent, Duty, Holiday, RecordsRequest, RecordsRequestItem, RequestStatus, Role
from vetting.services import cycles, records_requests
from vetting.services.paging import PageRequest

STATUTE = "California Public Records Act"


@pytest.fixture
def bw(app: Flask) -> BoardWorld:
    return build_board_world(app)


@pytest.fixture
def officer(app: Flask) -> Person:
    return make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records")


@pytest.fixture
def second(app: Flask) -> Person:
    return make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Sam Second")


def run(app: Flask, person: Person, action: Callable[[Session, Any], Any]) -> Any:
    with runtime_of(app).db.transaction() as session:
        return action(session, user_in(session, person))


def data(**overrides: Any) -> records_requests.RequestInput:
    values: dict[str, Any] = {
        "requester_name": "Pat Reporter",
        "requester_contact": "pat@news.test",
        "received_on": today(),
        "description": "Every record of the 2026 patrol hiring background investigations.",
    }
    values.update(overrides)
    return records_requests.RequestInput(**values)


def log(app: Flask, person: Person, **overrides: Any) -> int:
    return int(
        run(
            app,
            person,
            lambda s, u: (
                records_requests.log_request(s, u, data(**overrides), response_days=10, default_statute=STATUTE).id
            ),
        )
    )


def count(app: Flask, model: Any) -> int:
    with runtime_of(app).db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_due_date_skips_weekends_and_the_agencys_holidays(
    app: Flask, bw: BoardWorld, officer: Person, clock: Clock
) -> None:
    """Received on Thursday 3 Dec 2026 with 3 business days: Fri 4, (weekend), Mon 7 is a holiday,
    Tue 8, Wed 9: due Wednesday 9 December."""
    clock.now = datetime(2026, 12, 3, 15, 0, tzinfo=clock.now.tzinfo)
    with runtime_of(app).db.transaction() as session:
        session.add(Holiday(day=date(2026, 12, 7), name="Agency day", created_by_id=bw.world.admin.id))
    request_id = int(
        run(
            app,
            officer,
            lambda s, u: (
                records_requests.log_request(
                    s, u, data(cycle_ids=[bw.world.cycle_id]), response_days=3, default_statute=STATUTE
                ).id
            ),
        )
    )
    view = run(app, officer, lambda s, u: records_requests.get_request(s, u, request_id))
    assert view.due_on == date(2026, 12, 9)
    assert view.statute == STATUTE
    assert view.status is RequestStatus.INTAKE


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_on": "tomorrow"}, "received_on"),
        ({"received_on": "long_ago"}, "due_on"),
        ({"due_on": "yesterday"}, "due_on"),
        ({"requester_name": "  "}, "requester_name"),
        ({"requester_contact": ""}, "requester_contact"),
        ({"description": ""}, "description"),
        ({"cycle_ids": []}, "scope"),
        ({"cycle_ids": [999999]}, "cycle_ids"),
        ({"candidate_ids": [0]}, "candidate_ids"),
    ],
)
def test_bad_intake_is_refused_naming_the_field_and_writes_nothing(
    app: Flask, bw: BoardWorld, officer: Person, overrides: dict[str, Any], field: str
) -> None:
    days = {"tomorrow": today() + timedelta(days=1), "long_ago": today() - timedelta(days=60)}
    days["yesterday"] = today() - timedelta(days=1)
    values = {"cycle_ids": [bw.world.cycle_id], **overrides}
    for key in ("received_on", "due_on"):
        if isinstance(values.get(key), str):
            values[key] = days[values[key]]
    before = count(app, AuditEvent)
    with pytest.raises(ValidationFailed) as refused:
        log(app, officer, **values)
    assert refused.value.field == field
    assert count(app, RecordsRequest) == 0
    assert count(app, AuditEvent) == before


def test_only_records_officers_without_a_duty_in_the_scope_log_requests(
    app: Flask, bw: BoardWorld, officer: Person
) -> None:
    w = bw.world
    for person in (w.admin, w.inv, w.board, w.auditor):
        with pytest.raises(Forbidden):
            log(app, person, cycle_ids=[w.cycle_id])
    # R2 extended to records: an officer who sits on the cycle's board never decides its release.
    both = make_user(app, "both@x.test", Role.RECORDS_OFFICER, Role.BOARD_MEMBER, name="Bo Both")
    run(app, w.admin, lambda s, u: cycles.assign(s, u, w.cycle_id, both.id, Duty.BOARD_MEMBER))
    with pytest.raises(SeparationOfDuties):
        log(app, both, cycle_ids=[w.cycle_id])
    assert count(app, RecordsRequest) == 0


def test_a_request_goes_out_only_after_every_item_is_decided_and_a_second_person_approves(
    app: Flask, bw: BoardWorld, officer: Person, second: Person
) -> None:
    w = bw.world
    request_id = log(app, officer, cycle_ids=[w.cycle_id])
    copy = run(app, officer, lambda s, u: records_requests.working_copy(s, u, runtime_of(app).security, request_id))
    assert len(copy.items) == len(bw.findings) == 2
    # Only released, redacted text: the protected-class words the release removed are not there.
    for item in copy.items:
        assert item.decision is None
        assert "St. Mary" not in f"{item.finding.summary} {item.finding.excerpt}"
    first, other = copy.items
    run(
        app,
        officer,
        lambda s, u: records_requests.set_exemption(
            s, u, request_id, first.finding.release_id, "withhold", "confidential_background_file"
        ),
    )
    with pytest.raises(ValidationFailed) as undecided:
        run(app, officer, lambda s, u: records_requests.prepare_release(s, u, request_id))
    assert undecided.value.field == "items"
    with pytest.raises(ValidationFailed) as bad_code:
        run(
            app,
            officer,
            lambda s, u: records_requests.set_exemption(
                s, u, request_id, other.finding.release_id, "release_text", "x"
            ),
        )
    assert bad_code.value.field == "exemption_code"
    with pytest.raises(ValidationFailed) as stranger:
        run(
            app,
            officer,
            lambda s, u: records_requests.set_exemption(s, u, request_id, 999999, "withhold", "personnel_record"),
        )
    assert stranger.value.field == "release_id"
    run(
        app,
        officer,
        lambda s, u: records_requests.set_exemption(
            s, u, request_id, other.finding.release_id, "release_text", "third_party_privacy"
        ),
    )
    # Nothing can be released before it is prepared and approved.
    with pytest.raises(Conflict):
        run(app, officer, lambda s, u: records_requests.record_release(s, u, request_id))
    run(app, officer, lambda s, u: records_requests.prepare_release(s, u, request_id))
    with pytest.raises(Conflict):
        run(app, officer, lambda s, u: records_requests.record_release(s, u, request_id))
    # The preparer never approves: 409 second_person_required, audited after the rollback.
    with pytest.raises(Conflict) as own:
        run(app, officer, lambda s, u: records_requests.approve_release(s, u, request_id))
    assert own.value.code == "second_person_required"
    assert own.value.refusal is not None
    # The working copy no longer changes once prepared.
    with pytest.raises(Conflict) as frozen:
        run(
            app,
            second,
            lambda s, u: records_requests.set_exemption(
                s, u, request_id, other.finding.release_id, "withhold", "personnel_record"
            ),
        )
    assert frozen.value.code == "request_state"
    run(app, second, lambda s, u: records_requests.approve_release(s, u, request_id))
    run(app, officer, lambda s, u: records_requests.record_release(s, u, request_id))
    view = run(app, w.auditor, lambda s, u: records_requests.get_request(s, u, request_id))
    assert view.status is RequestStatus.RELEASED
    assert (view.prepared_by, view.approved_by, view.released_by) == ("Rita Records", "Sam Second", "Rita Records")
    released_log = view.release_log
    assert released_log is not None
    assert released_log["counts"] == {"items": 2, "released": 1, "withheld": 1, "candidates": 1}
    assert released_log["exemptions"] == {"confidential_background_file": 1, "third_party_privacy": 1}
    assert "Johnson v. Winter" in released_log["citations"]["confidential_background_file"]
    assert released_log["released_by_id"] == officer.id
    with runtime_of(app).db.transaction() as session:
        events = list(
            session.scalars(
                select(AuditEvent.event).where(AuditEvent.subject_type == "records_request").order_by(AuditEvent.seq)
            )
        )
        chain = " ".join(str(e.data) for e in session.scalars(select(AuditEvent)))
    assert events == [
        "records_request.logged",
        "records_request.exemption_set",
        "records_request.exemption_set",
        "records_request.prepared",
        "records_request.refused",
        "records_request.approved",
        "records_request.released",
    ]
    assert "Pat Reporter" not in chain
    assert "pat@news.test" not in chain


def test_a_request_is_closed_or_denied_with_a_reason_and_then_never_changes(
    app: Flask, bw: BoardWorld, officer: Person
) -> None:
    request_id = log(app, officer, cycle_ids=[bw.world.cycle_id])
    with pytest.raises(ValidationFailed) as short:
        run(app, officer, lambda s, u: records_requests.close_request(s, u, request_id, "no", denied=True))
    assert short.value.field == "reason"
    reason = "Exempt in full: confidential background files (Johnson v. Winter)."
    run(app, officer, lambda s, u: records_requests.close_request(s, u, request_id, reason, denied=True))
    view = run(app, officer, lambda s, u: records_requests.get_request(s, u, request_id))
    assert view.status is RequestStatus.DENIED
    assert view.close_reason == reason
    with pytest.raises(Conflict):
        run(app, officer, lambda s, u: records_requests.prepare_release(s, u, request_id))
    with pytest.raises(Conflict):
        run(app, officer, lambda s, u: records_requests.close_request(s, u, request_id, reason, denied=False))


def test_due_lists_open_requests_within_business_days_and_the_log_pages_in_few_statements(
    app: Flask, bw: BoardWorld, officer: Person
) -> None:
    soon = log(app, officer, cycle_ids=[bw.world.cycle_id], due_on=today())
    later = log(app, officer, cycle_ids=[bw.world.cycle_id], due_on=today() + timedelta(days=90))
    due = run(app, officer, lambda s, u: [v.id for v in records_requests.due_requests(s, u, 5)])
    assert due == [soon]
    assert later not in due
    with pytest.raises(ValidationFailed):
        run(app, officer, lambda s, u: records_requests.due_requests(s, u, -1))
    for n in range(6):
        extra = add_candidate(app, bw.world.admin, bw.world.cycle_id, name=f"Extra Person {n}")
        log(app, officer, candidate_ids=[extra])
    with statements(app) as few:
        run(app, officer, lambda s, u: records_requests.list_requests(s, u, PageRequest(limit=3)))
    with statements(app) as many:
        run(app, officer, lambda s, u: records_requests.list_requests(s, u, PageRequest(limit=8)))
    assert len(many) == len(few)
    assert count(app, RecordsRequestItem) == 0


def test_the_working_copy_makes_as_many_statements_for_many_candidates_as_for_one(
    app: Flask, bw: BoardWorld, officer: Person
) -> None:
    request_id = log(app, officer, cycle_ids=[bw.world.cycle_id])
    security = runtime_of(app).security

    def open_copy() -> int:
        with statements(app) as seen:
            copy = run(app, officer, lambda s, u: records_requests.working_copy(s, u, security, request_id))
        assert len(copy.items) == 2
        return len(seen)

    one = open_copy()
    for n in range(5):
        add_candidate(app, bw.world.admin, bw.world.cycle_id, name=f"Other Person {n}")
    assert open_copy() == one
