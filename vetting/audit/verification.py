"""Checking the stored chain: one consistent snapshot, streamed rows, resumable (issue 17).

A check reads the chain on a connection of its own, in one transaction: ``REPEATABLE READ,
READ ONLY`` on PostgreSQL, a deferred (read) transaction on SQLite, whose WAL snapshot is
fixed at its first read. Entries and checkpoints are thus read as of one instant, so a check
run while others write never sees entries without the checkpoint committed with them.
Rows are read in pages by sequence number as plain tuples (no ORM objects): memory stays
constant whatever the length of the chain.

A check that found the chain intact can leave a *verification marker*: the entry and hash it
verified through and the checkpoints it counted, signed with the chain's key
(:class:`~vetting.audit.chain.VerificationMarker`). A routine check starts from the newest
marker whose signature holds, once the marker's entry and the signed checkpoint at it are
found unchanged, and reads only the entries after it. An entry rewritten below the marker is
found by a full check (``vetting audit verify --full``), which starts from the genesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select
from sqlalchemy.orm import Session

from vetting.audit.chain import (
    Checkpoint,
    EntryFields,
    Resume,
    StoredEntry,
    VerificationMarker,
    VerifyResult,
    format_timestamp,
    sign_marker,
    verify_stream,
)
from vetting.audit.witness import WitnessedHead, check_heads
from vetting.clock import utcnow
from vetting.db import SNAPSHOT_READ
from vetting.models import AuditCheckpoint, AuditEvent, AuditVerification

#: Called with how many more entries were checked, and how many the check will read in all.
Progress = Callable[[int, int], None]

PAGE = 5000

_ENTRY_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.event,
    AuditEvent.subject_type,
    AuditEvent.subject_id,
    AuditEvent.data,
    AuditEvent.prev_hash,
    AuditEvent.entry_hash,
)
_CHECKPOINT_COLUMNS = (
    AuditCheckpoint.id,
    AuditCheckpoint.seq,
    AuditCheckpoint.entry_hash,
    AuditCheckpoint.signed_at,
    AuditCheckpoint.key_id,
    AuditCheckpoint.signature,
)
_MARKER_COLUMNS = (
    AuditVerification.seq,
    AuditVerification.entry_hash,
    AuditVerification.checkpoints,
    AuditVerification.verified_at,
    AuditVerification.key_id,
    AuditVerification.signature,
)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection of its own reading the database as of one instant, writing nothing."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            conn.execution_options(**{SNAPSHOT_READ: True})
        with conn.begin():
            yield conn


def engine_of(session: Session) -> Engine:
    """The engine a check reads with: a connection of its own, outside ``session``'s transaction."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _entry(row: Sequence[object]) -> StoredEntry:
    seq, at, actor, event, subject_type, subject_id, data, prev, entry_hash = row
    fields = EntryFields(seq, at, actor, event, subject_type, subject_id, data, prev)  # type: ignore[arg-type]
    return StoredEntry(fields, entry_hash)  # type: ignore[arg-type]


def _checkpoint(row: Sequence[object]) -> Checkpoint:
    _id, seq, entry_hash, signed_at, key_id, signature = row
    return Checkpoint(seq, entry_hash, signed_at, key_id, signature)  # type: ignore[arg-type]


