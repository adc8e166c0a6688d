"""Reading, verifying and exporting the audit chain (the writer is :mod:`vetting.audit.writer`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.chain import StoredEntry, VerifyResult, verify_chain
from vetting.audit.events import Event
from vetting.audit.export import export_lines
from vetting.audit.witness import WitnessedHead, verify_witnessed
from vetting.audit.writer import record
from vetting.clock import start_of, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import ValidationFailed
from vetting.models import AuditCheckpoint, AuditEvent, Evidence, Finding, User


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


def verify(session: Session, public_key: Ed25519PublicKey, witnessed: Sequence[WitnessedHead] = ()) -> VerifyResult:
    """Check the whole chain and every checkpoint (``vetting audit verify``), and that the
    chain holds every ``witnessed`` head (read from witnesses outside the database)."""
    checkpoints = [c.checkpoint() for c in session.scalars(select(AuditCheckpoint))]
    if witnessed:
        return verify_witnessed(_iter_entries(session), checkpoints, public_key, witnessed)
    return verify_chain(_iter_entries(session), checkpoints, public_key)


def verify_as(
    session: Session, actor: User, public_key: Ed25519PublicKey, witnessed: Sequence[WitnessedHead] = ()
) -> VerifyResult:
    """Run :func:`verify` for an auditor and record that the check was run."""
    policy.require(actor, policy.Action.AUDIT_READ)
    result = verify(session, public_key, witnessed)
    record(session, actor, Event.AUDIT_VERIFIED, ok=result.ok, entries=result.entries, broken_seq=result.broken_seq)
    return result


def export(session: Session, public_key: Ed25519PublicKey) -> tuple[int, bytes]:
    """The chain up to its newest signed checkpoint, with every checkpoint and the public key
    (:mod:`vetting.audit.export`); returns the last entry exported and the file."""
    checkpoints = [c.checkpoint() for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))]
    through = checkpoints[-1].seq if checkpoints else 0
    entries = (e for e in _iter_entries(session) if e.fields.seq <= through)
    # The chain's own signing key (the one checkpoints are signed with) signs the header.
    signing_key = session.info["audit_signing_key"]
    content = "".join(export_lines(entries, checkpoints, public_key, utcnow(), signing_key)).encode()
    return through, content


def export_as(session: Session, actor: User | None, public_key: Ed25519PublicKey) -> tuple[str, bytes]:
    """:func:`export` for an auditor (or the command line: ``actor`` None); the file's hash is
    recorded, after the exported entries, so the export itself is on the chain."""
    if actor is not None:
        policy.require(actor, policy.Action.AUDIT_READ)
    through, content = export(session, public_key)
    record(session, actor, Event.AUDIT_EXPORTED, through_seq=through, sha256=sha256_hex(content))
    return f"audit-export-{through}.jsonl", content


@dataclass(frozen=True)
class LoggedEvent:
    """One chain entry as the console and the API show it (a copy: no live row)."""

    seq: int
    occurred_at: datetime
    actor_id: int | None
    event: str
    subject_type: str | None
    subject_id: str | None
    data: dict[str, Any]
    prev_hash: str
    entry_hash: str

    @classmethod
    def of(cls, entry: AuditEvent) -> LoggedEvent:
        return cls(
            entry.seq,
            entry.occurred_at,
            entry.actor_id,
            entry.event,
            entry.subject_type,
            entry.subject_id,
            event_data(entry),
            entry.prev_hash,
            entry.entry_hash,
        )


@dataclass(frozen=True)
class LogFilter:
    """What the auditor narrowed the log to. ``since`` and ``until`` are whole UTC days, both
    included; ``candidate_id`` matches events about the candidate, its findings and its evidence
    files; ``before_seq`` pages back from an entry."""

    event: str | None = None
    actor_id: int | None = None
    candidate_id: int | None = None
    since: date | None = None
    until: date | None = None
    before_seq: int | None = None


@dataclass(frozen=True)
class LogPage:
    """The audit log page: one page of events and what its filters offer."""

    events: list[LoggedEvent]
    #: Every event name and every actor (id, name) on the chain, for the filters.
    names: list[str]
    actors: list[tuple[int, str]]
    total: int
    filters: LogFilter
    page_size: int
    #: The chain check the auditor just ran, if any.
    result: VerifyResult | None = None


def list_events(session: Session, actor: User, filters: LogFilter, limit: int = 100) -> list[LoggedEvent]:
    """Newest first, filtered; for auditors."""
    policy.require(actor, policy.Action.AUDIT_READ)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(max(1, min(limit, 500)))
    if filters.candidate_id is not None:
        subjects = _candidate_subjects(session, filters.candidate_id)
        query = query.where(or_(*(and_(AuditEvent.subject_type == t, AuditEvent.subject_id == i) for t, i in subjects)))
    if filters.event:
        query = query.where(AuditEvent.event == filters.event)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.since is not None:
        query = query.where(AuditEvent.occurred_at >= start_of(check_day(filters.since, "since")))
    if filters.until is not None:
        query = query.where(AuditEvent.occurred_at < start_of(check_day(filters.until, "until") + timedelta(days=1)))
    if filters.before_seq is not None:
        query = query.where(AuditEvent.seq < filters.before_seq)
    return [LoggedEvent.of(e) for e in session.scalars(query)]


def log_page(session: Session, actor: User, filters: LogFilter, page_size: int = 100) -> LogPage:
    """The console's audit log page, for auditors."""
    events = list_events(session, actor, filters, page_size)
    return LogPage(events, _event_names(session), _actor_names(session), _count(session), filters, page_size)


def verify_page(
    session: Session,
    actor: User,
    public_key: Ed25519PublicKey,
    filters: LogFilter,
    page_size: int = 100,
    witnessed: Sequence[WitnessedHead] = (),
) -> LogPage:
    """Run the chain check (:func:`verify_as`) and show the log with its result, the check's
    own event included."""
    result = verify_as(session, actor, public_key, witnessed)
    return replace(log_page(session, actor, filters, page_size), result=result)


#: Date filters outside these bounds are typing mistakes (and 9999-12-31 has no next day).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def check_day(value: date, field: str) -> date:
    """A filter date within :data:`FIRST_DAY`–:data:`LAST_DAY`, or a 422 naming the field."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationFailed(
            f"{field}: give a date between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}.", field=field
        )
    return value


def _candidate_subjects(session: Session, candidate_id: int) -> list[tuple[str, str]]:
    """Every (subject type, subject id) an event about this candidate can carry."""
    findings = list(session.scalars(select(Finding.id).where(Finding.candidate_id == candidate_id)))
    evidence = list(session.scalars(select(Evidence.id).where(Evidence.finding_id.in_(findings))))
    return [
        ("candidate", str(candidate_id)),
        *(("finding", str(f)) for f in findings),
        *(("evidence", str(e)) for e in evidence),
    ]


def _event_names(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event)))


def _actor_names(session: Session) -> list[tuple[int, str]]:
    """Everyone who appears as an actor in the log, for the filter."""
    query = select(User.id, User.name).where(User.id.in_(select(AuditEvent.actor_id).distinct())).order_by(User.name)
    return [(row.id, row.name) for row in session.execute(query)]


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def event_data(entry: AuditEvent) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(entry.data)
    return loaded
