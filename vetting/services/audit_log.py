"""Reading, verifying and exporting the audit chain (the writer is :mod:`vetting.audit.writer`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import ColumnElement, Select, String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit import verification, writer
from vetting.audit.chain import StoredEntry, VerifyResult
from vetting.audit.events import Event
from vetting.audit.export import export_lines
from vetting.audit.verification import Progress
from vetting.audit.witness import WitnessedHead
from vetting.audit.writer import record
from vetting.clock import start_of, utcnow
from vetting.crypto import sha256_hex
from vetting.errors import ValidationFailed
from vetting.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    Candidate,
    Cycle,
    Evidence,
    Finding,
    User,
    UserRole,
)


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


def verify(
    session: Session,
    public_key: Ed25519PublicKey,
    witnessed: Sequence[WitnessedHead] = (),
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> VerifyResult:
    """Check the chain and every checkpoint, and that the chain holds every ``witnessed`` head
    (read from witnesses outside the database), in one consistent snapshot read beside
    ``session``'s transaction (:mod:`vetting.audit.verification`): from the genesis, or with
    ``resume`` only the entries after the newest verified marker."""
    return verification.check(verification.engine_of(session), public_key, witnessed, resume=resume, progress=progress)


def verify_as(
    session: Session, actor: User, public_key: Ed25519PublicKey, witnessed: Sequence[WitnessedHead] = ()
) -> VerifyResult:
    """Run :func:`verify` for an auditor and record that the check was run."""
    return verify_recorded(session, actor, public_key, witnessed)[0]


def verify_recorded(
    session: Session,
    actor: User,
    public_key: Ed25519PublicKey,
    witnessed: Sequence[WitnessedHead],
    *,
    mark: bool = False,
) -> tuple[VerifyResult, int]:
    """The routine check (after the newest verified marker) for an auditor, and the entry that
    records it. That entry comes after the ones checked, so a log read just after shows one
    entry more than the check counted. With ``mark`` (an action, never a page read) an intact
    chain also gets a new marker, so the next routine check starts after this one."""
    policy.require(actor, policy.Action.AUDIT_READ)
    return _verify_and_record(session, actor, public_key, witnessed, full=False, mark=mark)


def verify_and_mark(
    session: Session,
    public_key: Ed25519PublicKey,
    witnessed: Sequence[WitnessedHead],
    *,
    full: bool,
    progress: Progress | None = None,
) -> VerifyResult:
    """``vetting audit verify [--full]``: the routine check (or, ``full``, every entry from the
    genesis), recorded, and a new marker when the chain is intact."""
    return _verify_and_record(session, None, public_key, witnessed, full=full, mark=True, progress=progress)[0]


def _verify_and_record(
    session: Session,
    actor: User | None,
    public_key: Ed25519PublicKey,
    witnessed: Sequence[WitnessedHead],
    *,
    full: bool,
    mark: bool,
    progress: Progress | None = None,
) -> tuple[VerifyResult, int]:
    result = verify(session, public_key, witnessed, resume=not full, progress=progress)
    seq, _marker = _record_check(session, actor, result, mark=mark)
    return result, seq


def _record_check(
    session: Session, actor: User | None, result: VerifyResult, *, mark: bool
) -> tuple[int, AuditVerification | None]:
    """``audit.verified`` for ``result`` (the entry's number), and with ``mark`` the signed marker
    an intact chain gets."""
    entry = record(
        session, actor, Event.AUDIT_VERIFIED, ok=result.ok, entries=result.entries, broken_seq=result.broken_seq
    )
    # Appended now, not at the commit: the caller names the entry that records the check.
    writer.flush(session)
    return entry.seq, verification.record_marker(session, result) if mark else None


def record_full_check(session: Session, actor: User, result: VerifyResult) -> tuple[int, AuditVerification | None]:
    """Keep what ``vetting audit verify --full`` keeps, for a check an auditor's job ran: the
    ``audit.verified`` entry (its number) and, for an intact chain, the signed marker.

    The job reads the chain first (:func:`verify` from the genesis, on a snapshot of its own, so
    its transaction holds no lock while it reads); the requester's right is checked here, before
    anything is recorded or handed back."""
    policy.require(actor, policy.Action.AUDIT_READ)
    if result.resumed_from is not None:
        raise ValueError("a full check starts from the genesis")
    return _record_check(session, actor, result, mark=True)


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
    #: The actor's name (joined in the same query; ``None`` for the system).
    actor_name: str | None = None

    @classmethod
    def of(cls, entry: AuditEvent, actor_name: str | None = None) -> LoggedEvent:
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
            actor_name,
        )


@dataclass(frozen=True)
class LogFilter:
    """What the auditor narrowed the log to. ``since`` and ``until`` are whole UTC days, both
    included; ``candidate_id`` and ``candidate_code`` (the code staff use, e.g. ``C-005``, the
    same code in every cycle that has it) match events about the candidate, its findings and its
    evidence files; ``before_seq`` pages back from an entry."""

    event: str | None = None
    actor_id: int | None = None
    candidate_id: int | None = None
    since: date | None = None
    until: date | None = None
    before_seq: int | None = None
    candidate_code: str | None = None


@dataclass(frozen=True)
class Actor:
    """Someone who appears as an actor on the chain: for the filter and the log's "who"."""

    id: int
    name: str
    roles: str


@dataclass(frozen=True)
class CandidateMatch:
    """A candidate the candidate filter matched, with its cycle (a code recurs across cycles)."""

    id: int
    code: str
    cycle_title: str


@dataclass(frozen=True)
class LogPage:
    """The audit log page: one page of events and what its filters offer."""

    events: list[LoggedEvent]
    #: Every event name and every actor on the chain, for the filters.
    names: list[str]
    actors: list[Actor]
    #: Events matching the filters (all pages, not only this one).
    total: int
    filters: LogFilter
    page_size: int
    #: The chain check the auditor just ran, if any.
    result: VerifyResult | None = None
    #: The candidates the candidate filter matched.
    candidates: list[CandidateMatch] | None = None
    #: The entry that records the chain check just run (it follows the entries checked).
    check_seq: int | None = None

    def roles_of(self, actor_id: int | None) -> str:
        return next((a.roles for a in self.actors if a.id == actor_id), "")


def normalise_code(value: str) -> str:
    """A candidate code as staff type it: ``c-5``, ``C5`` or ``5`` read as ``C-005``."""
    text = value.strip().upper()
    digits = text.removeprefix("C").lstrip("-").strip()
    return f"C-{int(digits):03d}" if digits.isdigit() else text


def _conditions(filters: LogFilter) -> list[ColumnElement[bool]]:
    """The filters as SQL conditions (paging excluded), shared by the page and its count."""
    conditions: list[ColumnElement[bool]] = []
    if filters.candidate_id is not None or filters.candidate_code:
        conditions.append(_about_candidates(_candidates(filters)))
    if filters.event:
        conditions.append(AuditEvent.event == filters.event)
    if filters.actor_id is not None:
        conditions.append(AuditEvent.actor_id == filters.actor_id)
    if filters.since is not None:
        conditions.append(AuditEvent.occurred_at >= start_of(check_day(filters.since, "since")))
    if filters.until is not None:
        conditions.append(AuditEvent.occurred_at < start_of(check_day(filters.until, "until") + timedelta(days=1)))
    return conditions


def list_events(session: Session, actor: User, filters: LogFilter, limit: int = 100) -> list[LoggedEvent]:
    """Newest first, filtered; for auditors. One query, whatever the number of rows: the actor's
    name is joined in."""
    policy.require(actor, policy.Action.AUDIT_READ)
    query = (
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(filters))
        .order_by(AuditEvent.seq.desc())
        .limit(max(1, min(limit, 500)))
    )
    if filters.before_seq is not None:
        query = query.where(AuditEvent.seq < filters.before_seq)
    return [LoggedEvent.of(entry, name) for entry, name in session.execute(query)]


