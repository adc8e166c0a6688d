"""Concurrent writers share one gap-free audit chain (R5) without "database is locked".

SQLite: every transaction starts with BEGIN IMMEDIATE and waits on busy_timeout, so
writers queue instead of failing when a read turns into a write. PostgreSQL: an
advisory lock serialises appends to the chain. The same test runs on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import make_user, runtime_of
from vetting.audit import writer
from vetting.audit.events import Event
from vetting.models import AuditCheckpoint, AuditEvent, Cycle, Role, User
from vetting.services import audit_log, cycles

THREADS = 8
ROUNDS = 10
#: Upper bound for a thread to finish; only there so a deadlock fails instead of hanging.
JOIN_LIMIT_SECONDS = 120
#: Stand-ins for the two events of one transaction (the chain stores every member alike).
FIRST, SECOND = Event.HOLIDAY_ADDED, Event.HOLIDAY_REMOVED


def run_together(work: Callable[[int, int], None]) -> list[BaseException]:
    """Run ``work(thread, round)`` ROUNDS times in each of THREADS threads started together."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for r in range(ROUNDS):
                work(n, r)
        except BaseException as error:  # noqa: BLE001 - collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,), name=f"writer-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_LIMIT_SECONDS)
    assert not any(t.is_alive() for t in threads), "a writer thread never finished (deadlock?)"
    return errors


def counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0,
    )


def test_concurrent_audit_writes_keep_one_valid_chain(app: Flask) -> None:
    """R5: 8 threads x 10 transactions of 2 events each: no errors, a gap-free chain, one checkpoint each."""
    db = runtime_of(app).db

    def work(n: int, r: int) -> None:
        with db.transaction() as session:
            writer.record(session, None, FIRST, thread=n, round=r)
            writer.record(session, None, SECOND, thread=n, round=r)

    errors = run_together(work)
    assert errors == [], [repr(e) for e in errors[:3]]

    rt = runtime_of(app)
    with rt.db.transaction() as session:
        assert counts(session) == (THREADS * ROUNDS * 2, THREADS * ROUNDS)
        seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        assert seqs == list(range(1, THREADS * ROUNDS * 2 + 1))
        # The two events of one transaction are neighbours in the chain.
        pairs = list(
            session.execute(select(AuditEvent.seq, AuditEvent.event, AuditEvent.data).order_by(AuditEvent.seq))
        )
        for first, second in zip(pairs[::2], pairs[1::2], strict=True):
            assert (first.event, second.event) == (FIRST, SECOND)
            assert first.data == second.data
        result = audit_log.verify(session, rt.settings.audit_signing_key.public_key())
    assert result.ok, result.summary()
    assert result.entries == THREADS * ROUNDS * 2


def test_concurrent_service_writes(app: Flask) -> None:
    """Half the threads create cycles through the service, half record events: all succeed, chain verifies."""
    admin = make_user(app, "admin@x.test", Role.ADMIN)
    db = runtime_of(app).db

    def work(n: int, r: int) -> None:
        with db.transaction() as session:
            if n % 2:
                actor = session.get(User, admin.id)
                assert actor is not None
                cycles.create_cycle(session, actor, title=f"Cycle {n}-{r}", position="Officer", blind_review=False)
            else:
                writer.record(session, None, FIRST, thread=n, round=r)

    errors = run_together(work)
    assert errors == [], [repr(e) for e in errors[:3]]

    rt = runtime_of(app)
    with rt.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Cycle)) == THREADS // 2 * ROUNDS
        assert counts(session) == (1 + THREADS * ROUNDS, 1 + THREADS * ROUNDS)
        result = audit_log.verify(session, rt.settings.audit_signing_key.public_key())
    assert result.ok, result.summary()
