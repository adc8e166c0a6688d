"""Appending to the audit chain, below every service (Flask-free; issue 12).

Every use case calls :func:`record` in the same transaction as its change. The event is kept
in the session and appended just before the commit (:func:`sign_pending_checkpoint`, hooked
up by :mod:`vetting.db`), together with one Ed25519-signed checkpoint over the new chain head:
the chain's write lock is taken only for that append and released by the commit, not held
through the rest of the use case (issue 17). An event recorded inside a savepoint that rolls
back is dropped with it. :func:`flush` appends at once, for a caller that needs the entry's
number before the commit.

Every write request waits for that lock, so on PostgreSQL the append makes as few round trips
as it can while holding it: the use case's own rows are flushed before it is taken, the lock
and the head are asked for in one pipeline (the head's statement starts after the lock is
granted, so it reads the previous holder's commit), and the events and their checkpoint are
inserted in a second one; the commit is the third.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session, SessionTransaction

from vetting.audit.chain import GENESIS_HASH, Checkpoint, EntryFields, canonical_json, sign_checkpoint
from vetting.audit.events import Auditable, Event, Subject
from vetting.clock import utcnow
from vetting.errors import Refusal
from vetting.models import AuditCheckpoint, AuditEvent, User

#: The chain head as this transaction left it (saves a query per appended event).
_HEAD_KEY = "audit_head"
#: Set once this transaction appended an event: its commit must sign a checkpoint.
_DIRTY_KEY = "audit_dirty"
#: Events recorded but not yet appended, each with the (sub)transaction it was recorded in.
_QUEUE_KEY = "audit_queue"
#: Arbitrary constant: the PostgreSQL advisory lock that serialises chain appends.
_PG_CHAIN_LOCK = 7_311_001


def _lock_chain(session: Session) -> None:
    if _on_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    # SQLite: BEGIN IMMEDIATE already gives this transaction the only write lock.


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _driver(session: Session) -> Any:
    """The psycopg connection under this session's transaction (PostgreSQL only)."""
    return session.connection().connection.driver_connection


def _lock_and_read_head(session: Session) -> tuple[int, str]:
    """Take the chain's lock and read its head: one round trip on PostgreSQL."""
    if not _on_postgresql(session):
        return head(session)
    conn = _driver(session)
    with conn.pipeline():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_CHAIN_LOCK,))
        cursor = conn.execute("SELECT seq, entry_hash FROM audit_events ORDER BY seq DESC LIMIT 1")
    last = cursor.fetchone()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)


def lock_chain(session: Session) -> None:
    """Hold the chain's write lock until this transaction ends (to read, then append, alone)."""
    _lock_chain(session)


def head(session: Session) -> tuple[int, str]:
    """The newest entry's sequence number and hash (the genesis hash for an empty chain)."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.entry_hash) if last else (0, GENESIS_HASH)


def append(
    session: Session,
    actor_id: int | None,
    event: Event,
    subject: Subject | None,
    data: dict[str, Any],
) -> AuditEvent:
    """Record one event, to be appended to the chain when the transaction commits (or at
    :func:`flush`); its ``seq`` and hashes are set then, on the object returned."""
    entry = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        event=event.value,
        subject_type=subject.type if subject else None,
        subject_id=subject.id if subject else None,
        data=canonical_json(data),
    )
    queue: list[tuple[AuditEvent, SessionTransaction | None]] = session.info.setdefault(_QUEUE_KEY, [])
    queue.append((entry, session.get_nested_transaction() or session.get_transaction()))
    return entry


def flush(session: Session) -> None:
    """Append the events recorded so far, taking the chain's lock until the commit."""
    entries = _number(session)
    if entries:
        session.add_all(entries)
        session.flush()


def _number(session: Session) -> list[AuditEvent]:
    """Number and hash the recorded events after the chain's head (taking its lock until the
    commit); the caller inserts them."""
    queue: list[tuple[AuditEvent, SessionTransaction | None]] = session.info.pop(_QUEUE_KEY, [])
    if not queue:
        return []
    current: tuple[int, str] | None = session.info.get(_HEAD_KEY)
    if current is None:
        current = _lock_and_read_head(session)
    seq, prev_hash = current
    for entry, _ in queue:
        seq += 1
        fields = EntryFields(
            seq=seq,
            occurred_at=entry.occurred_at,
            actor_id=entry.actor_id,
            event=entry.event,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            data=entry.data,
            prev_hash=prev_hash,
        )
        entry.seq, entry.prev_hash, entry.entry_hash = seq, prev_hash, fields.compute_hash()
        prev_hash = entry.entry_hash
    session.info[_HEAD_KEY] = (seq, prev_hash)
    session.info[_DIRTY_KEY] = True
    return [entry for entry, _ in queue]


