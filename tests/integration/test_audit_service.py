"""The audit log service on the real database (R5: append-only, hash-chained, signed).

Every committed transaction that wrote events also wrote one signed checkpoint over
its last event; a rolled-back transaction leaves nothing. The ORM refuses to change
audit rows; changes made behind its back with plain SQL are found by ``verify``,
which names the first broken entry.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from tests.support import Clock, make_user, runtime_of
from vetting.audit import writer
from vetting.audit.chain import GENESIS_HASH, VerifyResult, canonical_json, public_key_id
from vetting.audit.events import Event, Subject
from vetting.cli import cli
from vetting.errors import Forbidden, ValidationFailed
from vetting.models import AppendOnlyError, AuditCheckpoint, AuditEvent, Role, User
from vetting.services import audit_log

#: Stand-ins: the chain stores every member alike; distinct members tell the events apart.
ONE, TWO, THREE = Event.HOLIDAY_ADDED, Event.HOLIDAY_REMOVED, Event.KEYS_ROTATED
LOST_ONE, LOST_TWO = Event.CYCLE_CREATED, Event.CYCLE_CLOSED
INNER, OUTER = Event.MFA_ENROLLED, Event.MFA_RESET


def write(app: Flask, *names: Event) -> list[AuditEvent]:
    """Record one event per name in one transaction and return them."""
    with runtime_of(app).db.transaction() as session:
        return [writer.record(session, None, name, name=name.value) for name in names]


def data_of(name: Event) -> str:
    """The stored data of an event :func:`write` recorded."""
    return canonical_json({"name": name.value})


def events(app: Flask) -> list[AuditEvent]:
    with runtime_of(app).db.transaction() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def checkpoints(app: Flask) -> list[AuditCheckpoint]:
    with runtime_of(app).db.transaction() as session:
        return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))


def verify(app: Flask) -> VerifyResult:
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        return audit_log.verify(session, rt.settings.audit_signing_key.public_key())


def sql(app: Flask, statement: str, **params: Any) -> None:
    """Run raw SQL in a transaction of its own, behind the ORM's back."""
    with runtime_of(app).db.transaction() as session:
        session.execute(text(statement), params)


def chain_of(app: Flask, transactions: int = 4, per_transaction: int = 2) -> int:
    """Write a chain whose events carry distinct data; return its length."""
    n = 0
    for _ in range(transactions):
        names = []
        for _ in range(per_transaction):
            n += 1
            names.append(f"test.event{n}")
        with runtime_of(app).db.transaction() as session:
            for name in names:
                writer.append(session, None, ONE, Subject("test", name), {"n": name})
    assert verify(app).ok
    return n


# --- checkpoints per transaction -----------------------------------------------------------


