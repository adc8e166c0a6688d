"""The chain check of issue 17: one consistent snapshot, streamed rows, resumed after a signed marker.

Runs on SQLite and, with ``VETTING_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import event, func, select, text

from tests.support import Clock, api_headers, login, make_user, post_form, runtime_of
from vetting.audit import verification, writer
from vetting.audit.chain import VerifyResult, sign_marker
from vetting.audit.events import Event
from vetting.cli import cli
from vetting.clock import utcnow
from vetting.models import AuditEvent, AuditVerification, Role
from vetting.services import audit_log

API = "/api/v1"


def write(app: Flask, count: int = 1) -> None:
    """One transaction recording ``count`` events (one checkpoint over the last)."""
    with runtime_of(app).db.transaction() as session:
        for _ in range(count):
            writer.record(session, None, Event.HOLIDAY_ADDED, n=1)


def check(app: Flask, *, resume: bool = False, progress: Any = None) -> VerifyResult:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return audit_log.verify(session, rt.settings.audit_signing_key.public_key(), resume=resume, progress=progress)


def check_and_mark(app: Flask, *, full: bool = False) -> VerifyResult:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return audit_log.verify_and_mark(session, rt.settings.audit_signing_key.public_key(), (), full=full)


def markers(app: Flask) -> list[int]:
    with runtime_of(app).db.transaction() as session:
        return list(session.scalars(select(AuditVerification.seq).order_by(AuditVerification.id)))


def sql(app: Flask, statement: str, **params: Any) -> None:
    with runtime_of(app).db.transaction() as session:
        session.execute(text(statement), params)


def chain_end(app: Flask) -> int:
    with runtime_of(app).db.transaction() as session:
        return session.scalar(select(func.max(AuditEvent.seq))) or 0


# --- one consistent snapshot ---------------------------------------------------------------------


#: Transactions the concurrent writer commits at most (three entries and a checkpoint each).
MAX_WRITES = 300


def test_the_check_never_reports_a_break_while_others_write(app: Flask) -> None:
    """Issue 17: run while others write, the check read checkpoints and entries in separate
    snapshots and reported entries "not covered by any signed checkpoint"."""
    write(app, 3)
    stop = threading.Event()
    failures: list[BaseException] = []
    written = [0]

    def keep_writing() -> None:
        try:
            # Bounded: a writer that outpaces the checks would grow the chain each full check reads.
            while not stop.is_set() and written[0] < MAX_WRITES:
                write(app, 3)
                written[0] += 1
        except BaseException as error:  # surfaced by the assertion below
            failures.append(error)

    writer_thread = threading.Thread(target=keep_writing)
    writer_thread.start()
    results: list[VerifyResult] = []
    try:
        while (len(results) < 40 or written[0] < 20) and writer_thread.is_alive():
            results.append(check(app, resume=len(results) % 2 == 1))
            if len(results) % 5 == 0:
                results.append(check_and_mark(app))
    finally:
        stop.set()
        writer_thread.join()
    assert not failures, failures
    broken = [r.summary() for r in results if not r.ok]
    assert broken == []
    assert len({r.entries for r in results}) > 1  # the writes did overlap the checks
    assert check(app).ok


def test_writes_committed_during_a_check_are_not_in_it(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministically: a transaction commits between two pages the check reads; the check
    sees the chain as it was when it began, not entries without their checkpoint."""
    write(app, 4)
    write(app, 4)
    monkeypatch.setattr(verification, "PAGE", 2)
    commits = []

    def commit_more(checked: int, total: int) -> None:
        write(app, 3)
        commits.append(checked)

    result = check(app, progress=commit_more)
    assert result.ok, result.summary()
    assert result.entries == 8
    assert len(commits) == 4
    assert chain_end(app) == 8 + 3 * 4
    assert check(app).ok


# --- the chain's lock: only for the append ------------------------------------------------------


