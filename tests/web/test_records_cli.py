"""The records workflow from the command line (issue 15 point 8: "The API and CLI cover all of it").

Dispositions (propose, approve as a second person, list, one with its certificate of destruction),
the schedule's change (propose by class or from a JSON file, approve as a second person) and the
public-records request workflow (log, show, exempt, prepare, approve, release, close), each as the
person named by --by; every refusal says why and names the option at fault, and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from tests.support import Clock, Person, make_user, runtime_of
from tests.web.board_world import build_board_world
from tests.web.helpers import db
from tests.web.world import user_in
from vetting.cli import cli
from vetting.clock import today
from vetting.config import Settings
from vetting.models import (
    Candidate,
    CycleStatus,
    Disposition,
    RecordsRequest,
    RequestStatus,
    RetentionSchedule,
    Role,
    ScheduleStatus,
)
from vetting.services import cycles, retention

#: Past every default period and the RET-01 floor (two years) from the close of the cycle.
PAST_RETENTION_DAYS = 2 * 365 + 10


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A queue of this test's own: a disposition deletes the production bundles in its result store."""
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


@pytest.fixture
def officers(app: Flask) -> tuple[Person, Person]:
    return (
        make_user(app, "records@x.test", Role.RECORDS_OFFICER, name="Rita Records"),
        make_user(app, "records2@x.test", Role.RECORDS_OFFICER, name="Remy Records"),
    )


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(cli, args=list(args))


def refused(result: Result, *says: str) -> None:
    assert result.exit_code != 0, result.output
    for text in says:
        assert text in result.output


def count(app: Flask, model: type[object]) -> int:
    with db(app) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- dispositions ----------------------------------------------------------------------------------


def test_a_disposition_is_proposed_approved_by_a_second_person_listed_and_certified(
    app: Flask, clock: Clock, officers: tuple[Person, Person], tmp_path: Path
) -> None:
    """RET-07: destruction cites the schedule and needs an approver who is not the proposer."""
    rita, remy = officers
    bw = build_board_world(app)
    candidate_id = bw.world.candidate_id
    with runtime_of(app).db.transaction() as session:
        cycles.change_status(session, user_in(session, bw.world.admin), bw.world.cycle_id, CycleStatus.CLOSED)
        code = session.scalar(select(Candidate.code).where(Candidate.id == candidate_id))
    assert code is not None

    refused(
        run(app, "retention", "dispose", str(candidate_id), "--by", rita.email), f"Candidate {code} must be kept until"
    )
    assert count(app, Disposition) == 0
    refused(run(app, "retention", "dispose", str(candidate_id), "--by", "nobody@x.test"), "No account", "(--by)")
    refused(run(app, "retention", "dispose", str(candidate_id), "--by", bw.world.inv.email), "permission")
    refused(run(app, "retention", "dispose", "0", "--by", rita.email), "CANDIDATE_ID")

    clock.advance(days=PAST_RETENTION_DAYS)
    proposed = run(app, "retention", "dispose", str(candidate_id), "--by", rita.email)
    assert proposed.exit_code == 0, proposed.output
    assert f"proposed for candidate {code}" in proposed.output
    with db(app) as session:
        disposition_id = session.scalar(select(Disposition.id))
    assert disposition_id is not None

    listed = run(app, "retention", "dispositions", "--by", remy.email, "--status", "proposed")
    assert listed.exit_code == 0, listed.output
    assert f"{disposition_id}\t{code}\tcycle {bw.world.cycle_id}\tproposed" in listed.output
    refused(run(app, "retention", "dispositions", "--by", bw.world.board.email), "permission")
    certificate = tmp_path / "certificate.pdf"
    early = run(
        app, "retention", "disposition", str(disposition_id), "--by", remy.email, "--certificate", str(certificate)
    )
    refused(early, "nothing to certify yet")
    assert not certificate.exists()

    own = run(app, "retention", "approve-disposition", str(disposition_id), "--by", rita.email, "--yes")
    refused(own, "A second person approves what one proposed")
    with db(app) as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is not None  # nothing destroyed by the refusal
    approved = run(app, "retention", "approve-disposition", str(disposition_id), "--by", remy.email, "--yes")
    assert approved.exit_code == 0, approved.output
    assert f"candidate {code} disposed" in approved.output
    with db(app) as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        assert candidate.wrapped_key is None

    shown = run(
        app, "retention", "disposition", str(disposition_id), "--by", rita.email, "--certificate", str(certificate)
    )
    assert shown.exit_code == 0, shown.output
    assert "proposed by Rita Records" in shown.output
    assert "approved by Remy Records" in shown.output
    assert certificate.read_bytes().startswith(b"%PDF")
    none_left = run(app, "retention", "dispositions", "--by", rita.email, "--status", "proposed")
    assert none_left.output == "0 disposition(s).\n"