def test_each_committing_transaction_signs_one_checkpoint_over_its_last_event(app: Flask, clock: Clock) -> None:
    """R5: one checkpoint per transaction that wrote events, covering exactly its last event."""
    rt = runtime_of(app)
    batches = [write(app, ONE), write(app, ONE, TWO, THREE), write(app, TWO, THREE)]
    with rt.db.transaction() as session:  # a transaction that writes no event signs nothing
        session.scalar(select(func.count()).select_from(AuditEvent))
    clock.advance(minutes=1)
    batches.append(write(app, ONE))

    cps = checkpoints(app)
    assert [cp.seq for cp in cps] == [batch[-1].seq for batch in batches] == [1, 4, 6, 7]
    key_id = public_key_id(rt.settings.audit_signing_key.public_key())
    for cp, batch in zip(cps, batches, strict=True):
        assert cp.entry_hash == batch[-1].entry_hash
        assert cp.key_id == key_id
    assert cps[-1].signed_at == clock.now

    stored = events(app)
    assert [e.seq for e in stored] == list(range(1, 8))
    assert stored[0].prev_hash == GENESIS_HASH
    for before, after in zip(stored, stored[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    result = verify(app)
    assert result.ok, result.reason
    assert (result.entries, result.checkpoints) == (7, 4)


def test_rolled_back_transaction_leaves_no_event_and_no_checkpoint(app: Flask) -> None:
    """R5: events share the fate of the change they record; the chain continues from the last commit."""
    write(app, ONE, TWO)

    def record_then_fail(error: Exception) -> None:
        with runtime_of(app).db.transaction() as session:
            writer.record(session, None, LOST_ONE)
            writer.record(session, None, LOST_TWO)
            raise error

    with pytest.raises(RuntimeError, match="boom"):
        record_then_fail(RuntimeError("boom"))
    with pytest.raises(ValidationFailed):  # a domain error without a refusal records nothing either
        record_then_fail(ValidationFailed("no", field="x"))

    assert [e.event for e in events(app)] == [ONE, TWO]
    assert [cp.seq for cp in checkpoints(app)] == [2]
    after = write(app, THREE)
    assert after[0].seq == 3
    assert after[0].prev_hash == events(app)[1].entry_hash
    assert verify(app).ok


def test_services_write_events_with_checkpoints(app: Flask) -> None:
    """Service calls (here: creating users) leave a verifiable chain."""
    make_user(app, "ann@x.test", Role.ADMIN)
    make_user(app, "bob@x.test", Role.INVESTIGATOR)
    assert [e.event for e in events(app)] == [Event.USER_CREATED, Event.USER_CREATED]
    assert [cp.seq for cp in checkpoints(app)] == [1, 2]
    assert verify(app).ok


# --- the ORM refuses changes ---------------------------------------------------------------------


def test_orm_refuses_to_update_an_event(app: Flask) -> None:
    """R5: changing a loaded AuditEvent raises AppendOnlyError at flush; nothing changes."""
    write(app, ONE, TWO)

    def change(seq: int, *, flush: bool) -> None:
        with runtime_of(app).db.transaction() as session:
            entry = session.get(AuditEvent, seq)
            assert entry is not None
            entry.data = '{"name":"rewritten"}'
            if flush:
                session.flush()
            # otherwise the flush before commit refuses it

    with pytest.raises(AppendOnlyError):
        change(1, flush=True)
    with pytest.raises(AppendOnlyError):
        change(2, flush=False)
    assert [e.data for e in events(app)] == [data_of(ONE), data_of(TWO)]
    assert verify(app).ok


def test_orm_refuses_to_delete_an_event(app: Flask) -> None:
    write(app, ONE, TWO)

    def delete_last() -> None:
        with runtime_of(app).db.transaction() as session:
            session.delete(session.get(AuditEvent, 2))

    with pytest.raises(AppendOnlyError):
        delete_last()
    assert len(events(app)) == 2
    assert verify(app).ok


def test_orm_refuses_to_change_or_delete_a_checkpoint(app: Flask) -> None:
    write(app, ONE)

    def change() -> None:
        with runtime_of(app).db.transaction() as session:
            session.scalars(select(AuditCheckpoint)).one().seq = 5

    def delete() -> None:
        with runtime_of(app).db.transaction() as session:
            session.delete(session.scalars(select(AuditCheckpoint)).one())

    with pytest.raises(AppendOnlyError):
        change()
    with pytest.raises(AppendOnlyError):
        delete()
    assert [cp.seq for cp in checkpoints(app)] == [1]
    assert verify(app).ok


def test_unchanged_attribute_assignment_is_not_tampering(app: Flask) -> None:
    """Setting a field to its current value changes nothing and is allowed."""
    write(app, ONE)
    with runtime_of(app).db.transaction() as session:
        entry = session.get(AuditEvent, 1)
        assert entry is not None
        entry.event = ONE.value
    assert verify(app).ok


def test_orm_bulk_update_and_delete_are_refused(app: Flask) -> None:
    """R5: ORM-enabled bulk UPDATE/DELETE bypass before_flush; the do_orm_execute guard refuses them."""
    write(app, ONE, TWO)
    for statement in (
        update(AuditEvent).where(AuditEvent.seq == 1).values(data='{"name":"bulk"}'),
        delete(AuditEvent).where(AuditEvent.seq == 2),
        delete(AuditCheckpoint),
    ):
        with pytest.raises(AppendOnlyError), runtime_of(app).db.transaction() as session:
            session.execute(statement)
    assert verify(app).ok


# --- tampering with plain SQL is found by verify ----------------------------------------------------


@pytest.mark.parametrize("seq", [1, 4, 5, 8])
def test_sql_update_of_data_is_found(app: Flask, seq: int) -> None:
    """R5: UPDATE audit_events SET data=... WHERE seq=k -> broken at k."""
    chain_of(app)
    sql(app, "UPDATE audit_events SET data = :d WHERE seq = :k", d='{"n":"rewritten"}', k=seq)
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == seq, result.reason
    assert f"BROKEN at entry {seq}" in result.summary()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("event", "test.forged"),
        ("actor_id", "ADMIN"),
        ("subject_id", "someone-else"),
        ("subject_type", None),
        ("prev_hash", "f" * 64),
        ("entry_hash", "e" * 64),
        ("data", "not json at all"),
        ("data", '{"n": "test.event2"}'),  # same JSON value, different bytes
    ],
)
def test_sql_update_of_any_column_is_found(app: Flask, column: str, value: object) -> None:
    """R5: a change to any hashed column (or the stored hash) of entry 3 is reported at 3."""
    admin = make_user(app, "ann@x.test", Role.ADMIN)  # entry 1
    chain_of(app)  # entries 2..9, written by the system (no actor)
    if value == "ADMIN":
        value = admin.id  # pin the entry on someone who did not do it
    sql(app, f"UPDATE audit_events SET {column} = :v WHERE seq = 3", v=value)
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == 3, result.reason


