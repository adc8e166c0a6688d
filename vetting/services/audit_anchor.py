"""Anchoring the audit chain's head in witnesses outside the database (issue 14, point 2).

``vetting audit anchor`` and the server's schedule both call :func:`anchor`: the newest
signed checkpoint's entry number and hash, signed afresh with the time of anchoring, are
appended to every witness (:mod:`vetting.audit.witness`), and each write is audited
(``audit.anchored`` with the entry number and hash, or ``audit.anchor_failed`` with the
reason, never a secret).

The schedule is a small background thread per server process (:class:`Anchorer`), started at
the first request when a witness is configured and the app is not under test, so command-line
runs never start one. Several processes (gunicorn workers) may each run one: :func:`anchor_if_due`
takes the chain's write lock and anchors only when the newest anchor event (success or failure)
is older than the interval, so one anchor is written per interval whatever the number of
workers. A thread rather than anchoring after a request's commit: an idle server still anchors
the head its last requests left, and no request ever waits on a witness's fsync.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetting import policy
from vetting.audit.chain import Checkpoint, sign_checkpoint
from vetting.audit.events import Event
from vetting.audit.witness import FileWitness, Witness, WitnessedHead, WitnessError, read_heads
from vetting.audit.writer import lock_chain, record
from vetting.clock import utcnow
from vetting.db import Database
from vetting.models import AuditCheckpoint, AuditEvent, User

log = logging.getLogger(__name__)

_ANCHOR_EVENTS = (Event.AUDIT_ANCHORED.value, Event.AUDIT_ANCHOR_FAILED.value)


def file_witnesses(paths: Iterable[Path]) -> list[Witness]:
    """The configured witness files (today the only kind of witness)."""
    return [FileWitness(p) for p in paths]


def configured_heads(paths: Iterable[Path]) -> tuple[list[WitnessedHead], list[str]]:
    """Every head held by the witness files that exist, and a message per file that cannot be read."""
    heads: list[WitnessedHead] = []
    problems: list[str] = []
    for path in paths:
        if not path.exists():
            continue
        try:
            heads += read_heads(path)
        except WitnessError as error:
            problems.append(str(error))
    return heads, problems


@dataclass(frozen=True)
class AnchorOutcome:
    """What one witness did with the head."""

    witness: str
    ok: bool
    seq: int
    entry_hash: str
    reason: str | None = None


def _why(error: Exception) -> str:
    """A reason fit for the audit log: the kind of error and the system's words, no paths or secrets."""
    if isinstance(error, OSError) and error.strerror:
        return f"{type(error).__name__}: {error.strerror}"
    return type(error).__name__ if isinstance(error, OSError) else str(error)


def signed_head(session: Session) -> Checkpoint | None:
    """The newest signed checkpoint's entry and hash, signed now with the chain's key."""
    newest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()
    if newest is None:
        return None
    return sign_checkpoint(session.info["audit_signing_key"], newest.seq, newest.entry_hash, utcnow())


def anchor(session: Session, witnesses: Sequence[Witness]) -> list[AnchorOutcome]:
    """Append the signed head to every witness; audit each write. ``[]``: the chain is empty.

    A witness that fails is recorded and logged; the others are still written.
    """
    lock_chain(session)
    if not witnesses:
        reason = "no witness is configured"
        record(session, None, Event.AUDIT_ANCHOR_FAILED, witness=None, reason=reason)
        return [AnchorOutcome("none", False, 0, "", reason)]
    head = signed_head(session)
    if head is None:
        return []
    outcomes = []
    for witness in witnesses:
        try:
            witness.append(head)
        except (OSError, WitnessError) as error:
            reason = _why(error)
            log.warning("audit anchor to %s failed: %s", witness.name, reason)
            record(session, None, Event.AUDIT_ANCHOR_FAILED, witness=witness.name, seq=head.seq, reason=reason)
            outcomes.append(AnchorOutcome(witness.name, False, head.seq, head.entry_hash, reason))
        else:
            record(session, None, Event.AUDIT_ANCHORED, witness=witness.name, seq=head.seq, entry_hash=head.entry_hash)
            outcomes.append(AnchorOutcome(witness.name, True, head.seq, head.entry_hash))
    return outcomes