# --- the schedule ----------------------------------------------------------------------------------


def test_a_schedule_change_by_class_is_approved_by_a_second_person(app: Flask, officers: tuple[Person, Person]) -> None:
    """RET-07 and the floors of RET-01/RET-06: the command names the option at fault; nothing is written."""
    rita, remy = officers
    for args, says in (
        ((), "give either --class NAME=DAYS (repeat) or --file"),
        (("--class", "shoebox=900"), "'shoebox=900': give NAME=DAYS"),
        (("--class", "candidate_file"), "give NAME=DAYS"),
        (("--class", "candidate_file=two"), "DAYS is a whole number"),
        (("--class", "audit_log=30"), "below the legal floor of 365 days"),
    ):
        result = run(app, "retention", "propose-schedule", "--by", rita.email, *args)
        refused(result, says, "--class")
    assert count(app, RetentionSchedule) == 0

    proposed = run(app, "retention", "propose-schedule", "--by", rita.email, "--class", "candidate_file=1100")
    assert proposed.exit_code == 0, proposed.output
    with db(app) as session:
        row = session.scalars(select(RetentionSchedule)).one()
        schedule_id, entries = row.id, row.entries
    assert entries["candidate_file"]["period_days"] == 1100
    assert entries["audit_log"]["period_days"] == 365  # the others as in force
    refused(
        run(app, "retention", "approve-schedule", str(schedule_id), "--by", rita.email),
        "A second person approves what one proposed",
    )
    approved = run(app, "retention", "approve-schedule", str(schedule_id), "--by", remy.email)
    assert approved.exit_code == 0, approved.output
    shown = run(app, "retention", "schedule")
    assert "candidate_file: 1100 days" in shown.output


def test_a_schedule_change_from_a_json_file(app: Flask, officers: tuple[Person, Person], tmp_path: Path) -> None:
    rita, _ = officers
    with db(app) as session:
        whole = {c.value: e.as_dict() for c, e in retention.schedule_state(session, None).current.entries.items()}
    low = tmp_path / "low.json"
    low.write_text(json.dumps({**whole, "search_log": {**whole["search_log"], "period_days": 1}}))
    refused(run(app, "retention", "propose-schedule", "--by", rita.email, "--file", str(low)), "(--file)")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    refused(run(app, "retention", "propose-schedule", "--by", rita.email, "--file", str(broken)), "not JSON", "--file")
    assert count(app, RetentionSchedule) == 0
    good = tmp_path / "good.json"
    good.write_text(json.dumps({**whole, "evidence": {**whole["evidence"], "period_days": 2000}}))
    proposed = run(app, "retention", "propose-schedule", "--by", rita.email, "--file", str(good))
    assert proposed.exit_code == 0, proposed.output
    with db(app) as session:
        row = session.scalars(select(RetentionSchedule)).one()
    assert row.status is ScheduleStatus.PROPOSED
    assert row.entries["evidence"]["period_days"] == 2000


# --- records requests ------------------------------------------------------------------------------


