"""The witnessed chain head on the server (issue 14, point 2): the schedule's guarded anchoring,
what the auditor's console and ``GET /api/v1/audit/verify`` say about the last anchor, and the
console's chain check against the configured witness.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from tests.support import Clock, login, make_user, runtime_of
from tests.web.helpers import db
from tests.web.world import API, bearer
from vetting import create_app
from vetting.audit import writer
from vetting.audit.events import Event
from vetting.config import ConfigError, Settings, load_settings
from vetting.models import AuditEvent, Role
from vetting.services import audit_anchor


@pytest.fixture
def witness(tmp_path: Path) -> Path:
    folder = tmp_path / "witness"
    folder.mkdir()
    return folder / "head.jsonl"


@pytest.fixture
def witnessed_app(settings: Settings, witness: Path) -> Iterator[Flask]:
    application = create_app(settings.with_overrides(audit_witnesses=(witness,)))
    yield application
    runtime_of(application).db.dispose()


def fill(app: Flask, count: int = 12) -> None:
    """``count`` committed transactions of one event each."""
    for n in range(count):
        with db(app) as session:
            writer.record(session, None, Event.HOLIDAY_ADDED, n=n)


def due(app: Flask) -> list[audit_anchor.AnchorOutcome] | None:
    rt = runtime_of(app)
    witnesses = audit_anchor.file_witnesses(rt.settings.audit_witnesses)
    return audit_anchor.anchor_if_due(rt.db, witnesses, rt.settings.audit_anchor_interval)


def events(app: Flask, name: str) -> list[dict[str, Any]]:
    with db(app) as session:
        rows = session.scalars(select(AuditEvent.data).where(AuditEvent.event == name).order_by(AuditEvent.seq))
        return [json.loads(r) for r in rows]


def verify_api(app: Flask, headers: dict[str, str]) -> dict[str, Any]:
    response = app.test_client().get(f"{API}/audit/verify", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


# --- the schedule ------------------------------------------------------------------------------


def test_anchoring_is_due_once_per_interval(witnessed_app: Flask, witness: Path, clock: Clock) -> None:
    fill(witnessed_app)
    outcomes = due(witnessed_app)
    assert outcomes is not None
    [outcome] = outcomes
    assert outcome.ok
    assert due(witnessed_app) is None  # within the interval
    clock.advance(minutes=59)
    assert due(witnessed_app) is None
    clock.advance(minutes=2)
    assert due(witnessed_app) is not None
    assert len(witness.read_text().splitlines()) == 2
    anchored = events(witnessed_app, "audit.anchored")
    assert [a["seq"] for a in anchored] == [outcome.seq, anchored[1]["seq"]]
    assert anchored[1]["seq"] == outcome.seq + 1  # the first anchor's own event, now witnessed
    assert set(anchored[0]) == {"witness", "seq", "entry_hash"}


def test_concurrent_schedulers_anchor_once(witnessed_app: Flask, witness: Path) -> None:
    fill(witnessed_app)
    results: list[object] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        results.append(due(witnessed_app))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(r is not None for r in results) == 1
    assert len(witness.read_text().splitlines()) == 1
    assert len(events(witnessed_app, "audit.anchored")) == 1


def test_the_background_anchorer_sleeps_until_the_next_anchor_is_due(witnessed_app: Flask, witness: Path) -> None:
    fill(witnessed_app)
    rt = runtime_of(witnessed_app)
    anchorer = audit_anchor.Anchorer(rt.db, audit_anchor.file_witnesses([witness]), timedelta(hours=1))
    assert anchorer.run_once() == timedelta(hours=1)
    assert len(witness.read_text().splitlines()) == 1


def test_a_failing_witness_is_audited_and_never_raises(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "gone" / "head.jsonl"
    app = create_app(settings.with_overrides(audit_witnesses=(missing,)))
    try:
        fill(app)
        [outcome] = due(app) or []
        assert not outcome.ok
        [failed] = events(app, "audit.anchor_failed")
        assert failed == {"witness": f"file {missing}", "seq": outcome.seq, "reason": outcome.reason}
        assert failed["reason"] == "FileNotFoundError: No such file or directory"
    finally:
        runtime_of(app).db.dispose()


def test_the_schedule_starts_only_when_serving_with_a_witness(settings: Settings, witness: Path) -> None:
    tested = create_app(settings.with_overrides(audit_witnesses=(witness,)))
    served = create_app(settings.with_overrides(audit_witnesses=(witness,), testing=False))
    plain = create_app(settings.with_overrides(testing=False))
    try:
        assert "vetting_anchorer" not in tested.extensions
        assert "vetting_anchorer" not in plain.extensions
        anchorer = served.extensions["vetting_anchorer"]
        assert anchorer._thread is None  # not at start-up: a command-line run never starts it
    finally:
        for a in (tested, served, plain):
            runtime_of(a).db.dispose()


# --- the console -------------------------------------------------------------------------------


def test_the_console_shows_the_last_anchor(witnessed_app: Flask, witness: Path, clock: Clock) -> None:
    auditor = make_user(witnessed_app, "audit@x.test", Role.AUDITOR)
    headers = bearer(witnessed_app, auditor)
    body = verify_api(witnessed_app, headers)
    assert body["anchor"]["state"] == "never"
    assert body["anchor"]["warning"]
    assert body["ok"] is True  # the existing fields stay
    [outcome] = due(witnessed_app) or []

    body = verify_api(witnessed_app, headers)
    anchor = body["anchor"]
    assert anchor["state"] == "ok"
    assert anchor["warning"] is None
    assert anchor["witnesses"] == [f"file {witness}"]
    assert anchor["interval_minutes"] == 60
    assert anchor["last"] == {
        "seq": outcome.seq,
        "entry_hash": outcome.entry_hash,
        "anchored_at": anchor["last"]["anchored_at"],
        "witness": f"file {witness}",
    }
    assert anchor["last"]["anchored_at"].startswith("2026-11-02T")
    assert (body["witnessed_heads"], body["witnessed_seq"]) == (1, outcome.seq)

    web = witnessed_app.test_client()
    login(web, auditor, clock)
    html = web.get("/audit").get_data(as_text=True)
    assert f"Last anchor: entry {outcome.seq}" in html
    assert f"file {witness}" in html
    assert 'id="anchor-warning"' not in html

    clock.advance(hours=2, minutes=1)
    body = verify_api(witnessed_app, headers)
    assert body["anchor"]["state"] == "stale"
    assert "older than twice" in body["anchor"]["warning"]
    login(web, auditor, clock)
    html = web.get("/audit").get_data(as_text=True)
    assert 'id="anchor-warning"' in html
    assert "older than twice" in html


def test_the_console_warns_when_the_newest_anchor_failed(settings: Settings, tmp_path: Path, clock: Clock) -> None:
    missing = tmp_path / "gone" / "head.jsonl"
    app = create_app(settings.with_overrides(audit_witnesses=(missing,)))
    try:
        auditor = make_user(app, "audit@x.test", Role.AUDITOR)
        due(app)
        body = verify_api(app, bearer(app, auditor))
        assert body["anchor"]["state"] == "failed"
        assert body["anchor"]["last"] is None
        assert body["anchor"]["last_failure"]["reason"] == "FileNotFoundError: No such file or directory"
        assert "failed" in body["anchor"]["warning"]
        web = app.test_client()
        login(web, auditor, clock)
        html = web.get("/audit").get_data(as_text=True)
        assert 'id="anchor-warning"' in html
        assert "Anchoring the chain head failed" in html
    finally:
        runtime_of(app).db.dispose()


def test_without_a_witness_the_console_says_so_without_an_alert(app: Flask, clock: Clock) -> None:
    auditor = make_user(app, "audit@x.test", Role.AUDITOR)
    body = verify_api(app, bearer(app, auditor))
    assert body["anchor"]["state"] == "not_configured"
    assert body["anchor"]["warning"] is None
    web = app.test_client()
    login(web, auditor, clock)
    html = web.get("/audit").get_data(as_text=True)
    assert "No witness is configured" in html
    assert 'id="anchor-warning"' not in html


def test_the_console_check_fails_on_a_tail_cut_the_witness_saw(witnessed_app: Flask, clock: Clock) -> None:
    auditor = make_user(witnessed_app, "audit@x.test", Role.AUDITOR)
    headers = bearer(witnessed_app, auditor)
    fill(witnessed_app, 15)
    [outcome] = due(witnessed_app) or []
    with db(witnessed_app) as session:
        kept = outcome.seq - 10
        session.execute(text("DELETE FROM audit_checkpoints WHERE seq > :k"), {"k": kept})
        session.execute(text("DELETE FROM audit_events WHERE seq > :k"), {"k": kept})
    body = verify_api(witnessed_app, headers)
    assert body["ok"] is False
    assert f"signed head at entry {outcome.seq}" in body["reason"]
    assert body["broken_seq"] == kept + 1


# --- configuration -----------------------------------------------------------------------------


def test_a_witness_inside_the_instance_folder_is_refused_at_start(keys_dir: Path) -> None:
    with pytest.raises(ConfigError, match="inside the instance folder"):
        load_settings(keys_dir, env={"VETTING_AUDIT_WITNESS": str(keys_dir / "witness.jsonl")})


def test_witnesses_and_the_interval_come_from_the_environment(keys_dir: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    loaded = load_settings(keys_dir, env={"VETTING_AUDIT_WITNESS": f"{a}:{b}", "VETTING_AUDIT_ANCHOR_MINUTES": "15"})
    assert loaded.audit_witnesses == (a, b)
    assert loaded.audit_anchor_interval == timedelta(minutes=15)
    assert load_settings(keys_dir, env={}).audit_anchor_interval == timedelta(hours=1)
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings(keys_dir, env={"VETTING_AUDIT_ANCHOR_MINUTES": "0"})