def entries_after(conn: Connection, seq: int, progress: Callable[[int], None] | None = None) -> Iterator[StoredEntry]:
    """Entries after ``seq`` in order, a page at a time (keyset pagination on the key)."""
    while True:
        rows = conn.execute(
            select(*_ENTRY_COLUMNS).where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(PAGE)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        seq = rows[-1][0]
        if progress is not None:
            progress(len(rows))


def checkpoints_after(conn: Connection, seq: int) -> Iterator[Checkpoint]:
    """Signed checkpoints over entries after ``seq``, in order, a page at a time."""
    after: ColumnElement[bool] = AuditCheckpoint.seq > seq
    while True:
        rows = conn.execute(
            select(*_CHECKPOINT_COLUMNS).where(after).order_by(AuditCheckpoint.seq, AuditCheckpoint.id).limit(PAGE)
        ).all()
        if not rows:
            return
        yield from (_checkpoint(row) for row in rows)
        last_id, last_seq = rows[-1][0], rows[-1][1]
        after = or_(AuditCheckpoint.seq > last_seq, and_(AuditCheckpoint.seq == last_seq, AuditCheckpoint.id > last_id))


def _chain_end(conn: Connection) -> int:
    return conn.scalar(select(func.max(AuditEvent.seq))) or 0


def _broken(seq: int, reason: str) -> VerifyResult:
    return VerifyResult(False, 0, 0, None, broken_seq=seq, reason=reason)


def _resume(conn: Connection, public_key: Ed25519PublicKey) -> Resume | VerifyResult | None:
    """The newest marker as a starting point, once it and what it rests on are found intact;
    a broken result if not; ``None`` when no check ever left a marker."""
    newest = select(*_MARKER_COLUMNS).order_by(AuditVerification.seq.desc(), AuditVerification.id.desc()).limit(1)
    row = conn.execute(newest).first()
    if row is None:
        return None
    marker = VerificationMarker(*row)
    seq, when = marker.seq, format_timestamp(marker.verified_at)
    if not marker.signed_by(public_key):
        return _broken(seq, f"the verification marker at entry {seq} has a bad signature")
    entry = conn.execute(select(*_ENTRY_COLUMNS).where(AuditEvent.seq == seq)).first()
    if entry is None:
        end = _chain_end(conn)
        return _broken(end + 1, f"entries up to {seq} were verified ({when}) but the chain ends at {end} (truncated)")
    stored = _entry(entry)
    if stored.fields.compute_hash() != stored.entry_hash:
        return _broken(seq, "content does not match its hash (entry altered)")
    if stored.entry_hash != marker.entry_hash:
        return _broken(seq, f"entry differs from the one verified {when}")
    cps = conn.execute(select(*_CHECKPOINT_COLUMNS).where(AuditCheckpoint.seq == seq).order_by(AuditCheckpoint.id))
    checkpoints = [_checkpoint(r) for r in cps]
    signed = [cp for cp in checkpoints if cp.signed_by(public_key)]
    if len(signed) != len(checkpoints) or not signed:
        return _broken(seq, f"the signed checkpoint at entry {seq}, verified {when}, is missing or altered")
    if any(cp.entry_hash != marker.entry_hash for cp in signed):
        return _broken(seq, "entry differs from the signed checkpoint")
    return Resume(seq, marker.entry_hash, marker.checkpoints, signed[-1])


def check(
    engine: Engine,
    public_key: Ed25519PublicKey,
    witnessed: Sequence[WitnessedHead] = (),
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> VerifyResult:
    """Verify the stored chain in one snapshot: from the newest verified marker (``resume``)
    or from the genesis, then against every ``witnessed`` head."""
    with snapshot(engine) as conn:
        start = _resume(conn, public_key) if resume else None
        if isinstance(start, VerifyResult):
            return start
        after = start.seq if start else 0
        counted = None
        if progress is not None:
            total = _chain_end(conn) - after
            report = progress

            def counted(n: int) -> None:
                report(n, total)

        wanted = {h.head.seq for h in witnessed}
        seen: dict[int, str] = {}

        def tap(entries: Iterable[StoredEntry]) -> Iterator[StoredEntry]:
            for entry in entries:
                if entry.fields.seq in wanted:
                    seen[entry.fields.seq] = entry.entry_hash
                yield entry

        result = verify_stream(
            tap(entries_after(conn, after, counted)), checkpoints_after(conn, after), public_key, start
        )
        if not result.ok or not witnessed:
            return result
        earlier = sorted(s for s in wanted if s <= after)
        for i in range(0, len(earlier), 1000):
            chunk = earlier[i : i + 1000]
            seen.update(conn.execute(select(AuditEvent.seq, AuditEvent.entry_hash).where(AuditEvent.seq.in_(chunk))))
        return check_heads(result, seen, witnessed, public_key)


def record_marker(session: Session, result: VerifyResult) -> AuditVerification | None:
    """Sign and store the marker of an intact ``result`` (in the caller's transaction, beside
    the ``audit.verified`` event that records the check); nothing for a broken chain."""
    cp = result.last_checkpoint
    if not result.ok or cp is None:
        return None
    key: Ed25519PrivateKey = session.info["audit_signing_key"]
    marker = sign_marker(key, cp.seq, cp.entry_hash, result.checkpoints, utcnow())
    row = AuditVerification(
        seq=marker.seq,
        entry_hash=marker.entry_hash,
        checkpoints=marker.checkpoints,
        verified_at=marker.verified_at,
        key_id=marker.key_id,
        signature=marker.signature,
    )
    session.add(row)
    session.flush()
    return row
