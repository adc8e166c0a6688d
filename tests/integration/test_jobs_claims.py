"""The jobs service on a real database (issue 17): a job is claimed by status and attempt, a dead
worker's claim is taken over after its lease, and only the attempt holding the claim records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from tests.support import Clock, runtime_of
from tests.web.world import World, build_world
from vetting.clock import utcnow
from vetting.errors import Conflict, NotFound, ValidationFailed
from vetting.models import Job, JobKind, JobStatus, User
from vetting.services import jobs

LEASE = timedelta(seconds=60)


def _start(app: Flask, world: World) -> int:
    with runtime_of(app).db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        return jobs.start_job(session, auditor, JobKind.AUDIT_REPORT, cycle_id=world.cycle_id).id


def _claim(app: Flask, job_id: int) -> jobs.Claim | None:
    with runtime_of(app).db.transaction() as session:
        return jobs.claim(session, job_id, stale_before=utcnow() - LEASE)


def _job(app: Flask, job_id: int) -> Job:
    with runtime_of(app).db.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_a_claim_is_taken_once_until_its_lease_ends(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    job_id = _start(app, world)
    first = _claim(app, job_id)
    assert first is not None
    assert (first.attempt, first.kind, first.parameters) == (1, JobKind.AUDIT_REPORT, {"cycle_id": world.cycle_id})
    assert _claim(app, job_id) is None  # its worker beats: nobody else takes it

    clock.advance(seconds=LEASE.total_seconds() - 1)
    with rt.db.transaction() as session:
        assert jobs.beat(session, first, done=0, total=1)
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert _claim(app, job_id) is None  # the beat renewed the lease

    clock.advance(seconds=2)
    second = _claim(app, job_id)  # the worker stopped beating for a whole lease: taken over
    assert second is not None
    assert second.attempt == 2

    with rt.db.transaction() as session:
        # The old attempt can no longer beat, fail or record a result.
        assert not jobs.beat(session, first)
        assert not jobs.fail(session, first, "job_failed", "late")
        assert not jobs.finish(session, rt.security.keyring, rt.queue.results, first, "old.pdf", b"%PDF-old")
    with rt.db.transaction() as session:
        assert jobs.finish(session, rt.security.keyring, rt.queue.results, second, "new.pdf", b"%PDF-new")
    job = _job(app, job_id)
    assert (job.status, job.attempt, job.result_name) == (JobStatus.DONE, 2, "new.pdf")
    assert job.progress_done == job.progress_total == 1
    clock.advance(seconds=LEASE.total_seconds() * 10)
    assert _claim(app, job_id) is None  # a finished job is never run again


def test_a_result_recorded_in_a_transaction_that_rolls_back_is_not_recorded(app: Flask) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    job_id = _start(app, world)
    claim = _claim(app, job_id)
    assert claim is not None

    def finish_then_die() -> None:
        with rt.db.transaction() as session:
            assert jobs.finish(session, rt.security.keyring, rt.queue.results, claim, "r.pdf", b"%PDF-x")
            raise RuntimeError("the worker died before the commit")

    with pytest.raises(RuntimeError):
        finish_then_die()
    assert _job(app, job_id).status is JobStatus.RUNNING
    with rt.db.transaction() as session:
        assert jobs.finish(session, rt.security.keyring, rt.queue.results, claim, "r.pdf", b"%PDF-y")
    assert _job(app, job_id).status is JobStatus.DONE


def test_the_sweep_finds_lost_and_abandoned_jobs(app: Flask, clock: Clock) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    waiting = _start(app, world)
    running = _start(app, world)
    assert _claim(app, running) is not None
    now = utcnow()
    with rt.db.transaction() as session:
        # A starting worker takes every queued job; a running one with a fresh heartbeat is left.
        assert jobs.unfinished(session, now - LEASE, queued_before=now + timedelta(seconds=1)) == [waiting]
        # Later sweeps leave jobs queued for less than a lease to the message already sent.
        assert jobs.unfinished(session, now - LEASE, queued_before=now - LEASE) == []
    clock.advance(seconds=LEASE.total_seconds() + 1)
    later = utcnow()
    with rt.db.transaction() as session:
        assert jobs.unfinished(session, later - LEASE, queued_before=later - LEASE) == [waiting, running]


def test_failure_is_recorded_with_its_code_and_no_file(app: Flask) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    job_id = _start(app, world)
    claim = _claim(app, job_id)
    assert claim is not None
    with rt.db.transaction() as session:
        assert jobs.fail(session, claim, "agency_name_missing", "No agency is named.")
    job = _job(app, job_id)
    assert (job.status, job.error_code, job.result_file) == (JobStatus.FAILED, "agency_name_missing", None)


@pytest.mark.parametrize(
    "params",
    [{}, {"cycle_id": "1"}, {"cycle_id": True}, {"cycle_id": 0}, {"cycle_id": 2**31}, {"cycle_id": 1, "name": "x"}],
)
def test_parameters_are_ids_the_kind_takes(app: Flask, params: dict[str, object]) -> None:
    world = build_world(app)
    with runtime_of(app).db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        with pytest.raises(ValidationFailed):
            jobs.start_job(session, auditor, JobKind.AUDIT_REPORT, **params)


def test_a_missing_result_file_is_a_plain_refusal(app: Flask) -> None:
    world = build_world(app)
    rt = runtime_of(app)
    job_id = _start(app, world)
    claim = _claim(app, job_id)
    assert claim is not None
    with rt.db.transaction() as session:
        assert jobs.finish(session, rt.security.keyring, rt.queue.results, claim, "r.pdf", b"%PDF-z")
    rt.queue.results.delete(_job(app, job_id).result_file or "")
    with rt.db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        with pytest.raises(Conflict) as refused:
            jobs.job_result(session, auditor, rt.security.keyring, rt.queue.results, job_id)
        assert refused.value.code == "job_result_missing"
    with rt.db.transaction() as session:
        board = session.get(User, world.board.id)
        assert board is not None
        with pytest.raises(NotFound):
            jobs.job_status(session, board, job_id)


def test_an_unexpected_error_fails_the_job_without_logging_its_message(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from vetting.jobs import tasks

    content = "Casey Candidate's post"

    def broken(*args: object) -> tuple[str, bytes]:
        raise RuntimeError(content)  # the traceback shows this line, never the message

    world = build_world(app)
    job_id = _start(app, world)
    monkeypatch.setitem(tasks.WORK, JobKind.AUDIT_REPORT, broken)
    tasks.run_job(runtime_of(app), job_id)
    job = _job(app, job_id)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "job_failed")
    assert "Casey" not in (job.error_message or "")
    assert "RuntimeError" in caplog.text
    assert "Casey" not in caplog.text
    tasks.run_job(runtime_of(app), job_id)  # a finished job is left alone
    assert _job(app, job_id).attempt == 1


def test_progress_the_work_reports_reaches_the_row_before_the_work_ends(app: Flask) -> None:
    """The heartbeat writes what the work reports (a full chain check: entries checked of all),
    woken by the report rather than at its next interval."""
    import time

    from vetting.jobs.tasks import Heartbeat

    world = build_world(app)
    rt = runtime_of(app)
    job_id = _start(app, world)
    claim = _claim(app, job_id)
    assert claim is not None
    deadline = time.monotonic() + 60
    with Heartbeat(rt, claim, interval=3600) as heartbeat:
        heartbeat.report(3, 10)
        while (_job(app, job_id).progress_done, _job(app, job_id).progress_total) != (3, 10):
            assert time.monotonic() < deadline, "the reported progress never reached the row"
            time.sleep(0.02)
        heartbeat.report(12, 10)  # more than the total is never written past it
        while _job(app, job_id).progress_done != 10:
            assert time.monotonic() < deadline, "the reported progress never reached the row"
            time.sleep(0.02)
    assert _job(app, job_id).status is JobStatus.RUNNING