def test_sql_rewrite_with_recomputed_hash_is_found_by_the_next_link(app: Flask) -> None:
    """R5: rewriting an entry and its hash consistently still breaks the link to it."""
    chain_of(app)
    with runtime_of(app).db.transaction() as session:
        entry = session.get(AuditEvent, 3)
        assert entry is not None
        forged = replace(entry.fields(), data='{"n":"forged"}')
    sql(
        app,
        "UPDATE audit_events SET data = :d, entry_hash = :h WHERE seq = 3",
        d=forged.data,
        h=forged.compute_hash(),
    )
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == 3, result.reason


def test_sql_delete_of_a_middle_row_is_found(app: Flask) -> None:
    """R5: a deleted entry is named by its seq."""
    chain_of(app)
    sql(app, "DELETE FROM audit_events WHERE seq = 5")
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == 5, result.reason
    assert "missing" in (result.reason or "")


def test_sql_delete_of_the_last_row_is_found(app: Flask) -> None:
    """R5: truncation: the signed checkpoint names an entry that is no longer there."""
    n = chain_of(app)
    sql(app, "DELETE FROM audit_events WHERE seq = :k", k=n)
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == n, result.reason
    assert "truncated" in (result.reason or "")


def test_sql_delete_of_the_first_row_is_found(app: Flask) -> None:
    chain_of(app)
    sql(app, "DELETE FROM audit_events WHERE seq = 1")
    result = verify(app)
    assert result.broken_seq == 1, result.reason


def test_sql_swap_of_two_rows_data_is_found(app: Flask) -> None:
    """R5: two entries trading their data -> broken at the first of them."""
    chain_of(app)
    stored = {e.seq: e.data for e in events(app)}
    sql(app, "UPDATE audit_events SET data = :d WHERE seq = 3", d=stored[6])
    sql(app, "UPDATE audit_events SET data = :d WHERE seq = 6", d=stored[3])
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == 3, result.reason


def test_sql_insert_of_a_forged_tail_is_found(app: Flask) -> None:
    """R5: a well-formed appended entry is not covered by any signed checkpoint."""
    n = chain_of(app)
    with runtime_of(app).db.sessionmaker() as session, session.begin():
        # No writer.append here, so no checkpoint is signed (as if written by another program).
        last = session.get(AuditEvent, n)
        assert last is not None
        fields = replace(last.fields(), seq=n + 1, prev_hash=last.entry_hash)
        session.execute(
            text(
                "INSERT INTO audit_events (seq, occurred_at, actor_id, event, subject_type, subject_id, data, "
                "prev_hash, entry_hash) SELECT :seq, occurred_at, actor_id, event, subject_type, subject_id, data, "
                ":prev, :hash FROM audit_events WHERE seq = :last"
            ),
            {"seq": n + 1, "prev": last.entry_hash, "hash": fields.compute_hash(), "last": n},
        )
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == n + 1, result.reason


