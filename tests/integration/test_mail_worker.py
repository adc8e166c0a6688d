"""``vetting worker`` delivers the outbox (issue 16 point 5): a message handed to the task queue,
and one never handed over (found by the worker's sweep), each reach the SMTP server once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.cli.conftest import VETTING
from tests.integration.smtp import HOST, SmtpServer
from tests.support import runtime_of
from vetting.config import Settings
from vetting.services import mail

PATIENCE = 120.0
AGENCY = "Test Police Department"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.with_overrides(queue_url=f"sqlite:///{tmp_path / 'queue.sqlite3'}")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def _status(settings: Settings, message_id: int) -> Any:
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT status, attempts FROM outbox WHERE id = :id"), {"id": message_id}).one()
    finally:
        engine.dispose()


def _wait_sent(settings: Settings, message_id: int, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + PATIENCE
    while _status(settings, message_id).status != "sent":
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) before message {message_id} was sent")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for message {message_id}")
        time.sleep(0.05)


def _queue(app: Flask, recipient: str) -> int:
    with runtime_of(app).db.transaction() as session:
        return mail.queue(session, None, recipient, mail.TestMessage(), AGENCY)


def test_the_worker_delivers_queued_and_swept_mail_once(
    app: Flask, settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    assert settings.queue_url is not None
    swept = _queue(app, "never-offered@mail.example")  # committed, never handed to the queue
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETTING_")} | {
        "VETTING_INSTANCE_PATH": str(settings.instance_path),
        "VETTING_DATABASE_URL": settings.database_url,
        "VETTING_QUEUE_URL": settings.queue_url,
        "VETTING_AGENCY_NAME": AGENCY,
        "VETTING_SMTP_URL": f"smtp://{HOST}:{smtp.port}",
        "VETTING_MAIL_FROM": "vetting@agency.example",
    }
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [str(VETTING), "worker", "--workers", "2", "--lease", "2"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_sent(settings, swept, worker)
        offered = _queue(app, "offered@mail.example")
        assert runtime_of(app).queue.offer_mail(offered)
        _wait_sent(settings, offered, worker)
        time.sleep(2)  # two sweeps more: nothing is sent again
    finally:
        worker.send_signal(signal.SIGINT)
        assert worker.wait(timeout=PATIENCE) == 0
        runtime_of(app).queue.huey.flush()
    assert sorted(r.recipients[0] for r in smtp.received) == ["never-offered@mail.example", "offered@mail.example"]
    assert (_status(settings, swept).attempts, _status(settings, offered).attempts) == (1, 1)
