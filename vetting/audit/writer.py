"""Appending to the audit chain, below every service (Flask-free; issue 12).

Every use case calls :func:`record` in the same transaction as its change. The event is kept
in the session and appended just before the commit (:func:`sign_pending_checkpoint`, hooked
up by :mod:`vetting.db`), together with one Ed25519-signed checkpoint over the new chain head:
the chain's write lock is taken only for that append and released by the commit, not held
through the rest of the use case (issue 17). An event recorded inside a savepoint that rolls
back is dropped with it. :func:`flush` appends at once, for a caller that needs the entry's
number before the commit.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session, SessionTransaction

from vetting.audit.chain import GENESIS_HASH, EntryFields, canonical_json, sign_checkpoint
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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    # SQLite: BEGIN IMMEDIATE already gives this transaction the only write lock.


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
    queue: list[tuple[AuditEvent, SessionTransaction | None]] = session.info.pop(_QUEUE_KEY, [])
    if not queue:
        return
    current: tuple[int, str] | None = session.info.get(_HEAD_KEY)
    if current is None:
        _lock_chain(session)
        current = head(session)
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
        session.add(entry)
    session.flush()
    session.info[_HEAD_KEY] = (seq, prev_hash)
    session.info[_DIRTY_KEY] = True


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
    flush(session)
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