def test_sql_delete_of_a_checkpoint_leaves_an_unsigned_tail(app: Flask) -> None:
    chain_of(app, transactions=3, per_transaction=2)
    sql(app, "DELETE FROM audit_checkpoints WHERE seq = 6")
    result = verify(app)
    assert not result.ok
    assert result.broken_seq == 5, result.reason


def test_sql_change_of_a_checkpoint_is_found(app: Flask) -> None:
    chain_of(app)
    sql(app, "UPDATE audit_checkpoints SET seq = 3 WHERE seq = 4")
    result = verify(app)
    assert not result.ok
    assert "bad signature" in (result.reason or "")


# --- verifying --------------------------------------------------------------------------------------


def test_cli_audit_verify_succeeds_on_an_untouched_chain(app: Flask) -> None:
    """`vetting audit verify` reports OK with the counts, and `--full` exits 1 naming the entry once
    tampered (the routine check reads only entries after the last one verified)."""
    n = chain_of(app)
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Audit chain OK: {n} entries, 4 signed checkpoints" in result.output

    sql(app, "UPDATE audit_events SET event = 'x' WHERE seq = 2")
    result = runner.invoke(cli, ["audit", "verify", "--full"])
    assert result.exit_code == 1
    assert "BROKEN at entry 2" in result.output


def test_empty_chain_verifies(app: Flask) -> None:
    result = verify(app)
    assert result.ok
    assert result.entries == 0


def test_verify_as_needs_audit_read_and_is_itself_audited(app: Flask) -> None:
    """Only auditors run the check in the app; each run is recorded with its outcome."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    auditor = make_user(app, "aud@x.test", Role.AUDITOR)
    rt = runtime_of(app)
    public = rt.settings.audit_signing_key.public_key()
    with pytest.raises(Forbidden), rt.db.transaction() as session:
        audit_log.verify_as(session, _user(session, admin.id), public)
    with rt.db.transaction() as session:
        result = audit_log.verify_as(session, _user(session, auditor.id), public)
    assert result.ok
    last = events(app)[-1]
    assert last.event == Event.AUDIT_VERIFIED
    assert last.actor_id == auditor.id
    assert audit_log.event_data(last) == {"ok": True, "entries": 2, "broken_seq": None}
    assert verify(app).ok


def test_list_events_filters_and_needs_audit_read(app: Flask) -> None:
    auditor = make_user(app, "aud@x.test", Role.AUDITOR)
    board = make_user(app, "b@x.test", Role.BOARD_MEMBER)
    write(app, ONE, TWO, ONE)
    rt = runtime_of(app)
    with rt.db.transaction() as session:
        found = audit_log.list_events(session, _user(session, auditor.id), audit_log.LogFilter(event=ONE))
        assert [e.seq for e in found] == [5, 3]
        older = audit_log.list_events(session, _user(session, auditor.id), audit_log.LogFilter(before_seq=3), limit=1)
        assert [e.seq for e in older] == [2]
        with pytest.raises(Forbidden):
            audit_log.list_events(session, _user(session, board.id), audit_log.LogFilter())
        with pytest.raises(Forbidden):
            audit_log.log_page(session, _user(session, board.id), audit_log.LogFilter())


def test_savepoint_rollback_does_not_break_the_chain(app: Flask) -> None:
    """R5: an event written inside a rolled-back SAVEPOINT must not leave a dangling pending head."""
    write(app, ONE)
    with runtime_of(app).db.transaction() as session:
        nested = session.begin_nested()
        writer.record(session, None, INNER)
        nested.rollback()
        writer.record(session, None, OUTER)
    result = verify(app)
    assert result.ok, result.summary()
    assert [e.event for e in events(app)] == [ONE, OUTER]


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def test_savepoint_rollback_keeps_the_outer_events_signed(app: Flask) -> None:
    """R5: events written before a rolled-back SAVEPOINT are committed and must still get their checkpoint."""
    write(app, ONE)
    with runtime_of(app).db.transaction() as session:
        writer.record(session, None, OUTER)
        nested = session.begin_nested()
        writer.record(session, None, INNER)
        nested.rollback()
    assert [e.event for e in events(app)] == [ONE, OUTER]
    result = verify(app)
    assert result.ok, result.summary()
