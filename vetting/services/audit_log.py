"""Writing, reading and verifying the audit chain.

Every service that changes state calls :func:`record` in the same transaction as the
change (Indico's ``abstract.log`` idea). Before each commit that added events, one
Ed25519-signed checkpoint over the new chain head is written in that same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session, SessionTransaction

from vetting import policy
from vetting.audit_chain import (
    GENESIS_HASH,
    EntryFields,
    StoredEntry,
    VerifyResult,
    canonical_json,
    sign_checkpoint,
    verify_chain,
)
from vetting.audit_export import export_lines
from vetting.clock import start_of, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import ValidationFailed
from vetting.models import AuditCheckpoint, AuditEvent, Evidence, Finding, User

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


def append(
    session: Session,
    actor_id: int | None,
    event: str,
    *,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it (flushed)."""
    head: tuple[int, str] | None = session.info.get(_HEAD_KEY)
    if head is None:
        _lock_chain(session)
        head = _head(session)
    fields = EntryFields(
        seq=head[0] + 1,
        occurred_at=utcnow(),
        actor_id=actor_id,
        event=event,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        data=canonical_json(data or {}),
        prev_hash=head[1],
    )
    entry = AuditEvent(
        seq=fields.seq,
        occurred_at=fields.occurred_at,
        actor_id=actor_id,
        event=event,
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


def _head(session: Session) -> tuple[int, str]:
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (last.seq, last.entry_hash) if last else (0, GENESIS_HASH)


def record(
    session: Session,
    actor: User | None,
    event: str,
    *,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` (``None``: the system or the command line) did ``event``."""
    return append(
        session,
        actor.id if actor else None,
        event,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
    )


def sign_pending_checkpoint(session: Session) -> None:
    """Sign the chain head this transaction reached (``before_commit``, savepoints included).

    The head is read back from the database, so events undone by a rolled-back
    savepoint are never signed, and those before it always are.
    """
    if not session.info.pop(_DIRTY_KEY, False):
        return
    seq, entry_hash = _head(session)
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


def _iter_entries(session: Session, batch: int = 2000) -> Iterator[StoredEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.stored()
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session, public_key: Ed25519PublicKey) -> VerifyResult:
    """Check the whole chain and every checkpoint (``vetting audit verify``)."""
    checkpoints = [c.checkpoint() for c in session.scalars(select(AuditCheckpoint))]
    return verify_chain(_iter_entries(session), checkpoints, public_key)


def verify_as(session: Session, actor: User, public_key: Ed25519PublicKey) -> VerifyResult:
    """Run :func:`verify` for an auditor and record that the check was run."""
    policy.require(actor, policy.Action.AUDIT_READ)
    result = verify(session, public_key)
    record(
        session,
        actor,
        "audit.verified",
        data={"ok": result.ok, "entries": result.entries, "broken_seq": result.broken_seq},
    )
    return result


def export(session: Session, public_key: Ed25519PublicKey) -> tuple[int, bytes]:
    """The chain up to its newest signed checkpoint, with every checkpoint and the public key
    (:mod:`vetting.audit_export`); returns the last entry exported and the file."""
    checkpoints = [c.checkpoint() for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))]
    through = checkpoints[-1].seq if checkpoints else 0
    entries = (e for e in _iter_entries(session) if e.fields.seq <= through)
    content = "".join(export_lines(entries, checkpoints, public_key, utcnow())).encode()
    return through, content


def export_as(session: Session, actor: User | None, public_key: Ed25519PublicKey) -> tuple[str, bytes]:
    """:func:`export` for an auditor (or the command line: ``actor`` None); the file's hash is
    recorded, after the exported entries, so the export itself is on the chain."""
    if actor is not None:
        policy.require(actor, policy.Action.AUDIT_READ)
    through, content = export(session, public_key)
    record(session, actor, "audit.exported", data={"through_seq": through, "sha256": sha256_hex(content)})
    return f"audit-export-{through}.jsonl", content


def list_events(
    session: Session,
    actor: User,
    *,
    event: str | None = None,
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    candidate_id: int | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Newest first, filtered; for auditors. ``since`` and ``until`` are whole UTC days,
    both included; ``candidate_id`` matches events about the candidate, its findings and
    its evidence files."""
    policy.require(actor, policy.Action.AUDIT_READ)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(max(1, min(limit, 500)))
    if candidate_id is not None:
        query = query.where(
            or_(*(and_(AuditEvent.subject_type == t, AuditEvent.subject_id == i)
                  for t, i in candidate_subjects(session, candidate_id)))
        )  # fmt: skip
    if event:
        query = query.where(AuditEvent.event == event)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= start_of(check_day(since, "since")))
    if until is not None:
        query = query.where(AuditEvent.occurred_at < start_of(check_day(until, "until") + timedelta(days=1)))
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return list(session.scalars(query))


#: Date filters outside these bounds are typing mistakes (and 9999-12-31 has no next day).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def check_day(value: date, field: str) -> date:
    """A filter date within :data:`FIRST_DAY`–:data:`LAST_DAY`, or a 422 naming the field."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationFailed(
            f"{field}: give a date between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}.", field=field
        )
    return value


def candidate_subjects(session: Session, candidate_id: int) -> list[tuple[str, str]]:
    """Every (subject type, subject id) an event about this candidate can carry."""
    findings = list(session.scalars(select(Finding.id).where(Finding.candidate_id == candidate_id)))
    evidence = list(session.scalars(select(Evidence.id).where(Evidence.finding_id.in_(findings))))
    return [
        ("candidate", str(candidate_id)),
        *(("finding", str(f)) for f in findings),
        *(("evidence", str(e)) for e in evidence),
    ]


def event_names(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event)))


def actor_names(session: Session) -> list[tuple[int, str]]:
    """Everyone who appears as an actor in the log, for the filter."""
    query = select(User.id, User.name).where(User.id.in_(select(AuditEvent.actor_id).distinct())).order_by(User.name)
    return [(row.id, row.name) for row in session.execute(query)]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def event_data(entry: AuditEvent) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(entry.data)
    return loaded