def test_a_transaction_takes_the_chain_lock_only_to_append(app: Flask) -> None:
    """Issue 17: an event is appended just before its commit, so a transaction that recorded
    one does not hold up others' audited writes while it goes on with its work."""
    write(app)
    done = threading.Event()

    def other() -> None:
        write(app, 2)
        done.set()

    with runtime_of(app).db.transaction() as session:
        mine = writer.record(session, None, Event.HOLIDAY_REMOVED, n=1)
        thread = threading.Thread(target=other)
        thread.start()
        appended_meanwhile = done.wait(timeout=60)
        assert mine.seq is None  # not numbered yet
    thread.join()
    assert appended_meanwhile
    assert mine.seq == 4  # numbered at its commit, after the other transaction's two
    with runtime_of(app).db.transaction() as session:
        names = list(session.scalars(select(AuditEvent.event).order_by(AuditEvent.seq)))
    assert names == ["holiday.added"] * 3 + ["holiday.removed"]
    assert check(app).ok


def test_a_savepoint_rolled_back_drops_only_its_own_events(app: Flask) -> None:
    with runtime_of(app).db.transaction() as session:
        writer.record(session, None, Event.HOLIDAY_ADDED, n=1)
        outer = session.begin_nested()
        writer.record(session, None, Event.HOLIDAY_REMOVED, n=2)
        inner = session.begin_nested()
        writer.record(session, None, Event.HOLIDAY_REMOVED, n=3)
        inner.commit()
        outer.rollback()
        kept = session.begin_nested()
        writer.record(session, None, Event.KEYS_ROTATED, n=4)
        kept.commit()
    with runtime_of(app).db.transaction() as session:
        rows = session.execute(select(AuditEvent.seq, AuditEvent.data).order_by(AuditEvent.seq)).all()
    assert [tuple(r) for r in rows] == [(1, '{"n":1}'), (2, '{"n":4}')]
    result = check(app)
    assert result.ok, result.summary()
    assert result.checkpoints == 1


# --- streamed, not ORM objects --------------------------------------------------------------------


def test_the_check_builds_no_orm_objects(app: Flask) -> None:
    write(app, 5)
    write(app, 5)
    loaded: list[object] = []

    def on_load(target: object, _context: object) -> None:
        loaded.append(target)

    event.listen(AuditEvent, "load", on_load)
    try:
        assert check(app).ok
        with runtime_of(app).db.transaction() as session:
            session.scalars(select(AuditEvent)).all()
    finally:
        event.remove(AuditEvent, "load", on_load)
    assert len(loaded) == 10  # only the query above, none from the check


# --- incremental: resumed after a signed marker ---------------------------------------------------


def test_the_routine_check_reads_only_the_entries_after_the_marker(app: Flask) -> None:
    for _ in range(5):
        write(app, 4)
    first = check_and_mark(app)
    assert first.ok
    assert first.entries == 20
    assert first.resumed_from is None
    assert markers(app) == [20]  # the check's own entry (21) comes after the one it verified
    write(app, 3)

    counted: list[tuple[int, int]] = []
    routine = check(app, resume=True, progress=lambda n, total: counted.append((n, total)))
    assert routine.ok, routine.summary()
    assert routine.resumed_from == 20
    assert counted == [(4, 4)]  # entry 21 (the check itself) and the three new ones
    assert (routine.entries, routine.checkpoints) == (24, 7)
    assert "entries after 20 checked now" in routine.summary()
    assert routine.last_checkpoint is not None
    assert routine.last_checkpoint.seq == 24

    full = check(app)
    assert (full.entries, full.checkpoints, full.last_checkpoint) == (24, 7, routine.last_checkpoint)
    assert full.resumed_from is None

    again = check_and_mark(app)
    assert again.ok
    assert again.resumed_from == 20
    assert markers(app) == [20, 24]


def test_a_rewrite_below_the_marker_is_found_by_the_full_check(app: Flask) -> None:
    write(app, 3)
    write(app, 3)
    assert check_and_mark(app).ok
    sql(app, "UPDATE audit_events SET event = 'x' WHERE seq = 2")
    assert check(app, resume=True).ok  # what a routine check trusts to the marker
    full = check_and_mark(app, full=True)
    assert not full.ok
    assert (full.broken_seq, full.reason) == (2, "content does not match its hash (entry altered)")
    assert markers(app) == [6]  # a broken chain leaves no marker