def test_a_request_is_logged_decided_prepared_approved_by_a_second_person_and_released(
    app: Flask, officers: tuple[Person, Person]
) -> None:
    """RET-10: exemptions by code, a second person approves, a person records the release."""
    rita, remy = officers
    bw = build_board_world(app)
    cycle = str(bw.world.cycle_id)
    intake = ["--requester", "Pat Reporter", "--contact", "pat@news.test", "--description", "Patrol hiring files"]
    received = ["--received", today().isoformat()]
    refused(
        run(app, "requests", "log", "--by", rita.email, *intake, *received), "needs a scope", "(--cycle/--candidate)"
    )
    future = today().replace(year=today().year + 1).isoformat()
    refused(
        run(app, "requests", "log", "--by", rita.email, *intake, "--received", future, "--cycle", cycle), "(--received)"
    )
    past = today().replace(year=today().year - 1)
    late = ["--received", past.isoformat(), "--due", past.isoformat(), "--cycle", cycle]
    refused(run(app, "requests", "log", "--by", rita.email, *intake, *late), "in the past", "(--due)")
    refused(run(app, "requests", "log", "--by", rita.email, *intake, *received, "--cycle", "999"), "(--cycle)")
    refused(run(app, "requests", "log", "--by", bw.world.inv.email, *intake, *received, "--cycle", cycle), "permission")
    assert count(app, RecordsRequest) == 0

    logged = run(app, "requests", "log", "--by", rita.email, *intake, *received, "--cycle", cycle)
    assert logged.exit_code == 0, logged.output
    with db(app) as session:
        request_id = session.scalars(select(RecordsRequest.id)).one()
    rid = str(request_id)

    shown = run(app, "requests", "show", rid, "--by", rita.email)
    assert shown.exit_code == 0, shown.output
    releases = [line.split("\t")[0].split()[-1] for line in shown.output.splitlines() if line.startswith("  release ")]
    assert releases
    assert "undecided" in shown.output

    refused(run(app, "requests", "prepare", rid, "--by", rita.email), "have no decision", "(items)")
    bad = run(app, "requests", "exempt", rid, "--by", rita.email, "--release", releases[0], "--decision", "withhold")
    refused(bad, "--code")
    unknown = ["--release", releases[0], "--decision", "withhold", "--code", "because"]
    refused(run(app, "requests", "exempt", rid, "--by", rita.email, *unknown), "(--code)")
    elsewhere = ["--release", "99999", "--decision", "withhold", "--code", "personnel_record"]
    refused(run(app, "requests", "exempt", rid, "--by", rita.email, *elsewhere), "(--release)")
    for n, release in enumerate(releases):
        decision = "withhold" if n == 0 else "release_text"
        chosen = ["--release", release, "--decision", decision, "--code", "confidential_background_file"]
        done = run(app, "requests", "exempt", rid, "--by", rita.email, *chosen)
        assert done.exit_code == 0, done.output

    prepared = run(app, "requests", "prepare", rid, "--by", rita.email)
    assert prepared.exit_code == 0, prepared.output
    refused(run(app, "requests", "release", rid, "--by", rita.email), "approves it first")
    refused(run(app, "requests", "approve", rid, "--by", rita.email), "You prepared this release")
    approved = run(app, "requests", "approve", rid, "--by", remy.email)
    assert approved.exit_code == 0, approved.output
    released = run(app, "requests", "release", rid, "--by", rita.email)
    assert released.exit_code == 0, released.output
    refused(run(app, "requests", "close", rid, "--by", rita.email, "--reason", "Nothing more to send"), "released")
    with db(app) as session:
        row = session.get(RecordsRequest, request_id)
        assert row is not None
        assert row.status is RequestStatus.RELEASED
        assert (row.prepared_by_id, row.approved_by_id, row.released_by_id) == (rita.id, remy.id, rita.id)
    assert f"{rid}\treleased" in run(app, "requests", "list").output


def test_a_request_is_closed_or_denied_with_a_reason(app: Flask, officers: tuple[Person, Person]) -> None:
    rita, _ = officers
    bw = build_board_world(app)
    intake = ["--requester", "Pat Reporter", "--contact", "pat@news.test", "--description", "Patrol hiring files"]
    for _ in range(2):
        logged = run(
            app,
            "requests",
            "log",
            "--by",
            rita.email,
            *intake,
            "--received",
            today().isoformat(),
            "--cycle",
            str(bw.world.cycle_id),
        )
        assert logged.exit_code == 0, logged.output
    with db(app) as session:
        first, second = session.scalars(select(RecordsRequest.id).order_by(RecordsRequest.id))
    refused(run(app, "requests", "close", str(first), "--by", rita.email, "--reason", "no"), "(--reason)")
    closed = run(app, "requests", "close", str(first), "--by", rita.email, "--reason", "Withdrawn by the requester")
    assert closed.exit_code == 0, closed.output
    denied = run(
        app,
        "requests",
        "close",
        str(second),
        "--by",
        rita.email,
        "--reason",
        "Confidential background files",
        "--denied",
    )
    assert denied.exit_code == 0, denied.output
    with db(app) as session:
        statuses = list(session.scalars(select(RecordsRequest.status).order_by(RecordsRequest.id)))
    assert statuses == [RequestStatus.CLOSED, RequestStatus.DENIED]
