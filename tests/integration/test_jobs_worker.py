"""Real consumers (issue 17): ``vetting worker`` runs the audit report job from Redis and from the
embedded SQLite queue; killed with SIGKILL mid-job and started again, it finishes the job once.

Where the kill lands is chosen deterministically: a test-only wrapper around the real command
makes the job's last step (recording the result) signal the test and wait, with the report
rendered and its audit event written but not committed; the test then kills the worker. The
restarted worker is the plain command.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.cli.conftest import VETTING
from tests.support import runtime_of
from tests.web.world import World, build_world
from vetting.config import Settings
from vetting.models import JobKind, User
from vetting.services import audit_log, jobs

REDIS_URL = "redis://127.0.0.1:6379/0"
#: Every wait here ends by itself.
PATIENCE = 120.0
#: The restarted worker's lease: how long a dead worker's claim holds the job.
LEASE = "2"

PAUSE_WRAPPER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    from vetting.services import jobs

    def pause(*args, **kwargs):
        Path(os.environ["JOBS_TEST_PAUSED"]).write_text("paused")
        time.sleep(600)
        raise SystemExit("the test did not kill the worker")

    jobs.finish = pause
    from vetting.cli import main

    main()
    """
)


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["redis", "sqlite"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        if not _redis_answers():
            pytest.skip(f"Redis does not answer at {REDIS_URL}")
        return f"{REDIS_URL}?queue=vetting-test-{secrets.token_hex(6)}"
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


@pytest.fixture
def settings(settings: Settings, broker: str) -> Settings:
    return settings.with_overrides(queue_url=broker)


@pytest.fixture
def queue_flushed(app: Flask) -> Iterator[None]:
    yield
    runtime_of(app).queue.huey.flush()


def _env(settings: Settings, paused: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETTING_")}
    assert settings.queue_url is not None
    env |= {
        "VETTING_INSTANCE_PATH": str(settings.instance_path),
        "VETTING_DATABASE_URL": settings.database_url,
        "VETTING_QUEUE_URL": settings.queue_url,
        "VETTING_AGENCY_NAME": "Test Police Department",
        "JOBS_TEST_PAUSED": str(paused),
    }
    return env


def _worker(settings: Settings, tmp_path: Path, *, paused: bool = False) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-c", PAUSE_WRAPPER] if paused else [str(VETTING)]
    with (tmp_path / f"worker-{secrets.token_hex(3)}.log").open("wb") as log:
        return subprocess.Popen(  # noqa: S603 - our own command
            [*argv, "worker", "--workers", "1", "--lease", LEASE],
            env=_env(settings, tmp_path / "paused"),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _peek(settings: Settings, sql: str, **params: Any) -> Any:
    """Read with a plain connection: the app's own SQLite transactions wait for the write lock,
    which the paused worker holds."""
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).one()
    finally:
        engine.dispose()


def _job(settings: Settings, job_id: int) -> Any:
    return _peek(settings, "SELECT status, attempt, result_sha256 FROM jobs WHERE id = :id", id=job_id)


def _wait(what: str, check: Any, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> int:
    """Stop a worker as a person would (Ctrl-C: Huey finishes what runs, then exits)."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=PATIENCE)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def _start_report(app: Flask, world: World) -> int:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        view = jobs.start_job(session, auditor, JobKind.AUDIT_REPORT, cycle_id=world.cycle_id)
    assert rt.queue.offer(view.id)
    return view.id


def _reports_made(settings: Settings, cycle_id: int) -> list[dict[str, Any]]:
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT data FROM audit_events WHERE event = 'audit.report_pdf' AND subject_id = :id"),
                {"id": str(cycle_id)},
            )
            return [json.loads(row.data) for row in rows]
    finally:
        engine.dispose()


def _download(app: Flask, world: World, job_id: int) -> bytes:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        auditor = session.get(User, world.auditor.id)
        assert auditor is not None
        _, _, content = jobs.job_result(session, auditor, rt.security.keyring, rt.queue.results, job_id)
    return content


def _chain_verifies(app: Flask) -> bool:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return audit_log.verify(session, rt.settings.audit_signing_key.public_key(), ()).ok


@pytest.mark.usefixtures("queue_flushed")
def test_the_worker_runs_the_report_job(app: Flask, settings: Settings, tmp_path: Path) -> None:
    world = build_world(app)
    worker = _worker(settings, tmp_path)
    try:
        job_id = _start_report(app, world)
        _wait("the job to finish", lambda: _job(settings, job_id).status in ("done", "failed"), worker)
    finally:
        stopped = _stop(worker)
    assert stopped == 0
    job = _job(settings, job_id)
    assert (job.status, job.attempt) == ("done", 1)
    content = _download(app, world, job_id)
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == job.result_sha256
    [made] = _reports_made(settings, world.cycle_id)
    assert made["sha256"] == job.result_sha256
    assert _chain_verifies(app)


@pytest.mark.usefixtures("queue_flushed")
def test_a_worker_killed_mid_job_and_restarted_finishes_it_once(app: Flask, settings: Settings, tmp_path: Path) -> None:
    world = build_world(app)
    job_id = _start_report(app, world)
    paused = tmp_path / "paused"
    doomed = _worker(settings, tmp_path, paused=True)
    try:
        _wait("the job to reach its last step", paused.exists, doomed)
        # Rendered, audit event written, result not yet recorded: nothing of it is committed.
        assert tuple(_job(settings, job_id))[:2] == ("running", 1)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=PATIENCE)
    assert _job(settings, job_id).status == "running"  # the dead worker's claim, until its lease ends
    assert _reports_made(settings, world.cycle_id) == []

    worker = _worker(settings, tmp_path)
    try:
        _wait("the restarted worker to finish the job", lambda: _job(settings, job_id).status != "running", worker)
    finally:
        assert _stop(worker) == 0
    job = _job(settings, job_id)
    assert (job.status, job.attempt) == ("done", 2)
    [made] = _reports_made(settings, world.cycle_id)  # once: the killed attempt left no event
    assert made["sha256"] == job.result_sha256
    content = _download(app, world, job_id)
    assert hashlib.sha256(content).hexdigest() == job.result_sha256
    assert _chain_verifies(app)