def count_events(session: Session, actor: User, filters: LogFilter) -> int:
    """How many events match ``filters`` on every page (SQL ``COUNT``)."""
    policy.require(actor, policy.Action.AUDIT_READ)
    return session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(filters))) or 0


def log_page(session: Session, actor: User, filters: LogFilter, page_size: int = 100) -> LogPage:
    """The console's audit log page, for auditors: a fixed number of queries, whatever the page size."""
    events = list_events(session, actor, filters, page_size)
    matched = None
    if filters.candidate_id is not None or filters.candidate_code:
        query = (
            select(Candidate.id, Candidate.code, Cycle.title)
            .join(Cycle, Cycle.id == Candidate.cycle_id)
            .where(Candidate.id.in_(_candidates(filters)))
            .order_by(Candidate.id)
        )
        matched = [CandidateMatch(row.id, row.code, row.title) for row in session.execute(query)]
    return LogPage(
        events,
        _event_names(session),
        _actors(session),
        count_events(session, actor, filters),
        filters,
        page_size,
        candidates=matched,
    )


def verify_page(
    session: Session,
    actor: User,
    public_key: Ed25519PublicKey,
    filters: LogFilter,
    page_size: int = 100,
    witnessed: Sequence[WitnessedHead] = (),
) -> LogPage:
    """Run the chain check (:func:`verify_as`) and show the log with its result, the check's
    own event included (and named, so the counts agree: ``check_seq``)."""
    result, seq = verify_recorded(session, actor, public_key, witnessed, mark=True)
    return replace(log_page(session, actor, filters, page_size), result=result, check_seq=seq)