def record(
    session: Session, actor: User | None, event: Event, *, subject: Auditable | None = None, **data: Any
) -> AuditEvent:
    """Record that ``actor`` (``None``: the system or the command line) did ``event``.

    ``data`` holds ids, codes and counts, never candidate content (it is stored in clear).
    """
    return append(session, actor.id if actor else None, event, subject.audit_subject if subject else None, data)


def record_refusal(session: Session, refusal: Refusal) -> AuditEvent:
    """Record a refused attempt (after the attempt's own transaction rolled back)."""
    return append(session, refusal.actor_id, refusal.event, refusal.subject, dict(refusal.data))


def sign_pending_checkpoint(session: Session) -> None:
    """Append the recorded events and sign the chain head this transaction reached
    (``before_commit`` of the outermost transaction; a savepoint's release waits for it).

    The head this transaction appended is signed as it stands (no query, the lock is still held);
    after a savepoint rolled back, it is read back from the database, so events undone by the
    savepoint are never signed, and those before it always are.
    """
    if session.in_nested_transaction():
        return
    session.flush()  # the use case's own rows, before the chain's lock is taken
    entries = _number(session)
    if not session.info.pop(_DIRTY_KEY, False):
        return
    appended: tuple[int, str] | None = session.info.pop(_HEAD_KEY, None)
    if appended is not None:
        # This transaction appended the head itself, under the lock: no checkpoint covers it yet.
        seq, entry_hash = appended
    else:  # a rolled-back savepoint undid what was appended: sign whatever head is left, once
        seq, entry_hash = head(session)
        already = session.scalar(select(AuditCheckpoint.id).where(AuditCheckpoint.seq == seq).limit(1))
        if seq == 0 or already is not None:
            return
    key: Ed25519PrivateKey = session.info["audit_signing_key"]
    cp = sign_checkpoint(key, seq, entry_hash, utcnow())
    if _on_postgresql(session):
        _insert_pipelined(session, entries, cp)
        return
    session.add_all(entries)
    session.add(
        AuditCheckpoint(
            seq=cp.seq,
            entry_hash=cp.entry_hash,
            signed_at=cp.signed_at,
            key_id=cp.key_id,
            signature=cp.signature,
        )
    )
    session.flush()


def _insert_pipelined(session: Session, entries: list[AuditEvent], cp: Checkpoint) -> None:
    """Insert ``entries`` and the checkpoint over them in one round trip (PostgreSQL). The rows
    are exactly what the ORM writes; the entries stay outside the session (nothing reads them
    back in this transaction, and the table is append-only)."""
    conn = _driver(session)
    with conn.pipeline(), conn.cursor() as cursor:
        if entries:
            cursor.executemany(
                "INSERT INTO audit_events (seq, occurred_at, actor_id, event, subject_type, subject_id, data, "
                "prev_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        e.seq,
                        e.occurred_at.astimezone(UTC),
                        e.actor_id,
                        e.event,
                        e.subject_type,
                        e.subject_id,
                        e.data,
                        e.prev_hash,
                        e.entry_hash,
                    )
                    for e in entries
                ],
            )
        cursor.execute(
            "INSERT INTO audit_checkpoints (seq, entry_hash, signed_at, key_id, signature) VALUES (%s, %s, %s, %s, %s)",
            (cp.seq, cp.entry_hash, cp.signed_at.astimezone(UTC), cp.key_id, cp.signature),
        )


def forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    """After any rollback the cached head may be undone, and the events recorded inside the
    rolled-back (sub)transaction are dropped; after the outermost one, nothing is pending."""
    session.info.pop(_HEAD_KEY, None)
    if previous_transaction.parent is None:
        session.info.pop(_DIRTY_KEY, None)
        session.info.pop(_QUEUE_KEY, None)
        return
    queue: list[tuple[AuditEvent, SessionTransaction | None]] = session.info.get(_QUEUE_KEY, [])
    queue[:] = [(entry, tx) for entry, tx in queue if not _within(tx, previous_transaction)]


def _within(tx: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while tx is not None:
        if tx is outer:
            return True
        tx = tx.parent
    return False
