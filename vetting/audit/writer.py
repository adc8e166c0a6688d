"""Appending to the audit chain, below every service (Flask-free; issue 12).

Every use case calls :func:`record` in the same transaction as its change. Before each
commit that added events, one Ed25519-signed checkpoint over the new chain head is written in
that same transaction (:func:`sign_pending_checkpoint`, hooked up by :mod:`vetting.db`).
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
    """Append one event to the chain and return it (flushed)."""
    current: tuple[int, str] | None = session.info.get(_HEAD_KEY)
    if current is None:
        _lock_chain(session)
        current = head(session)
    fields = EntryFields(
        seq=current[0] + 1,
        occurred_at=utcnow(),
        actor_id=actor_id,
        event=event.value,
        subject_type=subject.type if subject else None,
        subject_id=subject.id if subject else None,
        data=canonical_json(data),
        prev_hash=current[1],
    )
    entry = AuditEvent(
        seq=fields.seq,
        occurred_at=fields.occurred_at,
        actor_id=actor_id,
        event=fields.event,
        subject_type=fields.subject_type,
        subject_id=fields.subject_id,
        data=fields.data,
        prev_hash=fields.prev_hash,
        entry_hash=fields.compute_hash(),
    )
    session.add(entry)
    session.flush()
    session.info[_HEAD_KEY] = (entry.seq, entry.entry_hash)
    session.info[_DIRTY_KEY] = True
    return entry


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
    """Sign the chain head this transaction reached (``before_commit``, savepoints included).

    The head is read back from the database, so events undone by a rolled-back
    savepoint are never signed, and those before it always are.
    """
    if not session.info.pop(_DIRTY_KEY, False):
        return
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
    """After any rollback the cached head may be undone; after the outermost one, nothing is pending."""
    session.info.pop(_HEAD_KEY, None)
    if previous_transaction.parent is None:
        session.info.pop(_DIRTY_KEY, None)