def _last_attempt(session: Session) -> datetime | None:
    return session.scalar(
        select(AuditEvent.occurred_at)
        .where(AuditEvent.event.in_(_ANCHOR_EVENTS))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


def anchor_if_due(db: Database, witnesses: Sequence[Witness], interval: timedelta) -> list[AnchorOutcome] | None:
    """Anchor once if the newest anchor attempt is older than ``interval`` (``None``: not due).

    The check and the anchoring hold the chain's write lock together, so concurrent callers
    (threads, workers) never anchor twice in one interval.
    """
    with db.transaction() as session:
        lock_chain(session)
        last = _last_attempt(session)
        if last is not None and utcnow() - last < interval:
            return None
        return anchor(session, witnesses)


def next_due(db: Database, interval: timedelta) -> datetime:
    """When the next anchor is due (now, if it never ran)."""
    with db.transaction() as session:
        last = _last_attempt(session)
    return utcnow() if last is None else last + interval


class Anchorer:
    """The server's schedule: a daemon thread that anchors every ``interval`` (see the module)."""

    #: After an unexpected error (e.g. the database is away), try again this soon.
    RETRY = timedelta(minutes=5)

    def __init__(self, db: Database, witnesses: Sequence[Witness], interval: timedelta) -> None:
        self.db = db
        self.witnesses = list(witnesses)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = threading.Lock()

    def start(self) -> None:
        """Start the thread once (later calls do nothing)."""
        with self._started:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="vetting-audit-anchor", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_once(self) -> timedelta:
        """Anchor if due; how long to sleep before the next look."""
        try:
            if anchor_if_due(self.db, self.witnesses, self.interval) == []:
                return min(self.RETRY, self.interval)  # an empty chain: nothing to anchor yet
            wait = next_due(self.db, self.interval) - utcnow()
        except Exception:  # the schedule must outlive a passing database or disk error
            log.exception("scheduled audit anchoring failed")
            return min(self.RETRY, self.interval)
        return max(timedelta(seconds=1), min(wait, self.interval))

    def _run(self) -> None:
        delay = timedelta(0)
        while not self._stop.wait(delay.total_seconds()):
            delay = self.run_once()


# --- the auditor's console ------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorStatus:
    """The last anchor and whether anchoring needs attention, for the auditor's console."""

    #: ``ok``, ``failed`` (the newest attempt failed), ``stale`` (the last success is older than
    #: twice the interval), ``never`` (witnesses configured, nothing anchored yet) or
    #: ``not_configured``.
    state: str
    witnesses: tuple[str, ...]
    interval: timedelta
    last_seq: int | None = None
    last_hash: str | None = None
    last_at: datetime | None = None
    last_witness: str | None = None
    failed_at: datetime | None = None
    failed_reason: str | None = None
    failed_witness: str | None = None
    #: Witness files that cannot be read.
    problems: tuple[str, ...] = ()

    @property
    def warning(self) -> str | None:
        """What the console shows as a warning (``None`` when all is well)."""
        if self.state == "failed":
            where = f" ({self.failed_witness})" if self.failed_witness else ""
            return f"Anchoring the chain head failed{where}: {self.failed_reason}."
        if self.state == "stale":
            return (
                "The last anchor is older than twice the anchoring interval "
                f"({int(self.interval.total_seconds() // 60)} minutes): the newest entries are not witnessed."
            )
        if self.state == "never":
            return "No anchor has been written to the configured witness yet."
        if self.problems:
            return "A witness cannot be read: " + "; ".join(self.problems)
        return None


def status(
    session: Session, actor: User, witnesses: Sequence[Path], interval: timedelta, problems: Sequence[str] = ()
) -> AnchorStatus:
    """The last anchor (entry, hash, time, witness) and the state of anchoring, for auditors."""
    policy.require(actor, policy.Action.AUDIT_READ)
    names = tuple(FileWitness(p).name for p in witnesses)
    last_ok = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event == Event.AUDIT_ANCHORED.value)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    last_failed = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event == Event.AUDIT_ANCHOR_FAILED.value)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    ok_data = json.loads(last_ok.data) if last_ok is not None else {}
    failing = last_failed is not None and (last_ok is None or last_failed.seq > last_ok.seq)
    failed_data = json.loads(last_failed.data) if failing and last_failed is not None else {}
    if failing:
        state = "failed"
    elif last_ok is not None and utcnow() - last_ok.occurred_at > 2 * interval:
        state = "stale"
    elif not names:
        state = "not_configured"
    elif last_ok is None:
        state = "never"
    else:
        state = "ok"
    return AnchorStatus(
        state,
        names,
        interval,
        last_seq=ok_data.get("seq"),
        last_hash=ok_data.get("entry_hash"),
        last_at=last_ok.occurred_at if last_ok is not None else None,
        last_witness=ok_data.get("witness"),
        failed_at=last_failed.occurred_at if failing and last_failed is not None else None,
        failed_reason=failed_data.get("reason"),
        failed_witness=failed_data.get("witness"),
        problems=tuple(problems),
    )