#: Date filters outside these bounds are typing mistakes (and 9999-12-31 has no next day).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def check_day(value: date, field: str) -> date:
    """A filter date within :data:`FIRST_DAY`–:data:`LAST_DAY`, or a 422 naming the field."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationFailed(
            f"{field}: give a date between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}.", field=field
        )
    return value


def _candidates(filters: LogFilter) -> Select[int]:
    """The ids of the candidates the filter names (by id, by code, or both)."""
    query = select(Candidate.id)
    if filters.candidate_id is not None:
        query = query.where(Candidate.id == filters.candidate_id)
    if filters.candidate_code:
        query = query.where(Candidate.code == normalise_code(filters.candidate_code))
    return query


def _about_candidates(ids: Select[int]) -> ColumnElement[bool]:
    """Events about these candidates, their findings and their evidence files, in one condition
    (subject ids are text on the chain, so the ids are compared as text)."""
    findings = select(Finding.id).where(Finding.candidate_id.in_(ids))
    evidence = select(Evidence.id).where(Evidence.finding_id.in_(findings))
    return or_(
        and_(
            AuditEvent.subject_type == "candidate", AuditEvent.subject_id.in_(select(cast(ids.subquery().c.id, String)))
        ),
        and_(
            AuditEvent.subject_type == "finding",
            AuditEvent.subject_id.in_(select(cast(findings.subquery().c.id, String))),
        ),
        and_(
            AuditEvent.subject_type == "evidence",
            AuditEvent.subject_id.in_(select(cast(evidence.subquery().c.id, String))),
        ),
    )


def _event_names(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event)))


def _actors(session: Session) -> list[Actor]:
    """Everyone who appears as an actor in the log, with their roles, in one query."""
    query = (
        select(User.id, User.name, UserRole.role)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(User.id.in_(select(AuditEvent.actor_id).distinct()))
        .order_by(User.name, User.id)
    )
    roles: dict[tuple[int, str], list[str]] = {}
    for row in session.execute(query):
        held = roles.setdefault((row.id, row.name), [])
        if row.role is not None:
            held.append(row.role.label)
    return [Actor(uid, name, ", ".join(sorted(held))) for (uid, name), held in roles.items()]


def event_data(entry: AuditEvent) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(entry.data)
    return loaded