def test_a_forged_marker_is_not_trusted(app: Flask) -> None:
    """A marker is trusted only with the chain key's signature; an attacker's marker past a
    rewrite would otherwise hide it from the routine check."""
    write(app, 3)
    assert check_and_mark(app).ok
    write(app, 3)
    sql(app, "UPDATE audit_verifications SET seq = 6")
    result = check(app, resume=True)
    assert not result.ok
    assert (result.broken_seq, result.reason) == (6, "the verification marker at entry 6 has a bad signature")

    # Signed by another key: refused too.
    with runtime_of(app).db.transaction() as session:
        head = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        forged = sign_marker(Ed25519PrivateKey.generate(), head.seq, head.entry_hash, 3, utcnow())
        session.add(
            AuditVerification(
                seq=forged.seq,
                entry_hash=forged.entry_hash,
                checkpoints=forged.checkpoints,
                verified_at=forged.verified_at,
                key_id=forged.key_id,
                signature=forged.signature,
            )
        )
    result = check(app, resume=True)
    assert not result.ok
    assert result.reason == f"the verification marker at entry {head.seq} has a bad signature"


@pytest.mark.parametrize(
    ("statement", "seq", "reason"),
    [
        (
            "UPDATE audit_events SET event = 'x' WHERE seq = 6",
            6,
            "content does not match its hash (entry altered)",
        ),
        ("DELETE FROM audit_checkpoints WHERE seq = 6", 6, "is missing or altered"),
        ("UPDATE audit_checkpoints SET signature = 'AAAA' WHERE seq = 6", 6, "is missing or altered"),
    ],
    ids=["marker-entry-altered", "its-checkpoint-deleted", "its-checkpoint-forged"],
)
def test_what_the_marker_rests_on_is_checked(app: Flask, statement: str, seq: int, reason: str) -> None:
    write(app, 3)
    write(app, 3)
    assert check_and_mark(app).ok
    sql(app, statement)
    result = check(app, resume=True)
    assert not result.ok
    assert result.broken_seq == seq
    assert result.reason is not None
    assert reason in result.reason


def test_a_tail_cut_below_the_marker_is_found(app: Flask) -> None:
    write(app, 3)
    write(app, 3)
    assert check_and_mark(app).ok
    sql(app, "DELETE FROM audit_checkpoints WHERE seq > 3")
    sql(app, "DELETE FROM audit_events WHERE seq > 3")
    result = check(app, resume=True)
    assert not result.ok
    assert result.broken_seq == 4
    assert result.reason is not None
    assert "entries up to 6 were verified" in result.reason
    assert "chain ends at 3 (truncated)" in result.reason


# --- who records markers: actions, never a page read ---------------------------------------------


def test_the_api_read_checks_from_the_marker_without_recording_one(app: Flask, clock: Clock) -> None:
    auditor = make_user(app, "aud@x.test", Role.AUDITOR)
    write(app, 3)
    headers = api_headers(app, auditor)
    client = app.test_client()
    assert check_and_mark(app).ok
    before = markers(app)
    body = client.get(f"{API}/audit/verify", headers=headers).get_json()
    assert body["ok"] is True
    assert "entries after" in body["summary"]
    assert markers(app) == before

    # The console's check is a POST: it records a marker.
    web = app.test_client()
    login(web, auditor, clock)
    response = post_form(web, "/audit/verify", {}, page="/audit")
    assert response.status_code == 200
    assert "Audit chain OK" in response.get_data(as_text=True)
    assert len(markers(app)) == len(before) + 1


def test_cli_verify_records_a_marker_and_full_shows_progress(app: Flask) -> None:
    write(app, 3)
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit chain OK: 3 entries" in result.stdout
    assert markers(app) == [3]
    result = runner.invoke(cli, ["audit", "verify"])
    assert "entries after 3 checked now" in result.stdout
    result = runner.invoke(cli, ["audit", "verify", "--full"])
    assert result.exit_code == 0, result.output
    assert "Checking every entry" in result.stderr
    assert "Audit chain OK: 5 entries" in result.stdout
    assert "checked now" not in result.stdout
    assert markers(app) == [3, 4, 5]


def test_pages_and_checkpoints_meet_across_page_boundaries(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "PAGE", 3)
    for size in (1, 4, 2, 5, 1):
        write(app, size)
    result = check(app)
    assert result.ok, result.summary()
    assert (result.entries, result.checkpoints) == (13, 5)
    sql(app, "UPDATE audit_checkpoints SET entry_hash = :h WHERE seq = 7", h="0" * 64)
    broken = check(app)
    assert (broken.broken_seq, broken.reason) == (7, "checkpoint at entry 7 has a bad signature")
